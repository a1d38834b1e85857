package anonymize

import (
	"math"
	"slices"
	"sort"
)

// A hypercube is a cycle built as a product: when cells carry coordinates (Cell.Coords) and
// every relation runs along one dimension (its cells differ in that coordinate only), a move
// z = u₁ ⊗ u₂ ⊗ … ⊗ u_d, where each u_k balances the relations along dimension k (two
// categories +1/−1, or a category and its total +1/+1; a school unit and a sibling under the
// same organiser and municipality, a school unit and a sibling under another organiser with
// both organisers, or the school unit and every area above it), balances every relation. This
// is the figure τ-Argus's hypercube method protects by; searching the product of a few
// one-dimensional moves per dimension finds it where a depth-first search through the whole
// table loses its way.

// maxDims is the largest number of coordinates a cell may carry.
const maxDims = 8

type coordKey [maxDims]int32

// hypercubes indexes cells by coordinates and relations by the dimension they run along.
type hypercubes struct {
	coords [][]int32
	at     map[coordKey]int32
	relDim []int8 // the dimension a relation runs along, or −1
}

// newHypercubes indexes those of the n cells that carry coordinates (coordsOf(i) is cell i's,
// or nil); nil when none do. A cell whose coordinates another cell has already is left out.
func newHypercubes(n int, coordsOf func(i int) []int32, sys *system) *hypercubes {
	h := &hypercubes{coords: make([][]int32, n), at: map[coordKey]int32{}}
	for i := range n {
		c := coordsOf(i)
		if len(c) == 0 || len(c) > maxDims {
			continue
		}
		k := coordOf(c)
		if _, dup := h.at[k]; dup {
			continue
		}
		h.at[k] = int32(i)
		h.coords[i] = c
	}
	if len(h.at) == 0 {
		return nil
	}
	h.relDim = make([]int8, len(sys.rels))
	for ri, ts := range sys.rels {
		// A relation runs along the dimension in which its placed cells differ. A cell
		// without coordinates (say, an empty cell of pupils of unknown gender, published as
		// a known zero without dimensions) is never a corner, but it does not stop the
		// others from forming one: every move found is checked against the relations.
		h.relDim[ri] = -1
		var first []int32
		dim := -1
		ok := true
		for _, t := range ts {
			cc := h.coords[t.cell]
			if cc == nil {
				continue
			}
			if first == nil {
				first = cc
				continue
			}
			if len(cc) != len(first) {
				ok = false
				break
			}
			for d := range cc {
				if cc[d] != first[d] {
					if dim >= 0 && dim != d {
						ok = false
					}
					dim = d
				}
			}
		}
		if ok && dim >= 0 {
			h.relDim[ri] = int8(dim)
		}
	}
	return h
}

func coordOf(cs []int32) coordKey {
	var k coordKey
	for i := range k {
		k[i] = math.MinInt32
	}
	copy(k[:], cs)
	return k
}

// move1 is a one-dimensional move: coordinate values along one dimension and their signs.
type move1 struct {
	vals  []int32
	signs []int8
}

// hyperAlternatives is how many one-dimensional moves per dimension the product search tries:
// enough for every category of a grade distribution (fewer left the category whose area totals
// were already hidden out of the search, and each repair hid another's).
const hyperAlternatives = 8

// siblingAlternatives is how many more one-dimensional moves per dimension close a relation
// by a sibling instead of its total.
const siblingAlternatives = 4

// moves lists up to hyperAlternatives + siblingAlternatives one-dimensional moves of cell c
// along dimension dim that balance every relation along dim through the cells they touch.
func (h *hypercubes) moves(p *problem, c int32, dim int, usable func(int32) bool, prefer func(int32, int8) float64) []move1 {
	var out []move1
	seen := map[int32]bool{}
	type cand struct {
		cell  int32
		sign  int8
		score float64
	}
	var first []cand
	for _, ri := range p.sys.cellRel[c] {
		if int(h.relDim[ri]) != dim {
			continue
		}
		cc := coefIn(p.sys.rels[ri], c)
		for _, t := range p.sys.rels[ri] {
			if t.cell == c || seen[t.cell] || !usable(t.cell) {
				continue
			}
			seen[t.cell] = true
			sign := int8(1)
			if t.coef*cc > 0 {
				sign = -1
			}
			first = append(first, cand{t.cell, sign, prefer(t.cell, sign)})
		}
	}
	sort.Slice(first, func(i, j int) bool { return first[i].score > first[j].score })
	// Besides the moves that close each relation by its total (up to the top of a hierarchy),
	// up to siblingAlternatives that close the first by a sibling: under two hierarchies
	// (organiser and municipality) they leave the areas above both alone.
	var tries, siblings []*building
	for _, f := range first {
		if len(tries) == hyperAlternatives {
			break
		}
		if len(siblings) < siblingAlternatives {
			bs := newBuilding(c, f.cell, f.sign)
			if h.closeSibling(p, bs, dim, usable, prefer) && h.close1(p, bs, dim, 64, usable) {
				siblings = append(siblings, bs)
			}
		}
		b := newBuilding(c, f.cell, f.sign)
		if !h.close1(p, b, dim, 64, usable) {
			continue
		}
		tries = append(tries, b)
	}
	for _, b := range append(tries, siblings...) {
		m := move1{}
		for _, cell := range b.order {
			m.vals = append(m.vals, h.coords[cell][dim])
			m.signs = append(m.signs, b.z[cell])
		}
		out = append(out, m)
	}
	return out
}

