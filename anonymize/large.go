package anonymize

import (
	"container/heap"
	"context"
	"fmt"
	"math"
)

// neighbourhoods are the sizes of the sets of hidden cells around a cell of a large block
// that checkLarge tries, smallest first.
var neighbourhoods = []int{12, 48, 160}

// deepNeighbourhood is the size a wide check tries after the small ones (a few cells that the
// smaller neighbourhoods could not show wide enough).
const deepNeighbourhood = 600

// farNeighbourhood is the size the deep look tries after deepNeighbourhood. On the
// municipality profile it showed wide enough 100 of 101 cells (sampled from 7,924) that failed
// within 600 cells, where the deep cycle search found none; each such program takes seconds,
// so only the few cells left get it.
const farNeighbourhood = 2000

// globalCap is the largest block whose whole elimination checkLarge attempts first.
const globalCap = 200000

// globalShare: checkLarge eliminates the whole block only when at least one in globalShare of
// its cells is to be checked. A round of Protect late in its repair checks a few hundred cells
// of blocks of tens of thousands, and the whole elimination, which gives each of them only a
// certificate their neighbourhoods mostly give too, was most of such a round.
const globalShare = 50

// checkLarge certifies the cells of a block too large to bound as a whole. For each cell it
// takes the hidden cells nearest to it (through shared relations), holds every other hidden
// cell of the block at a feasible point, and bounds the cell over that neighbourhood. Holding
// cells fixed only removes freedom, so an interval found this way lies inside the true one:
// a cell that is wide enough here is wide enough (sound). A cell that is not wide enough in
// the largest neighbourhood is reported, conservatively, as a failure.
func (p *problem) checkLarge(ctx context.Context, block []int32, targets []int, run *auditRun) error {
	ns := p.near()
	x := ns.x
	if p.x0 != nil {
		for _, c := range block {
			x[c] = p.x0[c]
		}
	} else {
		if err := p.feasiblePoint(block, x); err != nil {
			return err
		}
		// Without the true values check has not tried cycles (it does from the true values):
		// try them from this feasible point, before any elimination or program.
		var err error
		if targets, err = p.openByCycles(ctx, ns.spreadAt(x), block, targets); err != nil {
			return err
		}
		if len(targets) == 0 {
			return nil
		}
	}
	resolved := make(map[int32]bool, len(targets))
	// First the whole block's elimination: exact for cells the relations pin, and its
	// null-space directions certify most cells without a linear program.
	if len(block) <= globalCap && len(targets)*globalShare >= len(block) {
		rows := p.localRows(block, x)
		e, err := reduce(ctx, len(block), rows)
		if err != nil {
			return fmt.Errorf("block of %d hidden cells: %w", len(block), err)
		}
		free := e.freeColumns()
		xs := make([]float64, len(block))
		lo := make([]float64, len(block))
		hi := make([]float64, len(block))
		for k, c := range block {
			xs[k], lo[k], hi[k] = x[c], p.lo[c], p.hi[c]
		}
		scratch := &auditRun{}
		for _, tk := range targets {
			c := block[tk]
			if v, ok := e.determined(int32(tk)); ok {
				p.judge(c, interval{lo: v, hi: v, pinned: true, done: true}, run, "")
				resolved[c] = true
				continue
			}
			a, b := certify(e, free, int32(tk), xs, lo, hi)
			if p.judge(c, interval{lo: a, hi: b}, scratch, "") {
				resolved[c] = true
			}
		}
	}
	// Every point a linear program finds over a neighbourhood is a feasible point of the whole
	// block: the ranges of the cells over those points are proven sub-intervals, and most cells
	// are found wide enough by the points found for their neighbours.
	seenLo, seenHi := ns.lo, ns.hi
	for _, c := range block {
		seenLo[c], seenHi[c] = x[c], x[c]
	}
	p.onPoint = func(set []int32, pt []float64) {
		for k, c := range set {
			if v := pt[k]; v < seenLo[c] {
				seenLo[c] = v
			} else if v > seenHi[c] {
				seenHi[c] = v
			}
		}
	}
	defer func() { p.onPoint = nil }()
	scratchSeen := &auditRun{}
	seenWide := func(c int32) bool {
		return p.judge(c, interval{lo: seenLo[c], hi: seenHi[c]}, scratchSeen, "")
	}
	isTarget := make(map[int32]bool, len(targets))
	for _, tk := range targets {
		isTarget[block[tk]] = true
	}
	// A sampling round bounds a sample spread over the targets first; when most of it fails,
	// the others are judged on the points seen (see problem.sample).
	order := targets
	if p.sample && len(targets) > 2*sampleSize {
		order = make([]int, 0, len(targets))
		for pass := 0; pass < 2; pass++ {
			for i, tk := range targets {
				if inSample(i, len(targets)) == (pass == 0) {
					order = append(order, tk)
				}
			}
		}
	}
	tried, failed, quick := 0, 0, false
	for i, tk := range order {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if p.sample && i == sampleSize && len(order) > 2*sampleSize {
			quick = mostFail(failed, tried)
		}
		h := block[tk]
		if resolved[h] || seenWide(h) {
			continue
		}
		if quick {
			resolved[h] = true
			p.judge(h, interval{lo: seenLo[h], hi: seenHi[h]}, run, "")
			continue
		}
		tried++
		var last interval
		ok := false
		sizes := neighbourhoods
		switch {
		case p.deep || p.far[h]:
			sizes = append(sizes[:len(sizes):len(sizes)], deepNeighbourhood, farNeighbourhood)
		case p.wide:
			sizes = append(sizes[:len(sizes):len(sizes)], deepNeighbourhood)
		}
		for _, size := range sizes {
			iv, n, err := p.nearBound(ctx, h, size, x, isTarget, resolved, run)
			if err != nil {
				return err
			}
			last = iv
			if resolved[h] || seenWide(h) {
				ok = true
				break
			}
			if n < size {
				break // the whole block is in the set: the interval is exact
			}
		}
		resolved[h] = true
		if !ok {
			failed++
			p.judge(h, interval{lo: last.lo, hi: last.hi, pinned: last.pinned && len(block) <= exactCap}, run,
				fmt.Sprintf(" (within its %d nearest hidden cells)", min(len(block), sizes[len(sizes)-1])))
		}
	}
	return nil
}

