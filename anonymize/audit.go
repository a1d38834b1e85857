package anonymize

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// problem is what an attacker knows: the relations, the known values and the bounds of every
// hidden cell. Protect and Audit share it; Protect also knows the true values (x0).
type problem struct {
	sys    *system
	hidden []bool
	value  []float64 // known cells: the value
	lo, hi []float64 // hidden cells: what the display tells; hi may be +Inf
	coded  []bool
	x0     []float64 // a feasible point (the true values), or nil
	width  float64   // Policy.ProtectionWidth
	// onPoint, when set, is given every feasible point a linear program finds over a set of
	// hidden cells (the other cells held where they were).
	onPoint func(set []int32, pt []float64)
	// deep makes the audit of large blocks bound cells over the wide and the far
	// neighbourhoods too, and the cycle search look much longer.
	deep bool
	// far names cells that checks bound over the far neighbourhood too, as the deep look
	// does, whatever deep says (Protect's cells that keep failing; see protector.lookFar).
	far map[int32]bool
	// wide makes the audit of large blocks try a larger neighbourhood (deepNeighbourhood)
	// after the small ones. Protect's rounds after the first check so: a cell that fails only
	// for want of it would be repaired by hiding more (on the municipality profile about half
	// of the cells that failed again within 160 cells passed within 600, in milliseconds).
	wide bool
	// sample makes the check bound only a sample of each block's cells by linear programs
	// when most of the sample fails: the others are judged on what cycles and null-space
	// directions show (a sub-interval, so a cell may fail that would pass). Protect's first
	// round samples: there most hidden cells of a large table fail, and the programs that
	// would prove it are most of the round's time.
	sample bool
	// cyc, when set, holds the ranges cycles from x0 have shown so far; it outlives one check
	// (hiding more only relaxes the problem, so a cycle found once stays a feasible move).
	cyc *spread
	// hyper, when set, finds hypercubes through cells that carry coordinates.
	hyper *hypercubes
	// cycZ and cycImb are the cycle search's scratch arrays (see cycleSearch).
	cycZ   []int8
	cycImb []float64
	// ns holds the neighbourhood searches' scratch arrays (see near).
	ns *nearScratch
	// spare holds the scratch arrays of check's other workers (see copies).
	spare []*problem
	// relPos and relNeg count each relation's hidden cells by the sign of their coefficient,
	// as check found them (see countHidden); neighbourhood orders cells by them.
	relPos, relNeg []int32
}

// failure is one hidden cell an attacker can bound too tightly.
type failure struct {
	cell   int32
	lo, hi float64
	reason string
}

// auditRun is the outcome of checking a problem.
type auditRun struct {
	checked, blocks, lps int
	failures             []failure
}

// check bounds every hidden cell marked in targets (all when targets is nil). Exact disclosure
// is found by Gauss–Jordan elimination; a wide enough interval is certified by a feasible
// direction from a feasible point; otherwise two linear programs give the exact interval.
// Independent blocks are checked on all processors at once; the outcome is the same as one
// after the other (each block's cells are its own, and the failures come in block order).
func (p *problem) check(ctx context.Context, targets []bool) (*auditRun, error) {
	cyc := p.cyc
	if cyc == nil && p.x0 != nil {
		cyc = newSpread(p.sys.n, func(c int32) float64 { return p.x0[c] })
	}
	blocks := p.sys.blocks(p.hidden)
	p.countHidden()
	runs := make([]auditRun, len(blocks))
	ws := p.copies(parallelism(len(blocks)))
	local := make([][]int32, len(ws))
	relStamp := make([][]int32, len(ws))
	for w := range ws {
		local[w] = make([]int32, p.sys.n)
		relStamp[w] = make([]int32, len(p.sys.rels))
		for i := range relStamp[w] {
			relStamp[w][i] = -1
		}
	}
	err := inParallel(ctx, len(blocks), func(ctx context.Context, w, bi int) error {
		return ws[w].checkOne(ctx, bi, blocks[bi], targets, cyc, local[w], relStamp[w], &runs[bi])
	})
	p.keepScratch(ws)
	if err != nil {
		return nil, err
	}
	run := &auditRun{}
	for i := range runs {
		run.checked += runs[i].checked
		run.blocks += runs[i].blocks
		run.lps += runs[i].lps
		run.failures = append(run.failures, runs[i].failures...)
	}
	return run, nil
}

