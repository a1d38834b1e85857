package anonymize

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// cube is a synthetic hierarchical table: areas (schools under municipalities and organisers
// under the nation) × gender (all, F, M, unknown) × category (all, c1..ck).
type cube struct {
	cells []Cell
	rels  []Relation
	index map[string]int
}

// join appends the cells and relations of o to c, its keys prefixed and its coordinates
// given a leading one of their own: a cube of independent tables.
func (c *cube) join(o *cube, prefix string) {
	off := len(c.cells)
	table := int32(off)
	for _, cl := range o.cells {
		cl.Key = prefix + cl.Key
		if cl.Coords != nil {
			cl.Coords = append([]int32{table}, cl.Coords...)
		}
		c.cells = append(c.cells, cl)
	}
	for _, r := range o.rels {
		parts := make([]int, len(r.Parts))
		for k, p := range r.Parts {
			parts[k] = p + off
		}
		c.rels = append(c.rels, Relation{Total: r.Total + off, Parts: parts})
	}
	if c.index == nil {
		c.index = map[string]int{}
	}
	for k, i := range o.index {
		c.index[prefix+k] = i + off
	}
}

// cubeSpec shapes a random cube.
type cubeSpec struct {
	municipalities, schoolsMax, organisers, categories int
	meanCount                                          float64 // mean of an inner cell
	meanFirst                                          float64 // mean of category 1's inner cells (meanCount if 0)
	unknownShare                                       float64 // chance of a pupil of unknown gender per inner cell
	subjects                                           int     // independent copies (1 if 0)
	coords                                             bool    // cells carry coordinates (hypercube search)
}

func genCube(rng *rand.Rand, s cubeSpec) *cube {
	c := &cube{index: map[string]int{}}
	type area struct {
		key      string
		children []int
	}
	var areas []area
	areas = append(areas, area{key: "SE"})
	var schools []int
	orgs := make([]int, s.organisers)
	for o := range orgs {
		orgs[o] = len(areas)
		areas = append(areas, area{key: fmt.Sprintf("org%d", o)})
	}
	for m := 0; m < s.municipalities; m++ {
		mi := len(areas)
		areas = append(areas, area{key: fmt.Sprintf("mun%d", m)})
		areas[0].children = append(areas[0].children, mi)
		ns := 1 + rng.Intn(s.schoolsMax)
		for k := 0; k < ns; k++ {
			si := len(areas)
			areas = append(areas, area{key: fmt.Sprintf("mun%d/sch%d", m, k)})
			areas[mi].children = append(areas[mi].children, si)
			schools = append(schools, si)
			if len(orgs) > 0 {
				o := orgs[rng.Intn(len(orgs))]
				areas[o].children = append(areas[o].children, si)
			}
		}
	}
	genders := []string{"all", "F", "M", "U"}
	subjects := max(s.subjects, 1)
	for sub := 0; sub < subjects; sub++ {
		id := func(a, g, cat int) string {
			return fmt.Sprintf("s%d|%s|%s|%d", sub, areas[a].key, genders[g], cat)
		}
		counts := map[string]float64{}
		for _, si := range schools {
			for g := 1; g <= 3; g++ {
				for cat := 1; cat <= s.categories; cat++ {
					v := 0.0
					if g == 3 {
						if rng.Float64() < s.unknownShare {
							v = float64(1 + rng.Intn(2))
						}
					} else if cat == 1 && s.meanFirst > 0 {
						v = math.Floor(rng.ExpFloat64() * s.meanFirst)
					} else {
						v = math.Floor(rng.ExpFloat64() * s.meanCount)
					}
					counts[id(si, g, cat)] = v
				}
			}
		}
		// Fill totals bottom-up: schools' gender and category totals, then parents.
		var fill func(a, g, cat int) float64
		fill = func(a, g, cat int) float64 {
			k := id(a, g, cat)
			if v, ok := counts[k]; ok {
				return v
			}
			var v float64
			switch {
			case cat == 0:
				for x := 1; x <= s.categories; x++ {
					v += fill(a, g, x)
				}
			case g == 0:
				for x := 1; x <= 3; x++ {
					v += fill(a, x, cat)
				}
			default:
				for _, ch := range areas[a].children {
					v += fill(ch, g, cat)
				}
			}
			counts[k] = v
			return v
		}
		for a := range areas {
			for g := 0; g <= 3; g++ {
				for cat := 0; cat <= s.categories; cat++ {
					fill(a, g, cat)
				}
			}
		}
		for a := range areas {
			for g := 0; g <= 3; g++ {
				for cat := 0; cat <= s.categories; cat++ {
					k := id(a, g, cat)
					cell := Cell{Key: k, Count: counts[k], Internal: g == 3}
					if s.coords {
						cell.Coords = []int32{int32(sub), int32(a), int32(g), int32(cat)}
					}
					cell.Group = counts[id(a, g, 0)]
					if cat > 0 {
						cell.Denom = cell.Group
					}
					c.index[k] = len(c.cells)
					c.cells = append(c.cells, cell)
				}
			}
		}
		for a := range areas {
			for g := 0; g <= 3; g++ {
				r := Relation{Total: c.index[id(a, g, 0)]}
				for cat := 1; cat <= s.categories; cat++ {
					r.Parts = append(r.Parts, c.index[id(a, g, cat)])
				}
				c.rels = append(c.rels, r)
			}
			for cat := 0; cat <= s.categories; cat++ {
				r := Relation{Total: c.index[id(a, 0, cat)]}
				for g := 1; g <= 3; g++ {
					r.Parts = append(r.Parts, c.index[id(a, g, cat)])
				}
				c.rels = append(c.rels, r)
				if len(areas[a].children) == 0 {
					continue
				}
				for g := 0; g <= 3; g++ {
					r := Relation{Total: c.index[id(a, g, cat)]}
					for _, ch := range areas[a].children {
						r.Parts = append(r.Parts, c.index[id(ch, g, cat)])
					}
					c.rels = append(c.rels, r)
				}
			}
		}
	}
	return c
}