// building is a one-dimensional move being built: the signs of its cells, and the cells in
// the order they joined it, in which their relations are balanced (alike in every run: Go
// randomises the order of a map).
type building struct {
	z     map[int32]int8
	order []int32
}

// newBuilding starts a move of c up and of f by sign.
func newBuilding(c, f int32, sign int8) *building {
	return &building{z: map[int32]int8{c: 1, f: sign}, order: []int32{c, f}}
}

// add moves cell c by sign as the last cell to join.
func (b *building) add(c int32, sign int8) {
	b.z[c] = sign
	b.order = append(b.order, c)
}

// close1 balances the relations along dim that b's cells are in by adding cells of the same
// fibre (depth first, the first candidate that closes most), within limit cells.
func (h *hypercubes) close1(p *problem, b *building, dim int, limit int, usable func(int32) bool) bool {
	z := b.z
	for len(z) <= limit {
		open, sum := h.openRelation(p, b, dim)
		if open < 0 {
			return true
		}
		// Prefer the relation's total (it closes at once) over another part.
		best, bestSign := int32(-1), int8(0)
		for _, t := range p.sys.rels[open] {
			if _, in := z[t.cell]; in || !usable(t.cell) {
				continue
			}
			s, ok := closingSign(sum, t.coef)
			if !ok {
				continue
			}
			if best < 0 || t.coef > 0 {
				best, bestSign = t.cell, s
			}
		}
		if best < 0 {
			return false
		}
		b.add(best, bestSign)
	}
	return false
}

// closeSibling balances the first relation along dim that b leaves open, when its total is
// not moved, by a sibling part (the best by prefer) that shares no other relation along dim
// with b's cells: a move between two school units under different organisers moves both
// organisers and leaves the municipality above them alone. It reports whether it found one.
func (h *hypercubes) closeSibling(p *problem, b *building, dim int, usable func(int32) bool, prefer func(int32, int8) float64) bool {
	z := b.z
	ri, sum := h.openRelation(p, b, dim)
	if ri < 0 {
		return false
	}
	rs := p.sys.rels[ri]
	for _, t := range rs {
		if _, in := z[t.cell]; in && t.coef > 0 {
			return false // the total moves: nothing to leave alone
		}
	}
	linked := map[int32]bool{}
	for zc := range z {
		for _, rj := range p.sys.cellRel[zc] {
			if rj == ri || int(h.relDim[rj]) != dim {
				continue
			}
			for _, t := range p.sys.rels[rj] {
				linked[t.cell] = true
			}
		}
	}
	best, bestSign, bestScore := int32(-1), int8(0), math.Inf(-1)
	for _, t := range rs {
		if _, in := z[t.cell]; in || t.coef > 0 || linked[t.cell] || !usable(t.cell) {
			continue
		}
		s, ok := closingSign(sum, t.coef)
		if !ok {
			continue
		}
		if sc := prefer(t.cell, s); sc > bestScore {
			best, bestSign, bestScore = t.cell, s, sc
		}
	}
	if best < 0 {
		return false
	}
	b.add(best, bestSign)
	return true
}

// openRelation returns the first relation along dim (in the order b's cells joined) that b
// leaves unbalanced, and its imbalance Σ coef·move, or −1.
func (h *hypercubes) openRelation(p *problem, b *building, dim int) (int32, float64) {
	for _, cell := range b.order {
		for _, ri := range p.sys.cellRel[cell] {
			if int(h.relDim[ri]) != dim {
				continue
			}
			sum := 0.0
			for _, t := range p.sys.rels[ri] {
				sum += t.coef * float64(b.z[t.cell])
			}
			if math.Abs(sum) > 1e-9 {
				return ri, sum
			}
		}
	}
	return -1, 0
}

