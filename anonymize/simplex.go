package anonymize

import (
	"errors"
	"math"
)

// errInfeasible reports constraints no point satisfies; errUnbounded an objective without a
// finite optimum.
var (
	errInfeasible = errors.New("no point satisfies the constraints")
	errUnbounded  = errors.New("unbounded")
)

// lpTol is the reduced cost below which a column improves the objective; pivTol the smallest
// pivot element taken; feasTol how far below zero a basic value may stray in a ratio test.
const (
	lpTol   = 1e-9
	pivTol  = 1e-7
	feasTol = 1e-9
)

// tableau is a dense simplex tableau for min cᵀy, A y = b, y ≥ 0, kept after phase 1 so that
// many objectives can be optimised from the same feasible basis.
type tableau struct {
	m, n  int       // rows, structural columns (artificials are dropped after phase 1)
	t     []float64 // m rows × (n+1) columns, last column the right-hand side
	basis []int
	cost  []float64 // scratch reduced-cost row
	// perturbations counts the degenerate vertices perturbed so far (see iterate).
	perturbations int
	// saved is iterate's copy of the tableau before a perturbation, kept for the next one.
	saved []float64
}

func (tb *tableau) at(i, j int) float64 { return tb.t[i*(tb.n+1)+j] }

// identityColumns returns, for each row of A (m×n), a column that is 1 in that row and 0 in
// every other, or −1.
func identityColumns(m, n int, a []float64) []int {
	nz := make([]int, n)
	at := make([]int, n)
	for i := 0; i < m; i++ {
		for j, v := range a[i*n : (i+1)*n] {
			if v != 0 {
				nz[j]++
				at[j] = i
			}
		}
	}
	start := make([]int, m)
	for i := range start {
		start[i] = -1
	}
	for j := 0; j < n; j++ {
		if i := at[j]; nz[j] == 1 && start[i] < 0 && math.Abs(a[i*n+j]-1) < 1e-12 {
			start[i] = j
		}
	}
	return start
}

// newFeasibleTableau runs phase 1 on A (m×n, row-major) and b; b may be negative (see
// feasibleTableau).
func newFeasibleTableau(m, n int, a []float64, b []float64) (*tableau, error) {
	return feasibleTableau(m, n, b, identityColumns(m, n, a), func(i int, row []float64) {
		copy(row, a[i*n:(i+1)*n])
	})
}

// feasibleTableau runs phase 1 on the m×n matrix whose row i fill writes (into a zeroed row)
// and the right-hand side b, which may be negative. start gives, for each row, a column of the
// identity (1 in that row, 0 in every other) or −1: a row with one and b ≥ 0 starts with that
// column basic; the others start with an artificial, so phase 1 pivots only where the obvious
// basis is infeasible. When every row has its column, there is no phase 1.
func feasibleTableau(m, n int, b []float64, start []int, fill func(i int, row []float64)) (*tableau, error) {
	k := 0 // artificials
	for i := range m {
		if b[i] < 0 || start[i] < 0 {
			k++
		}
	}
	w := n + k + 1
	t := make([]float64, m*w)
	basis := make([]int, m)
	next := n
	for i := range m {
		row := t[i*w : (i+1)*w]
		fill(i, row[:n])
		row[w-1] = b[i]
		basis[i] = start[i]
		if b[i] < 0 {
			for j := range row[:n] {
				row[j] = -row[j]
			}
			row[w-1] = -b[i]
		}
		if b[i] < 0 || start[i] < 0 {
			basis[i] = next
			row[next] = 1
			next++
		}
	}
	if k == 0 {
		return &tableau{m: m, n: n, t: t, basis: basis}, nil
	}
	// Phase 1 objective: minimise the sum of the artificials; reduced costs d_j = -Σ t_ij over
	// their rows.
	cost := make([]float64, w)
	for i := 0; i < m; i++ {
		if basis[i] < n {
			continue
		}
		row := t[i*w : (i+1)*w]
		for j := 0; j < n; j++ {
			cost[j] -= row[j]
		}
		cost[w-1] -= row[w-1]
	}
	perturbations, err := iterate(t, m, w, basis, cost, w-1, new([]float64))
	if err != nil {
		return nil, err
	}
	if -cost[w-1] > 1e-7*math.Max(1, maxAbs(b)) {
		return nil, errInfeasible
	}
	// Drive artificials out of the basis.
	for i := 0; i < m; i++ {
		if basis[i] < n {
			continue
		}
		p := -1
		for j := 0; j < n; j++ {
			if math.Abs(t[i*w+j]) > 1e-7 {
				p = j
				break
			}
		}
		if p < 0 {
			continue // a redundant row: its artificial stays basic at zero
		}
		pivot(t, m, w, i, p, nil, nil)
		basis[i] = p
	}
	// Compact to the structural columns (an artificial left basic belongs to a zero row).
	nt := make([]float64, m*(n+1))
	for i := 0; i < m; i++ {
		copy(nt[i*(n+1):i*(n+1)+n], t[i*w:i*w+n])
		nt[i*(n+1)+n] = t[i*w+w-1]
	}
	return &tableau{m: m, n: n, t: nt, basis: basis, perturbations: perturbations}, nil
}

