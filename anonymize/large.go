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

// deepNeighbourhood is the size tried last when the audit is asked to look deeper (a few cells
// that the smaller neighbourhoods could not show wide enough).
const deepNeighbourhood = 600

// globalCap is the largest block whose whole elimination checkLarge attempts first.
const globalCap = 200000

// checkLarge certifies the cells of a block too large to bound as a whole. For each cell it
// takes the hidden cells nearest to it (through shared relations), holds every other hidden
// cell of the block at a feasible point, and bounds the cell over that neighbourhood. Holding
// cells fixed only removes freedom, so an interval found this way lies inside the true one:
// a cell that is wide enough here is wide enough (sound). A cell that is not wide enough in
// the largest neighbourhood is reported, conservatively, as a failure.
func (p *problem) checkLarge(ctx context.Context, block []int32, targets []int, run *auditRun) error {
	x := make(map[int32]float64, len(block))
	if p.x0 != nil {
		for _, c := range block {
			x[c] = p.x0[c]
		}
	} else {
		pt, err := p.feasiblePoint(block)
		if err != nil {
			return err
		}
		x = pt
	}
	if p.x0 == nil {
		// Without the true values check has not tried cycles (it does from the true values):
		// try them from this feasible point, before any elimination or program.
		var err error
		if targets, err = p.openByCycles(ctx, newSpread(func(c int32) float64 { return x[c] }), block, targets); err != nil {
			return err
		}
		if len(targets) == 0 {
			return nil
		}
	}
	resolved := make(map[int32]bool, len(targets))
	// First the whole block's elimination: exact for cells the relations pin, and its
	// null-space directions certify most cells without a linear program.
	if len(block) <= globalCap {
		local := make(map[int32]int, len(block))
		for k, c := range block {
			local[c] = k
		}
		rows := p.localRows(block, local, x)
		e, err := reduce(len(block), rows)
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
	seenLo := make(map[int32]float64, len(block))
	seenHi := make(map[int32]float64, len(block))
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
	inSet := make(map[int32]int, exactCap)
	isTarget := make(map[int32]bool, len(targets))
	for _, tk := range targets {
		isTarget[block[tk]] = true
	}
	for i, tk := range targets {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		h := block[tk]
		if resolved[h] || seenWide(h) {
			continue
		}
		var last interval
		ok := false
		sizes := neighbourhoods
		if p.deep {
			sizes = append(sizes[:len(sizes):len(sizes)], deepNeighbourhood)
		}
		for _, size := range sizes {
			iv, n, err := p.nearBound(h, size, x, isTarget, resolved, inSet, run)
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
func (p *problem) nearBound(h int32, size int, x map[int32]float64, isTarget, resolved map[int32]bool, inSet map[int32]int, run *auditRun) (interval, int, error) {
	set := p.neighbourhood(h, size)
	clear(inSet)
	for k, c := range set {
		inSet[c] = k
	}
	rows := p.localRows(set, inSet, x)
	xs := make([]float64, len(set))
	var want []int
	for k, c := range set {
		xs[k] = x[c]
		if k == 0 || (isTarget[c] && !resolved[c]) {
			want = append(want, k)
		}
	}
	ivs, err := p.bound(set, rows, xs, want, true, run)
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
// sibling areas.
func (p *problem) neighbourhood(h int32, size int) []int32 {
	dist := map[int32]float64{h: 0}
	done := map[int32]bool{}
	pq := &cellHeap{{h, 0}}
	var set []int32
	for pq.Len() > 0 && len(set) < size {
		it := heap.Pop(pq).(cellDist)
		if done[it.cell] {
			continue
		}
		done[it.cell] = true
		set = append(set, it.cell)
		for _, ri := range p.sys.cellRel[it.cell] {
			nh := 0
			for _, t := range p.sys.rels[ri] {
				if p.hidden[t.cell] {
					nh++
				}
			}
			d := it.d + float64(nh)
			for _, t := range p.sys.rels[ri] {
				if !p.hidden[t.cell] || done[t.cell] {
					continue
				}
				if od, ok := dist[t.cell]; !ok || d < od {
					dist[t.cell] = d
					heap.Push(pq, cellDist{t.cell, d})
				}
			}
		}
	}
	return set
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

// localRows are the equations of the relations touching set, with every cell outside it held
// at its known value or at the feasible point x.
func (p *problem) localRows(set []int32, inSet map[int32]int, x map[int32]float64) []sparseRow {
	seen := map[int32]bool{}
	var rows []sparseRow
	for _, c := range set {
		for _, ri := range p.sys.cellRel[c] {
			if seen[ri] {
				continue
			}
			seen[ri] = true
			var r sparseRow
			for _, t := range p.sys.rels[ri] {
				switch k, in := inSet[t.cell]; {
				case in:
					r.idx = append(r.idx, int32(k))
					r.val = append(r.val, t.coef)
				case p.hidden[t.cell]:
					r.rhs -= t.coef * x[t.cell]
				default:
					r.rhs -= t.coef * p.value[t.cell]
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// feasiblePoint finds values for a large block's hidden cells that fit its equations and
// bounds, by cyclic projections onto each equation and the bounds (they converge to a point
// of the intersection when there is one).
func (p *problem) feasiblePoint(block []int32) (map[int32]float64, error) {
	x := make(map[int32]float64, len(block))
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
			return x, nil
		}
	}
	return nil, fmt.Errorf("block of %d hidden cells: no value found that fits what is shown", len(block))
}

// presolveMin is the smallest block whose cells are first tried over small neighbourhoods
// before the whole block's linear programs.
const presolveMin = 48

// presolve resolves the target cells (local indices) of a block that are wide enough without
// a linear program over the whole block: by the block's null-space certificate, else by linear
// programs over the hidden cells nearest to each, with every other hidden cell held at the
// feasible point x. Both give a sub-interval of the true one, so a cell found wide enough is
// wide enough (sound); the others are returned for the exact bound over the whole block.
func (p *problem) presolve(block []int32, rows []sparseRow, x []float64, targets []int, run *auditRun) ([]int, error) {
	nb := len(block)
	e, err := reduce(nb, rows)
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
	xm := make(map[int32]float64, nb)
	for k, c := range block {
		xm[c] = x[k]
	}
	inSet := make(map[int32]int, neighbourhoods[1])
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
			if _, _, err := p.nearBound(h, size, xm, isTarget, resolved, inSet, run); err != nil {
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