// checkProtected asserts what a reader would check of a protected table: no shown figure
// rests on fewer than k, no internal cell is shown, coded cells' shares lie in their bands,
// and the audit from the published figures alone finds nothing.
func checkProtected(tb testing.TB, cells []Cell, rels []Relation, res *Result, pol Policy) *AuditReport {
	tb.Helper()
	for i, c := range cells {
		o := res.Outcome(i)
		switch o.Status() {
		case Shown:
			if c.Group < float64(pol.K) {
				tb.Errorf("cell %s shown with group %v < k = %d", c.Key, c.Group, pol.K)
			}
			if c.Internal {
				tb.Errorf("internal cell %s shown", c.Key)
			}
		case Coded:
			b, _ := o.Band()
			if s := c.Count / c.Denom; s < b.Low-1e-12 || s > b.High+1e-12 {
				tb.Errorf("cell %s coded %s but share is %v", c.Key, b.Label, s)
			}
		}
	}
	rep, err := Audit(context.Background(), res.Public(cells), rels, pol)
	if err != nil {
		tb.Fatalf("Audit: %v", err)
	}
	for _, f := range rep.Failures {
		tb.Errorf("audit failure: %s [%v, %v]: %s (true %v)", f.Key, f.Lo, f.Hi, f.Reason, cells[f.Cell].Count)
	}
	return rep
}

// bruteInterval bounds every hidden cell with one linear program over all cells and all
// constraints at once (no blocks, no certificates): an independent check of Audit.
func bruteIntervals(tb testing.TB, pub []Public, rels []Relation) map[int][2]float64 {
	tb.Helper()
	n := len(pub)
	var rows [][]float64
	var rhs []float64
	for _, r := range rels {
		row := make([]float64, n)
		row[r.Total] += 1
		for _, p := range r.Parts {
			row[p] -= 1
		}
		rows = append(rows, row)
		rhs = append(rhs, 0)
	}
	for i, p := range pub {
		if p.Shown {
			row := make([]float64, n)
			row[i] = 1
			rows = append(rows, row)
			rhs = append(rhs, p.Value)
		}
	}
	rows, rhs = independentRows(rows, rhs)
	// Variables: x (n) then one slack per bounded hidden cell; lower bounds shifted to 0.
	var bounded []int
	for i, p := range pub {
		if !p.Shown && !p.Unbounded {
			bounded = append(bounded, i)
		}
	}
	ncol := n + len(bounded)
	m := len(rows) + len(bounded)
	a := mat.NewDense(m, ncol, nil)
	b := make([]float64, m)
	lo := make([]float64, n)
	for i, p := range pub {
		if !p.Shown {
			lo[i] = p.Lo
		}
	}
	for r, row := range rows {
		v := rhs[r]
		for j, x := range row {
			a.Set(r, j, x)
			v -= x * lo[j]
		}
		b[r] = v
	}
	for k, i := range bounded {
		a.Set(len(rows)+k, i, 1)
		a.Set(len(rows)+k, n+k, 1)
		b[len(rows)+k] = pub[i].Hi - pub[i].Lo
	}
	// The package's dense simplex is used as the solver, but over one whole-table program:
	// no blocks, no elimination, no certificates.
	flat := make([]float64, m*ncol)
	for r := 0; r < m; r++ {
		for j := 0; j < ncol; j++ {
			flat[r*ncol+j] = a.At(r, j)
		}
	}
	tab, err := newFeasibleTableau(m, ncol, flat, b)
	if err != nil {
		tb.Fatalf("brute LP: %v", err)
	}
	out := map[int][2]float64{}
	for i, p := range pub {
		if p.Shown {
			continue
		}
		var iv [2]float64
		for s, dir := range []float64{1, -1} {
			c := make([]float64, ncol)
			c[i] = dir
			x, _, err := tab.minimize(c)
			if errors.Is(err, errUnbounded) {
				iv[s] = math.Inf(1)
				continue
			}
			if err != nil {
				tb.Fatalf("brute LP for %s: %v", p.Key, err)
			}
			iv[s] = x[i] + lo[i]
		}
		out[i] = iv
	}
	return out
}

// independentRows drops linearly dependent rows by dense Gaussian elimination with partial
// pivoting (written separately from the package's sparse elimination).
func independentRows(rows [][]float64, rhs []float64) ([][]float64, []float64) {
	var keepRows [][]float64
	var keepRHS []float64
	var basis [][]float64 // reduced copies with their pivot
	var pivots []int
	for r, row := range rows {
		v := append([]float64(nil), row...)
		v = append(v, rhs[r])
		for k, bv := range basis {
			p := pivots[k]
			if f := v[p] / bv[p]; f != 0 {
				for j := range v {
					v[j] -= f * bv[j]
				}
			}
		}
		p, best := -1, 1e-9
		for j := 0; j < len(row); j++ {
			if math.Abs(v[j]) > best {
				p, best = j, math.Abs(v[j])
			}
		}
		if p < 0 {
			continue
		}
		basis = append(basis, v)
		pivots = append(pivots, p)
		keepRows = append(keepRows, row)
		keepRHS = append(keepRHS, rhs[r])
	}
	return keepRows, keepRHS
}
