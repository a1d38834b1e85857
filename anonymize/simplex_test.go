package anonymize

import (
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
