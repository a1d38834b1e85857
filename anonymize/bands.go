package anonymize

import "math"

// A band bounds its count: "≤10 %" of a group of 15 says at most 1.5 pupils, so at most one.
// It bounds every hidden count it is the total of as well, whatever else is hidden: the boys'
// count of 0 under an all-pupils "≤10 %" of 15 stays within [0, 1.5], narrower than the
// protection width. So does a "≤5 %" of 49 boys (at most 2) under an all-pupils band that
// allows at most 1: the boys' band can never be reached whole. No secondary suppression
// repairs such a cell; only withdrawing the band that caps it does (its count becomes a
// secondary suppression, bounded by its relations instead). withdrawCappingBands finds these
// bands before the audit rounds, which could only spend time failing the cells they cap.

// relationRange returns the values hidden cell c can take given relation ri alone: the shown
// cells fixed, the bands, and every other hidden cell between 0 and no limit. Cell as (or
// none, when -1) is taken as if its band were withdrawn.
func (pr *protector) relationRange(c, ri, as int32) (float64, float64) {
	p := pr.prob
	var ac float64
	lo, hi := 0.0, 0.0 // the others' sum(coef·x), which equals -ac·c
	for _, t := range pr.sys.rels[ri] {
		switch {
		case t.cell == c:
			ac = t.coef
		case t.cell != as && !p.hidden[t.cell]:
			lo += t.coef * p.value[t.cell]
			hi += t.coef * p.value[t.cell]
		case t.cell != as && p.coded[t.cell]:
			a, b := t.coef*p.lo[t.cell], t.coef*p.hi[t.cell]
			lo += math.Min(a, b)
			hi += math.Max(a, b)
		case t.coef > 0:
			hi = math.Inf(1)
		default:
			lo = math.Inf(-1)
		}
	}
	x0, x1 := -hi/ac, -lo/ac
	if x0 > x1 {
		x0, x1 = x1, x0
	}
	return math.Max(x0, 0), x1
}

// cappingBand returns a coded cell whose band, withdrawn, lets hidden cell c reach what it
// needs (the protection width, or its own band's inner limit) in a relation that taken alone
// does not let it, or -1 when no band caps c. It prefers the smallest count whose band does it
// alone, then the band whose withdrawal widens c the most.
func (pr *protector) cappingBand(c int32) int32 {
	p := pr.prob
	if !p.hidden[c] {
		return -1
	}
	wide := func(a, b float64) bool {
		if p.coded[c] {
			return codedPasses(a, b, p.lo[c], p.hi[c], p.width)
		}
		return b-a >= pr.pol.ProtectionWidth-1e-9
	}
	for _, ri := range pr.sys.cellRel[c] {
		if wide(pr.relationRange(c, ri, -1)) {
			continue
		}
		best, bestRank, bestCost := int32(-1), 2, math.Inf(1)
		for _, t := range pr.sys.rels[ri] {
			if t.cell == c || !p.coded[t.cell] {
				continue
			}
			x0, x1 := pr.relationRange(c, ri, t.cell)
			rank, cost := 1, -(x1 - x0)
			if wide(x0, x1) {
				rank, cost = 0, pr.cells[t.cell].Count
			}
			if rank < bestRank || (rank == bestRank && cost < bestCost) {
				best, bestRank, bestCost = t.cell, rank, cost
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

// withdrawCappingBands withdraws every band that caps a hidden cell (see cappingBand) and
// reports how many it withdrew. It looks at every hidden cell when all is set, else only at
// those hidden since the last audit round: hiding a cell or withdrawing a band only frees the
// others, so a cell no band capped stays uncapped. A withdrawn band's count is hidden and may
// in turn be capped by a band above it, so the pass repeats over the cells it hid.
func (pr *protector) withdrawCappingBands(all bool) int {
	n := 0
	var next []int32
	for i := range pr.cells {
		if pr.prob.hidden[i] && (all || pr.dirty[i]) {
			next = append(next, int32(i))
		}
	}
	for len(next) > 0 {
		cur := next
		next = nil
		for _, c := range cur {
			for {
				b := pr.cappingBand(c)
				if b < 0 {
					break
				}
				pr.hide(b)
				n++
				next = append(next, b)
			}
		}
	}
	return n
}
