package anonymize

import (
	"fmt"
	"math"
)

// fits checks a witness against what is published: every shown value, every hidden cell's
// bounds and every relation.
func (p *problem) fits(cells []Public, x []float64) error {
	if len(x) != len(cells) {
		return fmt.Errorf("%w: %d values for %d cells", ErrWitness, len(x), len(cells))
	}
	const tol = 1e-6
	for i, v := range x {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("%w: cell %q has no finite value", ErrWitness, cells[i].Key)
		case !p.hidden[i] && math.Abs(v-p.value[i]) > tol*math.Max(1, math.Abs(v)):
			return fmt.Errorf("%w: cell %q differs from its published value", ErrWitness, cells[i].Key)
		case p.hidden[i] && (v < p.lo[i]-tol || v > p.hi[i]+tol):
			return fmt.Errorf("%w: cell %q lies outside what its display tells", ErrWitness, cells[i].Key)
		}
	}
	for ri, ts := range p.sys.rels {
		sum, scale := 0.0, 1.0
		for _, t := range ts {
			sum += t.coef * x[t.cell]
			scale = math.Max(scale, math.Abs(t.coef*x[t.cell]))
		}
		if math.Abs(sum) > tol*scale {
			return fmt.Errorf("%w: relation %d does not add up", ErrWitness, ri)
		}
	}
	return nil
}
