package anonymize

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// term is one cell's coefficient in a relation: sum(coef * count) = 0 over a relation's terms.
type term struct {
	cell int32
	coef float64
}

// system is the relations between cells in the form both Protect and Audit work on: each
// relation is a list of terms summing to zero, and every cell knows the relations it is in.
type system struct {
	n       int
	rels    [][]term
	cellRel [][]int32 // relations each cell appears in
	// cellCoef holds the cell's coefficient in each relation of cellRel, in the same order.
	cellCoef [][]float64
}

// newSystem checks rels against n cells and indexes them.
func newSystem(n int, rels []Relation) (*system, error) {
	s := &system{n: n, rels: make([][]term, 0, len(rels)), cellRel: make([][]int32, n), cellCoef: make([][]float64, n)}
	counts := make([]int32, n)
	for ri, r := range rels {
		if r.Total < 0 || r.Total >= n {
			return nil, fmt.Errorf("relation %d: total %d out of range", ri, r.Total)
		}
		if len(r.Parts) == 0 {
			return nil, fmt.Errorf("relation %d: no parts", ri)
		}
		ts := make([]term, 0, len(r.Parts)+1)
		ts = append(ts, term{int32(r.Total), 1})
		for _, p := range r.Parts {
			if p < 0 || p >= n {
				return nil, fmt.Errorf("relation %d: part %d out of range", ri, p)
			}
			if p == r.Total {
				return nil, fmt.Errorf("relation %d: cell %d is its own part", ri, p)
			}
			ts = append(ts, term{int32(p), -1})
		}
		s.rels = append(s.rels, mergeTerms(ts))
	}
	for _, ts := range s.rels {
		for _, t := range ts {
			counts[t.cell]++
		}
	}
	for i := range s.cellRel {
		s.cellRel[i] = make([]int32, 0, counts[i])
	}
	for ri, ts := range s.rels {
		for _, t := range ts {
			s.cellRel[t.cell] = append(s.cellRel[t.cell], int32(ri))
			s.cellCoef[t.cell] = append(s.cellCoef[t.cell], t.coef)
		}
	}
	return s, nil
}

// newSystemTerms builds a system from relations already in term form (from a snapshot).
func newSystemTerms(n int, rels [][]term) (*system, error) {
	s := &system{n: n, rels: make([][]term, 0, len(rels)), cellRel: make([][]int32, n), cellCoef: make([][]float64, n)}
	for ri, ts := range rels {
		for _, t := range ts {
			if t.cell < 0 || int(t.cell) >= n {
				return nil, fmt.Errorf("relation %d: cell %d out of range", ri, t.cell)
			}
			if math.IsNaN(t.coef) || math.IsInf(t.coef, 0) {
				return nil, fmt.Errorf("relation %d: bad coefficient", ri)
			}
		}
		ts = mergeTerms(append([]term(nil), ts...))
		if len(ts) == 0 {
			continue
		}
		s.rels = append(s.rels, orient(ts))
	}
	for ri, ts := range s.rels {
		for _, t := range ts {
			s.cellRel[t.cell] = append(s.cellRel[t.cell], int32(ri))
			s.cellCoef[t.cell] = append(s.cellCoef[t.cell], t.coef)
		}
	}
	return s, nil
}

// orient gives a relation the sign newSystem gives it: a total (+1) equals its parts (-1),
// so that the terms have no more positive coefficients than negative ones, and when they have
// as many, the first is positive (an equality between two statistics then reads as the order
// of its terms says: a snapshot lists them by cell id, not total first). A relation and its negation say the same, but the
// neighbourhoods and hypercubes of the audit are built on the signs: on the municipality
// profile the published relations negated made the audit's first pass fail 8,571 cells
// instead of 1,123.
func orient(ts []term) []term {
	pos, neg := 0, 0
	for _, t := range ts {
		if t.coef > 0 {
			pos++
		} else {
			neg++
		}
	}
	if pos > neg || pos == neg && ts[0].coef < 0 {
		for k := range ts {
			ts[k].coef = -ts[k].coef
		}
	}
	return ts
}

// mergeTerms adds up repeated cells and drops zero coefficients.
func mergeTerms(ts []term) []term {
	if len(ts) > 32 {
		return mergeTermsMap(ts)
	}
	out := ts[:0]
	for _, t := range ts {
		merged := false
		for k := range out {
			if out[k].cell == t.cell {
				out[k].coef += t.coef
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, t)
		}
	}
	res := out[:0]
	for _, t := range out {
		if t.coef != 0 {
			res = append(res, t)
		}
	}
	return res
}

// unionFind groups hidden cells into independent blocks.
type unionFind struct{ parent []int32 }

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
	}
	return u
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b int32) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[ra] = rb
	}
}

// blocks returns the independent blocks of hidden cells: hidden cells are linked when they
// share a relation (the shown cells of a relation are constants).
func (s *system) blocks(hidden []bool) [][]int32 {
	u := newUnionFind(s.n)
	for _, ts := range s.rels {
		first := int32(-1)
		for _, t := range ts {
			if hidden[t.cell] {
				if first < 0 {
					first = t.cell
				} else {
					u.union(first, t.cell)
				}
			}
		}
	}
	index := make(map[int32]int)
	var out [][]int32
	for i := 0; i < s.n; i++ {
		if !hidden[i] {
			continue
		}
		r := u.find(int32(i))
		bi, ok := index[r]
		if !ok {
			bi = len(out)
			index[r] = bi
			out = append(out, nil)
		}
		out[bi] = append(out[bi], int32(i))
	}
	return out
}

func mergeTermsMap(ts []term) []term {
	pos := make(map[int32]int, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if k, ok := pos[t.cell]; ok {
			out[k].coef += t.coef
			continue
		}
		pos[t.cell] = len(out)
		out = append(out, t)
	}
	res := out[:0]
	for _, t := range out {
		if t.coef != 0 {
			res = append(res, t)
		}
	}
	return res
}

// parallelism is how many goroutines work through n independent items: one per processor
// (GOMAXPROCS), and no more than there are items.
func parallelism(n int) int { return min(runtime.GOMAXPROCS(0), max(n, 1)) }

// inParallel calls do(ctx, w, i) once for every i in [0, n), on parallelism(n) goroutines that
// take the next i as they finish one; w is the goroutine's number, for its own scratch. It
// returns the first error, after which the others stop at their next item.
func inParallel(ctx context.Context, n int, do func(ctx context.Context, w, i int) error) error {
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for w := range parallelism(n) {
		g.Go(func() error {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return nil
				}
				if err := gctx.Err(); err != nil {
					return err
				}
				if err := do(gctx, w, i); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}
