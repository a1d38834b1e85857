package anonymize

import (
	"context"
	"math"
	"sort"
)

// gaussMaxEntries caps the non-zeros one block's elimination may hold; a larger block is left
// to the audit loop alone (which stays sound, only slower).
const gaussMaxEntries = 4_000_000

// gauss is secondary suppression by Gaussian elimination, in the spirit of Statistics Norway's
// GaussSuppression: sound by construction against exact disclosure. The relations are kept in
// reduced row echelon form over the cells not yet published; publishing a cell deletes its
// column. A hidden cell is exactly disclosed when its row reduces to the unit row, so a
// candidate whose deletion would leave such a row for a hidden cell is hidden instead. The
// candidates are published in order of cost, so that totals and large cells stay visible.
// Interval widths (non-negativity, small sums) are left to the audit loop that follows.
//
// The blocks of cells linked by relations are independent: they are eliminated on all
// processors at once, each touching only its own cells and relations; the relations left with
// one hidden cell are queued afterwards, in their order, so that the outcome does not depend
// on which block finished first.
func (pr *protector) gauss(ctx context.Context) error {
	all := make([]bool, len(pr.cells))
	for i := range all {
		all[i] = true
	}
	var blocks [][]int32
	for _, b := range pr.sys.blocks(all) {
		if len(b) >= 2 {
			blocks = append(blocks, b)
		}
	}
	// The largest first, so that no processor is left with a large block at the end.
	sort.SliceStable(blocks, func(a, b int) bool { return len(blocks[a]) > len(blocks[b]) })
	pr.noQueue = true
	defer func() { pr.noQueue = false }()
	err := inParallel(ctx, len(blocks), func(ctx context.Context, _, i int) error {
		return pr.gaussBlock(ctx, blocks[i])
	})
	if err != nil {
		return err
	}
	pr.queue = pr.queue[:0]
	for ri, n := range pr.hc {
		if n == 1 {
			pr.queue = append(pr.queue, int32(ri))
		}
	}
	return nil
}

// elim is the reduced row echelon form of one block's relations over its unpublished cells.
type elim struct {
	rows    []map[int32]float64 // nil once dropped
	piv     []int32             // pivot column of each row
	rowOf   map[int32]int32     // pivot column → row
	colRows map[int32]map[int32]struct{}
	entries int
}

func (e *elim) put(r int32, c int32, v float64) {
	if _, ok := e.rows[r][c]; !ok {
		e.entries++
		if e.colRows[c] == nil {
			e.colRows[c] = map[int32]struct{}{}
		}
		e.colRows[c][r] = struct{}{}
	}
	e.rows[r][c] = v
}

func (e *elim) del(r int32, c int32) {
	if _, ok := e.rows[r][c]; ok {
		e.entries--
		delete(e.rows[r], c)
		delete(e.colRows[c], r)
	}
}

// fewerRows reports whether column c is in fewer rows than column d (ties by index).
func (e *elim) fewerRows(c, d int32) bool {
	nc, nd := len(e.colRows[c]), len(e.colRows[d])
	return nc < nd || (nc == nd && c < d)
}

// axpy sets row s to s − f·src, dropping entries that cancel.
func (e *elim) axpy(s int32, f float64, src map[int32]float64) {
	for c, v := range src {
		nv := e.rows[s][c] - f*v
		if math.Abs(nv) < 1e-9 {
			e.del(s, c)
		} else {
			e.put(s, c, nv)
		}
	}
}

// pivotOn makes column q the pivot of row r and eliminates q from every other row.
func (e *elim) pivotOn(r, q int32) {
	row := e.rows[r]
	f := row[q]
	for c := range row {
		e.rows[r][c] /= f
	}
	e.piv[r] = q
	e.rowOf[q] = r
	for s := range e.colRows[q] {
		if s != r {
			e.axpy(s, e.rows[s][q], e.rows[r])
		}
	}
}