// point returns the basic feasible solution.
func (tb *tableau) point() []float64 {
	y := make([]float64, tb.n)
	for i, bv := range tb.basis {
		if bv < tb.n {
			y[bv] = tb.at(i, tb.n)
		}
	}
	return y
}

// minimize optimises cᵀy from the current feasible basis and leaves the tableau at the
// optimal basis, so that the next objective starts from there (any feasible basis is a valid
// start for phase 2). The cost row is reused across calls.
func (tb *tableau) minimize(c []float64) ([]float64, float64, error) {
	w := tb.n + 1
	t, basis := tb.t, tb.basis
	if cap(tb.cost) < w {
		tb.cost = make([]float64, w)
	}
	cost := tb.cost[:w]
	copy(cost, c)
	cost[w-1] = 0
	for i, bv := range basis {
		if bv >= tb.n || c[bv] == 0 {
			continue
		}
		f := c[bv]
		row := t[i*w : (i+1)*w]
		for j := range cost {
			cost[j] -= f * row[j]
		}
	}
	perturbations, err := iterate(t, tb.m, w, basis, cost, tb.n, &tb.saved)
	tb.perturbations += perturbations
	if err != nil {
		return nil, 0, err
	}
	y := make([]float64, tb.n)
	for i, bv := range basis {
		if bv < tb.n {
			y[bv] = t[i*w+tb.n]
		}
	}
	return y, -cost[w-1], nil
}

// errNoConvergence reports a linear program the pivots did not finish within their limit.
var errNoConvergence = errors.New("simplex did not converge")

// maxPerturbations is how many times one optimisation perturbs a degenerate vertex before it
// falls back on Bland's rule.
const maxPerturbations = 8

// iterate pivots until no column below limit has a negative reduced cost: Dantzig's rule picks
// the entering column, Harris's two-pass test the leaving row.
//
// Tables of counts are full of zeros, so many bases meet at one vertex, and a run of pivots
// that do not move (degenerate pivots) can go on for hundreds of thousands of steps, even under
// Bland's rule. After 20 such pivots the zero basic values are raised by tiny random amounts;
// every pivot then moves. The true right-hand side is carried along (orig); when the pivots
// end it is put back, and the few basic values it leaves negative are repaired by dual simplex
// pivots, which keep the reduced costs optimal. The optimum is the true problem's. When the
// perturbed problem proves unbounded, so is the true one (the same columns): the tableau goes
// back to the true feasible basis it had before the perturbation. It returns how many times
// it perturbed. saved holds the copy of the tableau a perturbation takes (its capacity is
// reused).
func iterate(t []float64, m, w int, basis []int, cost []float64, limit int, saved *[]float64) (int, error) {
	it := &pivoting{t: t, m: m, w: w, basis: basis, cost: cost, limit: limit, rng: 0x9e3779b97f4a7c15, saved: saved}
	maxIter := 50000 + 100*(m+w)
	degenerate := 0
	for iter := 0; ; iter++ {
		if iter > maxIter {
			it.rollback()
			return it.perturbs, errNoConvergence
		}
		if degenerate > 20 && it.perturbs < maxPerturbations {
			it.perturb()
			degenerate = 0
		}
		bland := degenerate > 20
		enter := -1
		best := -lpTol
		for j := 0; j < limit; j++ {
			if cost[j] < best {
				enter, best = j, cost[j]
				if bland {
					break
				}
			}
		}
		if enter < 0 {
			return it.perturbs, it.restore(maxIter)
		}
		leave, ratio := it.leaving(enter, bland)
		if leave < 0 {
			it.rollback()
			return it.perturbs, errUnbounded
		}
		if ratio <= 1e-12 {
			degenerate++
		} else {
			degenerate = 0
		}
		it.pivot(leave, enter)
		for i := 0; i < m; i++ {
			if v := t[i*w+w-1]; v < 0 && v > -1e-7 {
				t[i*w+w-1] = 0 // a basic value the ratio test's slack left a little below zero
			}
		}
	}
}

// pivoting is the state of one run of iterate.
type pivoting struct {
	t          []float64
	m, w       int
	basis      []int
	cost       []float64
	limit      int
	nz         []int
	perturbs   int
	rng        uint64
	orig       []float64  // the true right-hand side, while the working one is perturbed
	origObj    float64    // the cost row's right-hand entry for orig
	saved      *[]float64 // the tableau and basis before the first perturbation
	savedBasis []int
}