// closingSign returns the move (±1) of a cell with coefficient coef that cancels an imbalance
// sum of a relation, and false when no unit move does.
func closingSign(sum, coef float64) (int8, bool) {
	f := -sum / coef
	if math.Abs(math.Abs(f)-1) > 1e-9 {
		return 0, false
	}
	if f < 0 {
		return -1, true
	}
	return 1, true
}

// sortedCells returns the cells of a move in ascending order: whatever is chosen by walking a
// move is chosen alike in every run (Go randomises the order of a map).
func sortedCells(z map[int32]int8) []int32 {
	cells := make([]int32, 0, len(z))
	for cell := range z {
		cells = append(cells, cell)
	}
	slices.Sort(cells)
	return cells
}

func coefIn(ts []term, c int32) float64 {
	for _, t := range ts {
		if t.cell == c {
			return t.coef
		}
	}
	return 0
}

// find returns the cheapest hypercube through cell c that moves it by step·sign with every
// corner within its bounds (hidden cells; shown cells only when allow admits them, each at its
// count), or nil. x is the feasible point moved from.
func (h *hypercubes) find(p *problem, x func(int32) float64, c int32, step float64, sign int8, allow func(int32) bool) map[int32]int8 {
	base := h.coords[c]
	if base == nil {
		return nil
	}
	canMove := func(cell int32, s int8) (bool, float64) {
		v := x(cell) + step*float64(s)
		if p.hidden[cell] {
			if v >= p.lo[cell]-1e-9 && v <= p.hi[cell]+1e-9 {
				return true, 0
			}
			// A band the move leaves may be withdrawn (the caller hides its count) when
			// shown cells may be hidden too: at the price of a shown cell of its count.
			return allow != nil && p.coded[cell] && v >= -1e-9, 1 + x(cell)
		}
		if allow == nil || !allow(cell) || v < -1e-9 {
			return false, 0
		}
		// Hiding a shown cell costs its count: a hypercube through an area's totals must
		// be worth the large figures it hides.
		return true, 1 + x(cell)
	}
	// A cell the attacker knows (a known zero) never moves; a shown cell only when allowed;
	// a cell without coordinates is not in the index.
	usable := func(cell int32) bool {
		return h.coords[cell] != nil && (p.hidden[cell] || (allow != nil && allow(cell)))
	}
	prefer := func(cell int32, s int8) float64 {
		score := 0.0
		if p.hidden[cell] {
			score += 100
		}
		if s < 0 {
			score += math.Min(x(cell), 50)
		}
		return score
	}
	var dims []int
	var alts [][]move1
	for d := range base {
		has := false
		for _, ri := range p.sys.cellRel[c] {
			if int(h.relDim[ri]) == d {
				has = true
				break
			}
		}
		if !has {
			continue
		}
		ms := h.moves(p, c, d, usable, prefer)
		if len(ms) == 0 {
			return nil
		}
		dims = append(dims, d)
		alts = append(alts, ms)
	}
	if len(dims) == 0 {
		return nil
	}
	var best map[int32]int8
	bestCost := math.Inf(1)
	pick := make([]int, len(dims))
	coords := make([]int32, len(base))
	for {
		// Walk the corners of this product.
		z := map[int32]int8{}
		total := 0.0
		ok := true
		idx := make([]int, len(dims))
		for ok {
			copy(coords, base)
			s := sign
			for i, d := range dims {
				m := alts[i][pick[i]]
				coords[d] = m.vals[idx[i]]
				s *= m.signs[idx[i]]
			}
			cell, found := h.at[coordOf(coords)]
			if !found {
				ok = false
				break
			}
			can, price := canMove(cell, s)
			if !can {
				ok = false
				break
			}
			total += price
			if total >= bestCost {
				ok = false
				break
			}
			z[cell] = s
			i := 0
			for ; i < len(dims); i++ {
				idx[i]++
				if idx[i] < len(alts[i][pick[i]].vals) {
					break
				}
				idx[i] = 0
			}
			if i == len(dims) {
				break
			}
		}
		if ok && balanced(p, z) {
			best, bestCost = z, total
		}
		i := 0
		for ; i < len(dims); i++ {
			pick[i]++
			if pick[i] < len(alts[i]) {
				break
			}
			pick[i] = 0
		}
		if i == len(dims) {
			break
		}
	}
	return best
}

// balanced reports whether moving z's cells keeps every relation they are in balanced.
func balanced(p *problem, z map[int32]int8) bool {
	for cell := range z {
		for _, ri := range p.sys.cellRel[cell] {
			sum := 0.0
			for _, t := range p.sys.rels[ri] {
				sum += t.coef * float64(z[t.cell])
			}
			if math.Abs(sum) > 1e-9 {
				return false
			}
		}
	}
	return true
}