// nearBound bounds hidden cell h over its size nearest hidden cells, every other hidden cell
// held at the feasible point x. An interval over a neighbourhood lies inside the true one, so
// every cell of the neighbourhood that is h or a target not yet resolved, and that is wide
// enough there, is marked resolved, whichever cell the neighbourhood was built for. It returns
// h's interval over the neighbourhood and the neighbourhood's size (below size when it holds
// the whole block: then the interval is exact).
func (p *problem) nearBound(ctx context.Context, h int32, size int, x []float64, isTarget, resolved map[int32]bool, run *auditRun) (interval, int, error) {
	set := p.neighbourhood(h, size)
	rows := p.localRows(set, x)
	xs := make([]float64, len(set))
	var want []int
	for k, c := range set {
		xs[k] = x[c]
		if k == 0 || (isTarget[c] && !resolved[c]) {
			want = append(want, k)
		}
	}
	ivs, err := p.bound(ctx, set, rows, xs, want, 1, run)
	if err != nil {
		return interval{}, 0, err
	}
	scratch := &auditRun{}
	for _, k := range want {
		if p.judge(set[k], ivs[k], scratch, "") {
			resolved[set[k]] = true
		}
	}
	return ivs[0], len(set), nil
}

// neighbourhood returns up to size hidden cells nearest to h, h first. Distance through a
// relation grows with the number of hidden cells in it, so that the small relations that
// close cycles around h (its group's categories and genders) come before long lists of
// sibling areas; but the one hidden cell on the other side of a relation (a school unit's
// area total) is near however long the relation is, so that a neighbourhood reaches up the
// hierarchy, where the freedom of a hidden zero often is.
func (p *problem) neighbourhood(h int32, size int) []int32 {
	if p.relPos == nil {
		p.countHidden()
	}
	ns := p.near()
	gen := ns.next()
	ns.seen[h], ns.dist[h] = gen, 0
	pq := append(ns.pq[:0], cellDist{h, 0})
	var set []int32
	for len(pq) > 0 && len(set) < size {
		it := heap.Pop(&pq).(cellDist)
		if ns.done[it.cell] == gen {
			continue
		}
		ns.done[it.cell] = gen
		set = append(set, it.cell)
		for k, ri := range p.sys.cellRel[it.cell] {
			own := p.sys.cellCoef[it.cell][k]
			nh, opposite := p.relPos[ri]+p.relNeg[ri], p.relNeg[ri]
			if own < 0 {
				opposite = p.relPos[ri]
			}
			d := it.d + float64(nh)
			for _, t := range p.sys.rels[ri] {
				if !p.hidden[t.cell] || ns.done[t.cell] == gen {
					continue
				}
				d := d
				if opposite == 1 && (t.coef > 0) != (own > 0) {
					// The one hidden cell on the other side (a part's total, or the total's
					// one hidden part) absorbs a move alone: it is as near as a small
					// relation, however many parts the relation has.
					d = it.d + 2
				}
				if ns.seen[t.cell] != gen || d < ns.dist[t.cell] {
					ns.seen[t.cell], ns.dist[t.cell] = gen, d
					heap.Push(&pq, cellDist{t.cell, d})
				}
			}
		}
	}
	ns.pq = pq[:0]
	return set
}

