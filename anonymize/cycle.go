package anonymize

import (
	"math"
	"sort"
)

// A cycle is a set of cells and signs (z) such that every relation stays balanced when each
// cell c moves by step·z[c]: another table that fits every relation and every fixed cell. In a
// two-way table it is the four corners of a rectangle; in a d-way table with hierarchies, a
// hypercube through parts and totals (the figures τ-Argus's Hypercube method protects by).
// Moving hidden cells along a cycle that keeps every cell within its bounds gives a feasible
// point, which proves an attacker cannot exclude the moved values. The audit tries cycles
// through hidden cells before any linear program; Protect's audit loop repairs a failing cell
// with a cycle that may pass through shown cells, and hides them.

// cycleBudget bounds one search: nodes visited and cells in the cycle.
const (
	cycleNodes   = 600
	cycleMaxSize = 96
	cycleBranch  = 3
	// The deeper look (problem.deep) searches much longer for the few cells left.
	deepCycleNodes   = 20000
	deepCycleMaxSize = 600
)

// cycleSearch finds a cycle through one cell.
type cycleSearch struct {
	p     *problem
	x     func(c int32) float64 // a feasible point
	allow func(c int32) bool    // cells that may move besides hidden ones (nil: none)
	cost  func(c int32) float64 // price of moving a cell that allow admits
	step  float64

	// z is the cycle so far (0: not in it) and zList its cells in the order added; imb
	// holds, per relation, Σ coef·z over the cycle so far. Both are the problem's scratch
	// arrays, all zero again once find returns.
	z     []int8
	zList []int32
	imb   []float64
	// touched lists the relations whose imbalance changed, to reset imb.
	touched []int32
	open    []int32 // relations with a non-zero imbalance (may hold stale entries)
	nodes   int
	// maxNodes and maxSize bound the search (cycleNodes and cycleMaxSize when zero).
	maxNodes, maxSize int
}

// canMove reports whether cell c may move by step·sign.
func (s *cycleSearch) canMove(c int32, sign int8) bool {
	p := s.p
	if !p.hidden[c] {
		if s.allow == nil || !s.allow(c) {
			return false
		}
		v := s.x(c) + s.step*float64(sign)
		return v >= -1e-9
	}
	v := s.x(c) + s.step*float64(sign)
	return v >= p.lo[c]-1e-9 && v <= p.hi[c]+1e-9
}

// find returns a cycle moving h by step·sign, or nil.
func (s *cycleSearch) find(h int32, sign int8) map[int32]int8 {
	if !s.canMove(h, sign) {
		return nil
	}
	p := s.p
	if p.cycZ == nil {
		p.cycZ = make([]int8, p.sys.n)
		p.cycImb = make([]float64, len(p.sys.rels))
	}
	s.z, s.imb = p.cycZ, p.cycImb
	s.zList, s.touched, s.open = s.zList[:0], s.touched[:0], s.open[:0]
	s.nodes = 0
	s.add(h, sign)
	var out map[int32]int8
	if s.solve() {
		out = make(map[int32]int8, len(s.zList))
		for _, c := range s.zList {
			out[c] = s.z[c]
		}
	}
	for _, c := range s.zList {
		s.z[c] = 0
	}
	for _, ri := range s.touched {
		s.imb[ri] = 0
	}
	return out
}

func (s *cycleSearch) add(c int32, sign int8) {
	s.z[c] = sign
	s.zList = append(s.zList, c)
	s.shift(c, float64(sign))
}

// remove takes c, the cell added last, out of the cycle.
func (s *cycleSearch) remove(c int32) {
	sign := s.z[c]
	s.z[c] = 0
	s.zList = s.zList[:len(s.zList)-1]
	s.shift(c, -float64(sign))
}

// shift changes the imbalance of c's relations by d·coef.
func (s *cycleSearch) shift(c int32, d float64) {
	coefs := s.p.sys.cellCoef[c]
	for k, ri := range s.p.sys.cellRel[c] {
		v := s.imb[ri] + coefs[k]*d
		if math.Abs(v) < 1e-9 {
			s.imb[ri] = 0
		} else {
			s.imb[ri] = v
			s.open = append(s.open, ri)
			s.touched = append(s.touched, ri)
		}
	}
}

type cycleCand struct {
	cell  int32
	sign  int8
	score float64
}

// solve balances the open relations depth first, trying the few most promising cells of the
// most constrained relation at each step.
func (s *cycleSearch) solve() bool {
	s.nodes++
	maxNodes, maxSize := cycleNodes, cycleMaxSize
	if s.maxNodes > 0 {
		maxNodes, maxSize = s.maxNodes, s.maxSize
	}
	if s.nodes > maxNodes || len(s.zList) > maxSize {
		return false
	}
	// The open relation with the fewest cells (short lists close cycles soonest).
	bestRel, bestLen := int32(-1), 0
	for k := 0; k < len(s.open); k++ {
		ri := s.open[k]
		if s.imb[ri] == 0 {
			s.open[k] = s.open[len(s.open)-1]
			s.open = s.open[:len(s.open)-1]
			k--
			continue
		}
		if l := len(s.p.sys.rels[ri]); bestRel < 0 || l < bestLen {
			bestRel, bestLen = ri, l
		}
	}
	if bestRel < 0 {
		return true
	}
	best := s.candidates(bestRel)
	if len(best) == 0 {
		return false
	}
	sort.Slice(best, func(i, j int) bool {
		if best[i].score != best[j].score {
			return best[i].score > best[j].score
		}
		return best[i].cell < best[j].cell
	})
	for k, cd := range best {
		if k == cycleBranch {
			break
		}
		s.add(cd.cell, cd.sign)
		if s.solve() {
			return true
		}
		s.remove(cd.cell)
		if s.nodes > maxNodes {
			return false
		}
	}
	return false
}

// candidates lists the cells of relation ri that balance it by moving one step.
func (s *cycleSearch) candidates(ri int32) []cycleCand {
	need := -s.imb[ri]
	var out []cycleCand
	for _, t := range s.p.sys.rels[ri] {
		if s.z[t.cell] != 0 {
			continue
		}
		f := need / t.coef
		var sign int8
		switch {
		case math.Abs(f-1) < 1e-9:
			sign = 1
		case math.Abs(f+1) < 1e-9:
			sign = -1
		default:
			continue
		}
		if !s.canMove(t.cell, sign) {
			continue
		}
		// Score: relations it closes, minus relations it opens, minus its price.
		score := 0.0
		coefs := s.p.sys.cellCoef[t.cell]
		for k2, r2 := range s.p.sys.cellRel[t.cell] {
			if r2 == ri {
				continue
			}
			cur := s.imb[r2]
			after := cur + coefs[k2]*float64(sign)
			switch {
			case math.Abs(after) < 1e-9:
				score += 4
			case math.Abs(after) < math.Abs(cur):
				score += 1
			case cur == 0:
				score -= 1
			}
		}
		if !s.p.hidden[t.cell] {
			score -= 2 + s.cost(t.cell)
		}
		if t.coef > 0 && len(s.p.sys.rels[ri]) > 8 {
			// Moving the total of a long list of parts (an area's sum over its school
			// units) closes the relation at once, where a sibling part opens a cycle of its
			// own through every relation it is in.
			score += 2
		}
		out = append(out, cycleCand{t.cell, sign, score})
	}
	return out
}