func (pr *protector) gaussBlock(ctx context.Context, block []int32) error {
	hidden := func(c int32) bool { return pr.prob.hidden[c] }
	// Pivot preference: hidden cells never lose their column; among the others, the cells
	// published last (cheapest) are the best pivots.
	pref := func(c int32) float64 {
		if hidden(c) {
			return math.Inf(1)
		}
		return -pr.cost(c)
	}
	e := &elim{rowOf: map[int32]int32{}, colRows: map[int32]map[int32]struct{}{}}
	relSeen := map[int32]bool{}
	for _, c := range block {
		for _, ri := range pr.sys.cellRel[c] {
			if relSeen[ri] {
				continue
			}
			relSeen[ri] = true
			r := map[int32]float64{}
			for _, t := range pr.sys.rels[ri] {
				r[t.cell] += t.coef
			}
			// Reduce by the pivots so far.
			for c, v := range r {
				if pr2, ok := e.rowOf[c]; ok && v != 0 {
					for c2, v2 := range e.rows[pr2] {
						r[c2] -= v * v2
					}
				}
			}
			best, bestPref := int32(-1), math.Inf(-1)
			for c, v := range r {
				if math.Abs(v) < 1e-9 {
					delete(r, c)
					continue
				}
				// Among equal preferences the column in fewest rows, which fills in least.
				if p := pref(c); p > bestPref || (p == bestPref && e.fewerRows(c, best)) {
					best, bestPref = c, p
				}
			}
			if best < 0 {
				continue
			}
			id := int32(len(e.rows))
			e.rows = append(e.rows, map[int32]float64{})
			e.piv = append(e.piv, best)
			for c, v := range r {
				e.put(id, c, v)
			}
			e.pivotOn(id, best)
			if e.entries > gaussMaxEntries {
				return nil
			}
			if id%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
	}
	// Known cells (missing: structural zeros) are published first, whatever they imply.
	var cands []int32
	for _, c := range block {
		switch {
		case pr.status[c] == Missing:
			e.publish(c, nil)
		case pr.status[c] == Shown:
			cands = append(cands, c)
		}
	}
	// A cell that the known zeros alone pin is itself known (an "all grade levels" cell of a
	// school unit with none of the grade levels): missing, and published like them.
	for changed := true; changed; {
		changed = false
		for r, row := range e.rows {
			if len(row) != 1 {
				continue
			}
			h := e.piv[r]
			if pr.status[h] != Missing && pr.cells[h].Count == 0 {
				wasHidden := pr.prob.hidden[h]
				pr.status[h] = Missing
				pr.band[h] = Band{}
				pr.setHidden(int(h))
				if wasHidden {
					for _, ri := range pr.sys.cellRel[h] {
						pr.hc[ri]--
						if pr.hc[ri] == 1 && !pr.noQueue {
							pr.queue = append(pr.queue, ri)
						}
					}
				}
				e.publish(h, nil)
				changed = true
			}
		}
	}
	kept := cands[:0]
	for _, c := range cands {
		if pr.status[c] == Shown {
			kept = append(kept, c)
		}
	}
	cands = kept
	sort.SliceStable(cands, func(a, b int) bool {
		ca, cb := pr.cost(cands[a]), pr.cost(cands[b])
		if ca != cb {
			return ca > cb
		}
		return cands[a] < cands[b]
	})
	for k, c := range cands {
		if k%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !e.publish(c, hidden) {
			pr.hide(c)
		}
	}
	return nil
}

// publish deletes column c when that leaves no hidden cell exactly determined (always, when
// hidden is nil) and reports whether it did.
func (e *elim) publish(c int32, hidden func(int32) bool) bool {
	if r, ok := e.rowOf[c]; ok {
		// c is a pivot: the rest of its row needs a new pivot, eliminated from the others.
		rest := make(map[int32]float64, len(e.rows[r]))
		for k, v := range e.rows[r] {
			if k != c {
				rest[k] = v
			}
		}
		if len(rest) == 1 && hidden != nil {
			for k := range rest {
				if hidden(k) {
					return false
				}
			}
		}
		var q int32 = -1
		if len(rest) > 0 {
			// The new pivot: a hidden cell if there is one, else the column in fewest rows.
			for k := range rest {
				if q < 0 || (hidden != nil && hidden(k) && !hidden(q)) || ((hidden == nil || hidden(k) == hidden(q)) && e.fewerRows(k, q)) {
					q = k
				}
			}
			if hidden != nil {
				f := rest[q]
				for s := range e.colRows[q] {
					if s == r {
						continue
					}
					if e.singletonAfter(s, e.rows[s][q]/f, rest) && hidden(e.piv[s]) {
						return false
					}
				}
			}
		}
		delete(e.rowOf, c)
		e.del(r, c)
		if q < 0 {
			e.rows[r] = nil
			return true
		}
		e.pivotOn(r, q)
		return true
	}
	// c is not a pivot: deleting it can leave rows holding their pivot alone.
	if hidden != nil {
		for s := range e.colRows[c] {
			if len(e.rows[s]) == 2 && hidden(e.piv[s]) {
				return false
			}
		}
	}
	for s := range e.colRows[c] {
		e.del(s, c)
	}
	return true
}

// singletonAfter reports whether row s − f·src keeps nothing but its pivot.
func (e *elim) singletonAfter(s int32, f float64, src map[int32]float64) bool {
	left := 0
	for c, v := range e.rows[s] {
		nv := v
		if w, ok := src[c]; ok {
			nv -= f * w
		}
		if math.Abs(nv) >= 1e-9 {
			left++
		}
	}
	for c, w := range src {
		if _, ok := e.rows[s][c]; !ok && math.Abs(f*w) >= 1e-9 {
			left++
		}
	}
	return left <= 1
}