// countHidden counts the hidden cells of each relation by the sign of their coefficient.
func (p *problem) countHidden() {
	p.relPos = make([]int32, len(p.sys.rels))
	p.relNeg = make([]int32, len(p.sys.rels))
	for ri, ts := range p.sys.rels {
		for _, t := range ts {
			switch {
			case !p.hidden[t.cell]:
			case t.coef > 0:
				p.relPos[ri]++
			default:
				p.relNeg[ri]++
			}
		}
	}
}

// nearScratch holds the arrays, one entry per cell or relation, that the neighbourhood
// searches of large blocks reuse; entries are valid where their stamp is the current
// generation.
type nearScratch struct {
	gen        uint32
	seen, done []uint32 // cell → generation of its last visit
	dist       []float64
	pos        []int32  // cell → index in the current set
	inSet      []uint32 // cell → generation in which pos was set
	rel        []uint32 // relation → generation in which it was taken
	x          []float64
	lo, hi     []float64
	pq         cellHeap
	cyc        *spread // the ranges cycles show from x (see spreadAt)
}

// spreadAt returns the scratch spread, emptied and centred on the point x.
func (ns *nearScratch) spreadAt(x []float64) *spread {
	at := func(c int32) float64 { return x[c] }
	if ns.cyc == nil {
		ns.cyc = newSpread(len(x), at)
	} else {
		ns.cyc.reset(at)
	}
	return ns.cyc
}

// near returns the problem's scratch arrays, made on first use.
func (p *problem) near() *nearScratch {
	if p.ns == nil {
		n := p.sys.n
		p.ns = &nearScratch{seen: make([]uint32, n), done: make([]uint32, n), dist: make([]float64, n),
			pos: make([]int32, n), inSet: make([]uint32, n), rel: make([]uint32, len(p.sys.rels)),
			x: make([]float64, n), lo: make([]float64, n), hi: make([]float64, n)}
	}
	return p.ns
}

// next starts a new generation: every stamp of an earlier one is stale.
func (ns *nearScratch) next() uint32 {
	ns.gen++
	if ns.gen == 0 {
		clear(ns.seen)
		clear(ns.done)
		clear(ns.inSet)
		clear(ns.rel)
		ns.gen = 1
	}
	return ns.gen
}

type cellDist struct {
	cell int32
	d    float64
}

type cellHeap []cellDist

