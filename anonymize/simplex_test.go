package anonymize

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// TestTableau_AgreesWithGonum bounds every cell of random two-way tables, whose margins are
// known and whose cells are mostly 0 or 1 (the degenerate vertices that break a careless
// ratio test), and compares each bound with gonum's simplex.
func TestTableau_AgreesWithGonum(t *testing.T) {
	for seed := int64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewSource(seed))
		rows, cols := 2+rng.Intn(6), 2+rng.Intn(6)
		n := rows * cols
		x := make([]float64, n)
		for i := range x {
			if rng.Float64() < 0.3 {
				x[i] = float64(rng.Intn(3))
			}
		}
		// Row sums, and every column sum but the last (the rows make it redundant).
		m := rows + cols - 1
		a := make([]float64, m*n)
		b := make([]float64, m)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				a[i*n+i*cols+j] = 1
				b[i] += x[i*cols+j]
				if j < cols-1 {
					a[(rows+j)*n+i*cols+j] = 1
					b[rows+j] += x[i*cols+j]
				}
			}
		}
		tab, err := newFeasibleTableau(m, n, append([]float64(nil), a...), append([]float64(nil), b...))
		if err != nil {
			t.Fatalf("seed %d: phase 1: %v", seed, err)
		}
		for k := 0; k < n; k++ {
			for _, dir := range []float64{1, -1} {
				c := make([]float64, n)
				c[k] = dir
				_, got, err := tab.minimize(c)
				if err != nil {
					t.Fatalf("seed %d: cell %d, direction %v: %v", seed, k, dir, err)
				}
				want, _, err := lp.Simplex(c, mat.NewDense(m, n, append([]float64(nil), a...)), append([]float64(nil), b...), 1e-10, nil)
				if err != nil {
					t.Fatalf("seed %d: gonum: cell %d, direction %v: %v", seed, k, dir, err)
				}
				if math.Abs(got-want) > 1e-6 {
					t.Errorf("seed %d: cell %d, direction %v: got optimum %v, want %v", seed, k, dir, got, want)
				}
			}
		}
	}
}

// TestTableau_DegenerateThreeWayTables bounds the cells of random three-way tables of zeros
// and ones whose two-way margins are known: vertices where hundreds of bases meet, so that the
// pivots must perturb them (or stall). In half the tables some margins are hidden cells too,
// so that some cells have no upper bound. Every bound must equal gonum's.
func TestTableau_DegenerateThreeWayTables(t *testing.T) {
	perturbed := 0
	for seed := int64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewSource(seed))
		d0, d1, d2 := 5+rng.Intn(3), 5+rng.Intn(3), 4+rng.Intn(3)
		hideMargins := seed%2 == 0
		n := d0 * d1 * d2
		x := make([]float64, n)
		for i := range x {
			if rng.Float64() < 0.25 {
				x[i] = 1
			}
		}
		at := func(i, j, k int) int32 { return int32((i*d1+j)*d2 + k) }
		var rows []sparseRow
		margin := func(cells []int32) {
			r := sparseRow{idx: cells, val: make([]float64, len(cells))}
			for q, c := range cells {
				r.val[q] = 1
				r.rhs += x[c]
			}
			if hideMargins && rng.Float64() < 0.5 {
				// The margin is a hidden cell of its own: total − parts = 0.
				r.idx = append(r.idx, int32(len(x)))
				r.val = append(r.val, -1)
				x = append(x, r.rhs)
				r.rhs = 0
			}
			rows = append(rows, r)
		}
		line := func(f func(q int) int32, length int) {
			cells := make([]int32, length)
			for q := range cells {
				cells[q] = f(q)
			}
			margin(cells)
		}
		for i := 0; i < d0; i++ {
			for j := 0; j < d1; j++ {
				line(func(k int) int32 { return at(i, j, k) }, d2)
			}
			for k := 0; k < d2; k++ {
				line(func(j int) int32 { return at(i, j, k) }, d1)
			}
		}
		for j := 0; j < d1; j++ {
			for k := 0; k < d2; k++ {
				line(func(i int) int32 { return at(i, j, k) }, d0)
			}
		}
		n = len(x)
		e, err := reduce(context.Background(), n, rows)
		if err != nil {
			t.Fatalf("seed %d: reduce: %v", seed, err)
		}
		m := len(e.rows)
		a := make([]float64, m*n)
		b := make([]float64, m)
		for ri, r := range e.rows {
			for q, c := range r.idx {
				a[ri*n+int(c)] = r.val[q]
			}
			b[ri] = r.rhs
		}
		tab, err := newFeasibleTableau(m, n, append([]float64(nil), a...), append([]float64(nil), b...))
		if err != nil {
			t.Fatalf("seed %d: phase 1: %v", seed, err)
		}
		start := append([]int(nil), tab.basis...) // a feasible basis: gonum skips its phase 1
		unbounded := 0
		for k := 0; k < n; k++ {
			for _, dir := range []float64{1, -1} {
				c := make([]float64, n)
				c[k] = dir
				_, got, err := tab.minimize(c)
				want, _, werr := lp.Simplex(c, mat.NewDense(m, n, append([]float64(nil), a...)), append([]float64(nil), b...), 1e-10, start)
				switch {
				case errors.Is(werr, lp.ErrUnbounded):
					unbounded++
					if !errors.Is(err, errUnbounded) {
						t.Errorf("seed %d: cell %d, direction %v: got %v, %v, want unbounded", seed, k, dir, got, err)
					}
				case werr != nil:
					t.Fatalf("seed %d: gonum: cell %d, direction %v: %v", seed, k, dir, werr)
				case err != nil:
					t.Fatalf("seed %d: cell %d, direction %v: %v", seed, k, dir, err)
				case math.Abs(got-want) > 1e-6:
					t.Errorf("seed %d: cell %d, direction %v: got optimum %v, want %v", seed, k, dir, got, want)
				}
			}
		}
		perturbed += tab.perturbations
		t.Logf("seed %d: %d cells, %d unbounded, %d perturbations", seed, n, unbounded, tab.perturbations)
	}
	if perturbed == 0 {
		t.Error("no table reached a degenerate run long enough to be perturbed: the test does not test the perturbation")
	}
}