// checkOne bounds the target cells of block bi; local and relStamp are the caller's scratch
// (relStamp holds, per relation, the last block that took it).
func (p *problem) checkOne(ctx context.Context, bi int, block []int32, targets []bool, cyc *spread, local, relStamp []int32, run *auditRun) error {
	var tk []int
	for k, c := range block {
		if targets == nil || targets[c] {
			tk = append(tk, k)
		}
	}
	if len(tk) == 0 {
		return nil
	}
	if cyc != nil {
		// A cycle through hidden cells from the known feasible point proves a cell wide
		// enough without a linear program (and every cell it moves with it).
		open, err := p.openByCycles(ctx, cyc, block, tk)
		if err != nil {
			return err
		}
		run.checked += len(tk) - len(open)
		tk = open
		if len(tk) == 0 {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	run.blocks++
	run.checked += len(tk)
	if len(block) > exactCap {
		return p.checkLarge(ctx, block, tk, run)
	}
	for k, c := range block {
		local[c] = int32(k)
	}
	var rows []sparseRow
	for _, c := range block {
		for _, ri := range p.sys.cellRel[c] {
			if relStamp[ri] == int32(bi) {
				continue
			}
			relStamp[ri] = int32(bi)
			var r sparseRow
			for _, t := range p.sys.rels[ri] {
				if p.hidden[t.cell] {
					r.idx = append(r.idx, local[t.cell])
					r.val = append(r.val, t.coef)
				} else {
					r.rhs -= t.coef * p.value[t.cell]
				}
			}
			rows = append(rows, r)
		}
	}
	return p.checkBlock(ctx, block, rows, tk, run)
}

// copies returns n copies of the problem that may check blocks at once: each has scratch
// arrays of its own (the first p's, the others kept from the last check in p.spare).
func (p *problem) copies(n int) []*problem {
	ws := make([]*problem, n)
	for i := range ws {
		q := *p
		q.onPoint, q.spare = nil, nil
		if i > 0 {
			if len(p.spare) < i {
				p.spare = append(p.spare, &problem{})
			}
			s := p.spare[i-1]
			q.cycZ, q.cycImb, q.ns = s.cycZ, s.cycImb, s.ns
		}
		ws[i] = &q
	}
	return ws
}

// keepScratch keeps the workers' scratch arrays for the next check.
func (p *problem) keepScratch(ws []*problem) {
	for i, w := range ws {
		s := p
		if i > 0 {
			s = p.spare[i-1]
		}
		s.cycZ, s.cycImb, s.ns = w.cycZ, w.cycImb, w.ns
	}
}

// exactCap is the largest block bounded as a whole; larger blocks are certified cell by cell
// over neighbourhoods (see checkLarge).
const exactCap = 2000

// interval is what an attacker can learn of one cell: [lo, hi], pinned when exact.
type interval struct {
	lo, hi float64
	pinned bool
	done   bool
	// unfinished marks an interval a linear program could not finish: [lo, hi] is then only
	// what a feasible direction showed (inside the true interval), so the cell is judged on
	// less than an attacker may know and fails rather than passes.
	unfinished bool
}

// checkBlock bounds the target cells (local indices) of one independent block. In a sampling
// round it first bounds a sample of them, and when most of the sample fails judges the rest
// without a linear program.
func (p *problem) checkBlock(ctx context.Context, block []int32, rows []sparseRow, targets []int, run *auditRun) error {
	if !p.sample || len(targets) <= 2*sampleSize {
		return p.checkTargets(ctx, block, rows, targets, false, run)
	}
	var sample, rest []int
	for i, k := range targets {
		if inSample(i, len(targets)) {
			sample = append(sample, k)
		} else {
			rest = append(rest, k)
		}
	}
	before := len(run.failures)
	if err := p.checkTargets(ctx, block, rows, sample, false, run); err != nil {
		return err
	}
	return p.checkTargets(ctx, block, rows, rest, mostFail(len(run.failures)-before, len(sample)), run)
}

// sampleSize is how many cells of a block a sampling round bounds before it decides whether
// to take linear programs for the others.
const sampleSize = 32

// inSample reports whether the i-th of n targets is in the sample: sampleSize of them, spread
// evenly.
func inSample(i, n int) bool { return i*sampleSize/n != (i+1)*sampleSize/n }

// mostFail reports whether failed of tried cells is most of them, and they are enough to
// tell: the linear programs of the others would mostly confirm that they fail too.
func mostFail(failed, tried int) bool { return tried >= sampleSize/4 && failed*4 >= tried*3 }

// checkTargets bounds the target cells of a block, without a linear program when quick.
func (p *problem) checkTargets(ctx context.Context, block []int32, rows []sparseRow, targets []int, quick bool, run *auditRun) error {
	var x []float64
	if p.x0 != nil {
		x = make([]float64, len(block))
		for k, c := range block {
			x[k] = p.x0[c]
		}
	}
	if len(block) > presolveMin && !quick {
		if x == nil {
			e, err := reduce(ctx, len(block), rows)
			if err != nil {
				return fmt.Errorf("block of %d hidden cells: %w", len(block), err)
			}
			lo, hi := make([]float64, len(block)), make([]float64, len(block))
			for k, c := range block {
				lo[k], hi[k] = p.lo[c], p.hi[c]
			}
			run.lps++
			pt, err := newBlockLP(e, lo, hi).feasible()
			if err != nil {
				return fmt.Errorf("block of %d hidden cells: no value fits what is shown: %w", len(block), err)
			}
			x = pt
		}
		var err error
		if targets, err = p.presolve(ctx, block, rows, x, targets, run); err != nil {
			return err
		}
		if len(targets) == 0 {
			return nil
		}
	}
	maxLP := -1
	if quick {
		maxLP = 0
	}
	ivs, err := p.bound(ctx, block, rows, x, targets, maxLP, run)
	if err != nil {
		return err
	}
	for _, k := range targets {
		p.judge(block[k], ivs[k], run, "")
	}
	return nil
}

// judge records a failure when iv is too narrow for cell c.
func (p *problem) judge(c int32, iv interval, run *auditRun, note string) bool {
	need := p.width
	lo, hi := p.lo[c], p.hi[c]
	if p.coded[c] {
		need = hi - lo
	}
	if iv.pinned {
		run.failures = append(run.failures, failure{cell: c, lo: iv.lo, hi: iv.hi, reason: "exactly disclosed by the relations" + note})
		return false
	}
	if iv.unfinished {
		note += " (its linear program did not finish: judged on the part of its interval shown without one)"
	}
	if p.passes(c, 0, iv.lo, iv.hi, []float64{lo}, []float64{hi}, need) {
		return true
	}
	reason := fmt.Sprintf("interval narrower than %s", FormatNumber(need, 2))
	if p.coded[c] {
		reason = "rules out its band's inner limit or spans less than the protection width"
	}
	if iv.hi-iv.lo <= eps {
		reason = "pinned to a single value"
	}
	run.failures = append(run.failures, failure{cell: c, lo: iv.lo, hi: iv.hi, reason: reason + note})
	return false
}

// bound returns the intervals of the target cells (local indices) of a set of hidden cells
// whose equations are rows; x is a feasible point or nil (then one is found). A target whose
// certificate already shows it wide enough gets a certified sub-interval, else its exact
// interval by linear programming.
//
// Only the first maxLP targets (all when maxLP < 0) may take linear programs; the others get
// what the certificate shows (a sub-interval of the true one).
func (p *problem) bound(ctx context.Context, set []int32, rows []sparseRow, x []float64, targets []int, maxLP int, run *auditRun) ([]interval, error) {
	nb := len(set)
	e, err := reduce(ctx, nb, rows)
	if err != nil {
		return nil, fmt.Errorf("block of %d hidden cells: %w", nb, err)
	}
	lo := make([]float64, nb)
	hi := make([]float64, nb)
	for k, c := range set {
		lo[k], hi[k] = p.lo[c], p.hi[c]
	}
	var solver *blockLP
	lpSolver := func() *blockLP {
		if solver == nil {
			solver = newBlockLP(e, lo, hi)
		}
		return solver
	}
	if x == nil {
		run.lps++
		pt, err := lpSolver().feasible()
		if err != nil {
			return nil, fmt.Errorf("block of %d hidden cells: no value fits what is shown: %w", nb, err)
		}
		x = pt
	} else {
		x = append([]float64(nil), x...)
	}
	sum := append([]float64(nil), x...)
	npts := 1.0
	// seenLo and seenHi are each cell's range over the feasible points found so far: a
	// target those points already show wide enough needs no program of its own.
	seenLo := append([]float64(nil), x...)
	seenHi := append([]float64(nil), x...)
	free := e.freeColumns()
	out := make([]interval, nb)
	for ti, k := range targets {
		c := set[k]
		need := p.width
		if p.coded[c] {
			need = hi[k] - lo[k]
		}
		if v, ok := e.determined(int32(k)); ok {
			out[k] = interval{lo: v, hi: v, pinned: true, done: true}
			continue
		}
		a, b := certify(e, free, int32(k), x, lo, hi)
		if p.passes(c, k, a, b, lo, hi, need) {
			out[k] = interval{lo: a, hi: b, done: true}
			continue
		}
		if p.passes(c, k, seenLo[k], seenHi[k], lo, hi, need) {
			out[k] = interval{lo: seenLo[k], hi: seenHi[k], done: true}
			continue
		}
		if maxLP >= 0 && ti >= maxLP {
			out[k] = interval{lo: a, hi: b}
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		run.lps += 2
		s := lpSolver()
		a2, xa, err := s.extreme(k, 1)
		var b2 float64
		var xb []float64
		if err == nil {
			b2, xb, err = s.extreme(k, -1)
		}
		if errors.Is(err, errLP) {
			out[k] = interval{lo: a, hi: b, done: true, unfinished: true}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("block of %d hidden cells: %w", nb, err)
		}
		a, b = a2, b2
		for _, pt := range [][]float64{xa, xb} {
			if pt == nil {
				continue
			}
			if p.onPoint != nil {
				p.onPoint(set, pt)
			}
			npts++
			for i := range sum {
				sum[i] += pt[i]
				x[i] = sum[i] / npts
				seenLo[i] = math.Min(seenLo[i], pt[i])
				seenHi[i] = math.Max(seenHi[i], pt[i])
			}
		}
		out[k] = interval{lo: a, hi: b, done: true}
	}
	return out, nil
}

// passes reports whether an attacker's interval [a, b] for cell c (local k) is wide enough.
func (p *problem) passes(c int32, k int, a, b float64, lo, hi []float64, need float64) bool {
	if p.coded[c] {
		return codedPasses(a, b, lo[k], hi[k], p.width)
	}
	return b-a >= need-1e-9
}

// codedPasses reports whether an attacker's interval [a, b] for a coded count with the band
// [lo, hi] (in counts) protects what the band hides. A band hides how close the share is to
// the homogeneous end (0 % under "≤5 %", 100 % under "≥95 %"): the attacker must not rule
// out the band's inner limit (the largest whole count a low band allows, the smallest a high
// band allows), or he would know the group more homogeneous than the band says; and, like
// any hidden count, the count must span the protection width in whole values (or the whole
// band, when it is narrower). Learning that a count lies away from the homogeneous end tells
// nothing the band hides. A band whose counts are not published (hi is +Inf: the published
// form leaves a coded count unbounded where its denominator is hidden) only requires that the
// count is not pinned to one whole value; Protect checks the band itself.
func codedPasses(a, b, lo, hi, width float64) bool {
	first, last := math.Ceil(a-1e-6), math.Floor(b+1e-6)
	if math.IsInf(hi, 1) {
		return last-first >= 1
	}
	low, high := wholeLimits(lo, hi)
	inner := last >= high // a low band ("≤"), which starts at 0
	if lo > 0 {
		inner = first <= low // a high band ("≥"), which ends at the group
	}
	return inner && last-first >= codedSpan(lo, hi, width)
}

// codedSpan is how many whole values a coded count's interval must span: the protection
// width, or the band's, when that is narrower.
func codedSpan(lo, hi, width float64) float64 {
	low, high := wholeLimits(lo, hi)
	return math.Min(math.Ceil(width-1e-9), high-low)
}

// wholeLimits returns the smallest and largest whole counts a band [lo, hi] allows.
func wholeLimits(lo, hi float64) (float64, float64) {
	return math.Ceil(lo - 1e-6), math.Floor(hi + 1e-6)
}

// certify returns an interval of values cell k provably takes: feasible points x + t·z along
// null-space directions z of the block's equations that stay within the bounds.
func certify(e *echelon, free map[int32][]term, k int32, x, lo, hi []float64) (float64, float64) {
	a, b := x[k], x[k]
	try := func(f int32) {
		col := free[f]
		zk := 0.0
		if f == k {
			zk = 1
		} else {
			for _, t := range col {
				if e.pivot[t.cell] == k {
					zk = -t.coef
				}
			}
		}
		if zk == 0 {
			return
		}
		tp, tm := math.Inf(1), math.Inf(1)
		step := func(v int32, zv float64) {
			up, down := hi[v]-x[v], x[v]-lo[v]
			if up < 0 {
				up = 0
			}
			if down < 0 {
				down = 0
			}
			if zv > 0 {
				tp = math.Min(tp, up/zv)
				tm = math.Min(tm, down/zv)
			} else {
				tp = math.Min(tp, down/-zv)
				tm = math.Min(tm, up/-zv)
			}
		}
		step(f, 1)
		for _, t := range col {
			step(e.pivot[t.cell], -t.coef)
		}
		l, h := x[k]-tm*zk, x[k]+tp*zk
		if zk < 0 {
			l, h = x[k]+tp*zk, x[k]-tm*zk
		}
		a, b = math.Min(a, l), math.Max(b, h)
	}
	if e.rowOf[k] < 0 {
		try(k)
		return a, b
	}
	n := 0
	for _, v := range e.rows[e.rowOf[k]].idx {
		if v != k && e.rowOf[v] < 0 {
			try(v)
			if n++; n == certifyDirections {
				break
			}
		}
	}
	return a, b
}

// blockLP bounds cells of one block by linear programming in standard form: y = x − lo ≥ 0,
// the block's independent equations, and y + s = hi − lo for every bounded cell. Phase 1 runs
// once per block; each bound is a phase 2 from that feasible basis.
type blockLP struct {
	nb     int
	ncol   int
	lo, hi []float64
	tab    *tableau
	err    error
}

func newBlockLP(e *echelon, lo, hi []float64) *blockLP {
	nb := len(lo)
	var bounded []int
	for k := range hi {
		if !math.IsInf(hi[k], 1) {
			bounded = append(bounded, k)
		}
	}
	m := len(e.rows) + len(bounded)
	ncol := nb + len(bounded)
	b := make([]float64, m)
	for ri, row := range e.rows {
		rhs := row.rhs
		for k, v := range row.idx {
			rhs -= row.val[k] * lo[v]
		}
		b[ri] = rhs
	}
	for j, k := range bounded {
		r := len(e.rows) + j
		b[r] = hi[k] - lo[k]
		if pr := e.rowOf[k]; pr >= 0 {
			b[r] -= b[pr]
		}
	}
	// each calls f for every non-zero (column, value) of row i of the constraint matrix. A
	// bounded cell's row is y + s = hi − lo less its pivot's row, so that the pivot is a column
	// of the identity and the slack another: both start basic where they can (see
	// feasibleTableau).
	each := func(i int, f func(c int, v float64)) {
		if i < len(e.rows) {
			er := e.rows[i]
			for k, v := range er.idx {
				f(int(v), er.val[k])
			}
			return
		}
		j := i - len(e.rows)
		k := bounded[j]
		f(nb+j, 1)
		pr := e.rowOf[k]
		if pr < 0 {
			f(k, 1)
			return
		}
		er := e.rows[pr]
		for c, v := range er.idx {
			if int(v) != k {
				f(int(v), -er.val[c])
			}
		}
	}
	// The columns of the identity: one non-zero, equal to 1.
	nz := make([]int32, ncol)
	at := make([]int32, ncol)
	one := make([]bool, ncol)
	for i := range m {
		each(i, func(c int, v float64) {
			nz[c]++
			at[c] = int32(i)
			one[c] = math.Abs(v-1) < 1e-12
		})
	}
	start := make([]int, m)
	for i := range start {
		start[i] = -1
	}
	for c := range ncol {
		if i := at[c]; nz[c] == 1 && one[c] && start[i] < 0 {
			start[i] = c
		}
	}
	s := &blockLP{nb: nb, ncol: ncol, lo: lo, hi: hi}
	s.tab, s.err = feasibleTableau(m, ncol, b, start, func(i int, row []float64) {
		each(i, func(c int, v float64) { row[c] = v })
	})
	return s
}

// errLP reports a linear program the solver could not finish.
var errLP = errors.New("linear program failed")

func (s *blockLP) toX(y []float64) []float64 {
	x := make([]float64, s.nb)
	for k := range x {
		x[k] = y[k] + s.lo[k]
	}
	return x
}

// feasible returns a point that fits the block's equations and bounds.
func (s *blockLP) feasible() ([]float64, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.toX(s.tab.point()), nil
}

// extreme returns the smallest (dir 1) or largest (dir −1) value of cell k and the point
// where it is reached (nil when unbounded).
func (s *blockLP) extreme(k int, dir float64) (float64, []float64, error) {
	if s.err != nil {
		return 0, nil, fmt.Errorf("%w: %w", errLP, s.err)
	}
	c := make([]float64, s.ncol)
	c[k] = dir
	y, _, err := s.tab.minimize(c)
	switch {
	case errors.Is(err, errUnbounded):
		return math.Inf(-int(dir)), nil, nil
	case err != nil:
		s.err = err // the tableau may no longer hold a feasible basis: no later bound trusts it
		return 0, nil, fmt.Errorf("%w: %w", errLP, err)
	}
	x := s.toX(y)
	return x[k], x, nil
}

// certifyDirections is how many null-space directions certify tries for a cell that a row of
// the elimination expresses through free cells.
const certifyDirections = 32