func (h cellHeap) Len() int { return len(h) }
func (h cellHeap) Less(i, j int) bool {
	if h[i].d != h[j].d {
		return h[i].d < h[j].d
	}
	return h[i].cell < h[j].cell
}
func (h cellHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cellHeap) Push(x any)   { *h = append(*h, x.(cellDist)) }
func (h *cellHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// localRows are the equations of the relations touching set, over the cells of set, with every
// cell outside it held where the feasible point x (indexed by cell) puts it.
func (p *problem) localRows(set []int32, x []float64) []sparseRow {
	ns := p.near()
	gen := ns.next()
	for k, c := range set {
		ns.pos[c], ns.inSet[c] = int32(k), gen
	}
	var rows []sparseRow
	for _, c := range set {
		for _, ri := range p.sys.cellRel[c] {
			if ns.rel[ri] == gen {
				continue
			}
			ns.rel[ri] = gen
			ts := p.sys.rels[ri]
			r := sparseRow{idx: make([]int32, 0, len(ts)), val: make([]float64, 0, len(ts))}
			for _, t := range ts {
				if ns.inSet[t.cell] == gen {
					r.idx = append(r.idx, ns.pos[t.cell])
					r.val = append(r.val, t.coef)
					// The right-hand side is what the set's own cells sum to at x: the same
					// as the shown cells and the held ones leave when x fits the relations
					// exactly (the true counts), and consistent when x fits them only to
					// rounding (a point found by projections, whose residuals the
					// elimination would take for contradictions).
					v := t.coef * x[t.cell]
					r.rhs += v
					r.mag = math.Max(r.mag, math.Abs(v))
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// feasiblePoint finds values for a large block's hidden cells that fit its equations and
// bounds, by cyclic projections onto each equation and the bounds (they converge to a point
// of the intersection when there is one), and writes them into x (indexed by cell).
func (p *problem) feasiblePoint(block []int32, x []float64) error {
	inBlock := make(map[int32]bool, len(block))
	for _, c := range block {
		inBlock[c] = true
		x[c] = p.lo[c]
	}
	type row struct {
		cells []int32
		coef  []float64
		rhs   float64
		norm  float64
	}
	var rows []row
	seen := map[int32]bool{}
	scale := 1.0
	for _, c := range block {
		for _, ri := range p.sys.cellRel[c] {
			if seen[ri] {
				continue
			}
			seen[ri] = true
			var r row
			for _, t := range p.sys.rels[ri] {
				if inBlock[t.cell] {
					r.cells = append(r.cells, t.cell)
					r.coef = append(r.coef, t.coef)
					r.norm += t.coef * t.coef
				} else {
					r.rhs -= t.coef * p.value[t.cell]
				}
			}
			scale = math.Max(scale, math.Abs(r.rhs))
			rows = append(rows, r)
		}
	}
	// Start inside rather than at the bounds: every relation whose hidden cells share one
	// sign shares what the shown cells leave equally among them (the smallest share a cell
	// gets wins). Cells at a bound block the moves that prove their neighbours wide enough.
	for _, r := range rows {
		sign, same := 0.0, true
		for _, v := range r.coef {
			if sign == 0 {
				sign = math.Copysign(1, v)
			} else if math.Copysign(1, v) != sign {
				same = false
			}
		}
		if !same || len(r.cells) == 0 {
			continue
		}
		share := r.rhs * sign / float64(len(r.cells))
		for k, c := range r.cells {
			v := share / math.Abs(r.coef[k])
			if v > p.lo[c] && (x[c] == p.lo[c] || v < x[c]) {
				x[c] = math.Min(v, p.hi[c])
			}
		}
	}
	tol := 1e-9 * scale
	for sweep := 0; sweep < 100000; sweep++ {
		worst := 0.0
		for _, r := range rows {
			res := r.rhs
			for k, c := range r.cells {
				res -= r.coef[k] * x[c]
			}
			worst = math.Max(worst, math.Abs(res))
			f := res / r.norm
			for k, c := range r.cells {
				v := x[c] + f*r.coef[k]
				x[c] = math.Min(math.Max(v, p.lo[c]), p.hi[c])
			}
		}
		if worst <= tol {
			return nil
		}
	}
	return fmt.Errorf("block of %d hidden cells: no value found that fits what is shown", len(block))
}

// presolveMin is the smallest block whose cells are first tried over small neighbourhoods
// before the whole block's linear programs.
const presolveMin = 48

// presolve resolves the target cells (local indices) of a block that are wide enough without
// a linear program over the whole block: by the block's null-space certificate, else by linear
// programs over the hidden cells nearest to each, with every other hidden cell held at the
// feasible point x. Both give a sub-interval of the true one, so a cell found wide enough is
// wide enough (sound); the others are returned for the exact bound over the whole block.
func (p *problem) presolve(ctx context.Context, block []int32, rows []sparseRow, x []float64, targets []int, run *auditRun) ([]int, error) {
	nb := len(block)
	e, err := reduce(ctx, nb, rows)
	if err != nil {
		return nil, fmt.Errorf("block of %d hidden cells: %w", nb, err)
	}
	free := e.freeColumns()
	lo, hi := make([]float64, nb), make([]float64, nb)
	for k, c := range block {
		lo[k], hi[k] = p.lo[c], p.hi[c]
	}
	scratch := &auditRun{}
	resolved := make(map[int32]bool, len(targets))
	isTarget := make(map[int32]bool, len(targets))
	var open []int
	for _, k := range targets {
		c := block[k]
		if _, ok := e.determined(int32(k)); ok {
			open = append(open, k) // pinned: the exact bound reports it
			continue
		}
		a, b := certify(e, free, int32(k), x, lo, hi)
		if p.judge(c, interval{lo: a, hi: b}, scratch, "") {
			resolved[c] = true
			continue
		}
		isTarget[c] = true
		open = append(open, k)
	}
	if len(open) == 0 {
		return nil, nil
	}
	xm := p.near().x
	for k, c := range block {
		xm[c] = x[k]
	}
	var rest []int
	for _, k := range open {
		h := block[k]
		if resolved[h] || !isTarget[h] {
			if !resolved[h] {
				rest = append(rest, k)
			}
			continue
		}
		ok := false
		for _, size := range neighbourhoods[:2] {
			if size >= nb {
				break
			}
			if _, _, err := p.nearBound(ctx, h, size, xm, isTarget, resolved, run); err != nil {
				return nil, err
			}
			if resolved[h] {
				ok = true
				break
			}
		}
		if !ok {
			rest = append(rest, k)
		}
	}
	return rest, nil
}