// leaving returns the row that leaves the basis when column enter enters, and the step.
func (p *pivoting) leaving(enter int, bland bool) (int, float64) {
	t, m, w := p.t, p.m, p.w
	leave, ratio := -1, math.Inf(1)
	if bland {
		// Bland's rule: the smallest ratio, ties to the smallest basic index, so that a run
		// of degenerate pivots cannot cycle.
		for i := 0; i < m; i++ {
			a := t[i*w+enter]
			if a <= pivTol {
				continue
			}
			r := math.Max(t[i*w+w-1], 0) / a
			if r < ratio-1e-12 || (r <= ratio+1e-12 && leave >= 0 && p.basis[i] < p.basis[leave]) {
				ratio, leave = r, i
			}
		}
		return leave, ratio
	}
	// Harris's two-pass ratio test: the largest step that keeps every basic value above
	// −feasTol, then among the rows that reach it first within that slack the largest pivot
	// element (none below pivTol), so that no tiny pivot amplifies rounding errors.
	for i := 0; i < m; i++ {
		if a := t[i*w+enter]; a > pivTol {
			ratio = math.Min(ratio, (math.Max(t[i*w+w-1], 0)+feasTol)/a)
		}
	}
	big := 0.0
	for i := 0; i < m; i++ {
		a := t[i*w+enter]
		if a <= pivTol || math.Max(t[i*w+w-1], 0)/a > ratio || a <= big {
			continue
		}
		leave, big = i, a
	}
	if leave >= 0 {
		ratio = math.Max(t[leave*w+w-1], 0) / big
	}
	return leave, ratio
}

// pivot makes column j basic in row r, carrying the true right-hand side along.
func (p *pivoting) pivot(r, j int) {
	if p.orig != nil {
		t, w := p.t, p.w
		a := t[r*w+j]
		p.orig[r] /= a
		p.origObj -= p.cost[j] * p.orig[r]
		for i := 0; i < p.m; i++ {
			if i != r {
				p.orig[i] -= t[i*w+j] * p.orig[r]
			}
		}
	}
	p.nz = pivot(p.t, p.m, p.w, r, j, p.cost, p.nz)
	p.basis[r] = j
}

// perturb raises every basic value at (or within rounding of) zero by a tiny random amount.
func (p *pivoting) perturb() {
	t, m, w := p.t, p.m, p.w
	if p.orig == nil {
		p.orig = make([]float64, m)
		for i := range p.orig {
			p.orig[i] = t[i*w+w-1]
		}
		p.origObj = p.cost[w-1]
		*p.saved = append((*p.saved)[:0], t...)
		p.savedBasis = append(p.savedBasis[:0], p.basis...)
	}
	scale := 1e-7 * (1 + maxAbs(p.orig))
	for i := 0; i < m; i++ {
		if t[i*w+w-1] <= 1e-9 {
			p.rng ^= p.rng << 13
			p.rng ^= p.rng >> 7
			p.rng ^= p.rng << 17
			t[i*w+w-1] += scale * (1 + float64(p.rng>>11)/(1<<53))
		}
	}
	p.perturbs++
}

// rollback returns to the true feasible basis the tableau had before it was perturbed.
func (p *pivoting) rollback() {
	if p.orig == nil {
		return
	}
	copy(p.t, *p.saved)
	copy(p.basis, p.savedBasis)
	p.orig = nil
}

// restore puts the true right-hand side back at an optimal basis and repairs the basic values
// it leaves negative by dual simplex pivots (the most negative row leaves; the entering column
// keeps every reduced cost non-negative).
func (p *pivoting) restore(maxIter int) error {
	if p.orig == nil {
		return nil
	}
	t, m, w := p.t, p.m, p.w
	for i := 0; i < m; i++ {
		t[i*w+w-1] = p.orig[i]
	}
	p.cost[w-1] = p.origObj
	p.orig = nil
	for iter := 0; iter <= maxIter; iter++ {
		r, worst := -1, -feasTol
		for i := 0; i < m; i++ {
			if v := t[i*w+w-1]; v < worst {
				r, worst = i, v
			}
		}
		if r < 0 {
			for i := 0; i < m; i++ {
				if t[i*w+w-1] < 0 {
					t[i*w+w-1] = 0
				}
			}
			return nil
		}
		enter, best, big := -1, math.Inf(1), 0.0
		for j := 0; j < p.limit; j++ {
			a := t[r*w+j]
			if a >= -pivTol {
				continue
			}
			q := math.Max(p.cost[j], 0) / -a
			if q < best-1e-12 || (q <= best+1e-12 && -a > big) {
				enter, best, big = j, q, -a
			}
		}
		if enter < 0 {
			return errInfeasible
		}
		p.pivot(r, enter)
	}
	return errNoConvergence
}

// pivot makes column j basic in row r. Only the non-zero entries of the pivot row are
// touched in the other rows, in place.
func pivot(t []float64, m, w, r, j int, cost []float64, nz []int) []int {
	row := t[r*w : (r+1)*w]
	p := row[j]
	nz = nz[:0]
	for k, v := range row {
		if v != 0 {
			row[k] = v / p
			nz = append(nz, k)
		}
	}
	row[j] = 1
	for i := 0; i < m; i++ {
		if i == r {
			continue
		}
		o := t[i*w : (i+1)*w]
		f := o[j]
		if f == 0 {
			continue
		}
		for _, k := range nz {
			o[k] -= f * row[k]
		}
		o[j] = 0
	}
	if cost != nil {
		f := cost[j]
		if f != 0 {
			for _, k := range nz {
				cost[k] -= f * row[k]
			}
			cost[j] = 0
		}
	}
	return nz
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}
