package anonymize

import (
	"context"
	"math"
)

// attempts lists the moves (step, sign) that protect hidden cell c at value x: a coded cell
// must reach its band's inner limit and span codedSpan whole values; another cell must span
// the protection width, moved up by it, down by it, or half each way.
func (p *problem) attempts(c int32, x float64) [][2]float64 {
	if p.coded[c] && math.IsInf(p.hi[c], 1) {
		return [][2]float64{{1, 1}, {1, -1}}
	}
	if p.coded[c] {
		low, high := wholeLimits(p.lo[c], p.hi[c])
		span := codedSpan(p.lo[c], p.hi[c], p.width)
		// A low band's inner limit is its top: move up to it, and down for the rest of the
		// span; a high band's the other way round.
		toInner, inner, rest := high-x, int8(1), int8(-1)
		if p.lo[c] > 0 {
			toInner, inner, rest = x-low, -1, 1
		}
		var out [][2]float64
		if toInner > 1e-6 {
			out = append(out, [2]float64{toInner, float64(inner)})
		}
		if more := span - math.Max(toInner, 0); more > 1e-6 {
			out = append(out, [2]float64{more, float64(rest)})
		}
		return out
	}
	return [][2]float64{{p.width, 1}, {p.width, -1}, {p.width / 2, 1}, {p.width / 2, -1}}
}

// spread is the range of each cell over the feasible points found so far. Its arrays hold one
// entry per cell, so that checks of different blocks (disjoint sets of cells) may record in
// it at once; an entry is valid where its stamp is the current generation.
type spread struct {
	lo, hi []float64
	at     []uint32 // cell → generation of its range
	gen    uint32
	x      func(int32) float64
}

// newSpread returns an empty spread over n cells around the point x.
func newSpread(n int, x func(int32) float64) *spread {
	return &spread{lo: make([]float64, n), hi: make([]float64, n), at: make([]uint32, n), gen: 1, x: x}
}

// reset empties the spread and centres it on the point x.
func (s *spread) reset(x func(int32) float64) {
	s.x = x
	if s.gen++; s.gen == 0 {
		clear(s.at)
		s.gen = 1
	}
}

func (s *spread) record(c int32, v float64) {
	if s.at[c] != s.gen {
		x := s.x(c)
		s.at[c], s.lo[c], s.hi[c] = s.gen, math.Min(v, x), math.Max(v, x)
		return
	}
	s.lo[c] = math.Min(s.lo[c], v)
	s.hi[c] = math.Max(s.hi[c], v)
}

func (s *spread) rng(c int32) (float64, float64) {
	if s.at[c] != s.gen {
		x := s.x(c)
		return x, x
	}
	return s.lo[c], s.hi[c]
}

// covered reports whether the points found so far show cell c wide enough.
func (p *problem) covered(s *spread, c int32) bool {
	lo, hi := s.rng(c)
	if p.coded[c] {
		return codedPasses(lo, hi, p.lo[c], p.hi[c], p.width)
	}
	return hi-lo >= p.width-1e-9
}

// certifyByCycles tries to show hidden cell c wide enough by cycles through hidden cells (and
// the cells allow admits, which the caller then hides); every cycle found is recorded in s.
// It returns the cells outside the hidden ones that the cycles it used move.
func (p *problem) certifyByCycles(s *spread, c int32, allow func(int32) bool, cost func(int32) float64) (bool, []int32) {
	var extra []int32
	for _, at := range p.attempts(c, s.x(c)) {
		if p.covered(s, c) {
			return true, extra
		}
		if p.reachedBy(s, c, at) {
			continue
		}
		cs := &cycleSearch{p: p, x: s.x, step: at[0]}
		if p.deep {
			cs.maxNodes, cs.maxSize = deepCycleNodes, deepCycleMaxSize
		}
		z := cs.find(c, int8(at[1]))
		if z == nil && p.hyper != nil {
			z = p.hyper.find(p, s.x, c, at[0], int8(at[1]), allow)
		}
		if z == nil && allow != nil {
			cs.allow, cs.cost = allow, cost
			z = cs.find(c, int8(at[1]))
		}
		if z == nil {
			continue
		}
		for _, cell := range sortedCells(z) {
			v := s.x(cell) + at[0]*float64(z[cell])
			s.record(cell, v)
			if !p.hidden[cell] || v < p.lo[cell]-1e-9 || v > p.hi[cell]+1e-9 {
				extra = append(extra, cell) // a shown cell to hide, or a band to withdraw
			}
		}
	}
	return p.covered(s, c), extra
}

// reachedBy reports whether the points so far already reach the move at.
func (p *problem) reachedBy(s *spread, c int32, at [2]float64) bool {
	lo, hi := s.rng(c)
	x := s.x(c)
	if at[1] > 0 {
		return hi >= x+at[0]-1e-6
	}
	return lo <= x-at[0]+1e-6
}

// openByCycles returns the targets (indices into block) that no cycle through hidden cells
// from s's feasible point shows wide enough; every cycle found is recorded in s.
func (p *problem) openByCycles(ctx context.Context, s *spread, block []int32, targets []int) ([]int, error) {
	var open []int
	for i, k := range targets {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := block[k]
		if p.covered(s, c) {
			continue
		}
		if ok, _ := p.certifyByCycles(s, c, nil, nil); !ok {
			open = append(open, k)
		}
	}
	return open, nil
}
