package anonymize

import "testing"

// TestHypercubes_find checks the product search on a 2 × 2 table with totals: the only moves
// are rectangles, through the parts or through the totals.
func TestHypercubes_find(t *testing.T) {
	// rows r0, r1, total; columns c0, c1, total.
	counts := [3][3]float64{{5, 7, 12}, {9, 4, 13}, {14, 11, 25}}
	var cells []Cell
	idx := func(r, c int) int { return r*3 + c }
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			cells = append(cells, Cell{Key: "x", Count: counts[r][c], Group: 20, Coords: []int32{int32(r), int32(c)}})
		}
	}
	rels := []Relation{
		{Total: idx(0, 2), Parts: []int{idx(0, 0), idx(0, 1)}},
		{Total: idx(1, 2), Parts: []int{idx(1, 0), idx(1, 1)}},
		{Total: idx(2, 2), Parts: []int{idx(2, 0), idx(2, 1)}},
		{Total: idx(2, 0), Parts: []int{idx(0, 0), idx(1, 0)}},
		{Total: idx(2, 1), Parts: []int{idx(0, 1), idx(1, 1)}},
		{Total: idx(2, 2), Parts: []int{idx(0, 2), idx(1, 2)}},
	}
	sys, err := newSystem(len(cells), rels)
	if err != nil {
		t.Fatal(err)
	}
	x := func(c int32) float64 { return cells[c].Count }
	newProb := func(band map[int][2]float64, hidden ...int) *problem {
		p := &problem{sys: sys, hidden: make([]bool, len(cells)), lo: make([]float64, len(cells)),
			hi: make([]float64, len(cells)), value: make([]float64, len(cells)), coded: make([]bool, len(cells))}
		for i := range cells {
			p.value[i] = cells[i].Count
			p.hi[i] = cells[i].Count + 1e9
		}
		for _, h := range hidden {
			p.hidden[h] = true
		}
		for c, b := range band {
			p.coded[c], p.lo[c], p.hi[c] = true, b[0], b[1]
		}
		return p
	}
	h := newHypercubes(len(cells), func(i int) []int32 { return cells[i].Coords }, sys)
	if h == nil {
		t.Fatal("newHypercubes: nil for cells with coordinates")
	}
	all := func(int32) bool { return true }
	for _, tc := range []struct {
		name   string
		hidden []int
		band   map[int][2]float64 // coded hidden cells and their bands
		allow  func(int32) bool
		step   float64
		sign   int8
		want   map[int]int8 // nil: no hypercube
	}{
		{"the four inner cells hidden", []int{idx(0, 0), idx(0, 1), idx(1, 0), idx(1, 1)}, nil, nil, 2, 1,
			map[int]int8{idx(0, 0): 1, idx(0, 1): -1, idx(1, 0): -1, idx(1, 1): 1}},
		{"too little room in a corner", []int{idx(0, 0), idx(0, 1), idx(1, 0), idx(1, 1)}, nil, nil, 8, 1, nil},
		{"one hidden cell and nothing else may move", []int{idx(0, 0)}, nil, nil, 2, 1, nil},
		{"the cheapest rectangle through shown cells", []int{idx(0, 0)}, nil, all, 2, -1,
			map[int]int8{idx(0, 0): -1, idx(0, 1): 1, idx(1, 0): 1, idx(1, 1): -1}},
		// Cell (1, 1) is 4 within a band up to 4.4: the rectangle would take it to 6.
		{"a corner at its band's end", []int{idx(0, 0), idx(0, 1), idx(1, 0), idx(1, 1)}, map[int][2]float64{idx(1, 1): {0, 4.4}}, nil, 2, 1, nil},
		{"a corner's band withdrawn when cells may be hidden", []int{idx(0, 0), idx(0, 1), idx(1, 0), idx(1, 1)}, map[int][2]float64{idx(1, 1): {0, 4.4}}, all, 2, 1,
			map[int]int8{idx(0, 0): 1, idx(0, 1): -1, idx(1, 0): -1, idx(1, 1): 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProb(tc.band, tc.hidden...)
			got := h.find(p, x, int32(idx(0, 0)), tc.step, tc.sign, tc.allow)
			if tc.want == nil {
				if got != nil {
					t.Fatalf("find = %v, want none", got)
				}
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("find = %v, want %v", got, tc.want)
			}
			for c, s := range tc.want {
				if got[int32(c)] != s {
					t.Errorf("cell %d moves %d, want %d (got %v)", c, got[int32(c)], s, got)
				}
			}
			if !balanced(p, got) {
				t.Errorf("find = %v does not balance the relations", got)
			}
		})
	}
}

// TestHypercubes_findTwoHierarchies checks that a move of an organiser's cell can stay below
// the municipality: school units s1 (organiser O1) and s2 (organiser O2) in one municipality
// M, and the nation N = M. Moving O1 needs s1; s1's municipality is balanced either by M (and
// N) or by the sibling s2 and its organiser O2, which is cheaper here.
func TestHypercubes_findTwoHierarchies(t *testing.T) {
	const (
		aN = iota
		aM
		aO1
		aO2
		aS1
		aS2
		nArea
	)
	inner := map[int][2]float64{aS1: {3, 9}, aS2: {6, 8}}
	count := func(a, c int) float64 {
		var v [2]float64
		switch a {
		case aS1, aS2:
			v = inner[a]
		case aO1:
			v = inner[aS1]
		case aO2:
			v = inner[aS2]
		default:
			v = [2]float64{inner[aS1][0] + inner[aS2][0], inner[aS1][1] + inner[aS2][1]}
		}
		if c == 2 {
			return v[0] + v[1]
		}
		return v[c]
	}
	idx := func(a, c int) int { return a*3 + c }
	var cells []Cell
	for a := range nArea {
		for c := range 3 {
			cells = append(cells, Cell{Key: "x", Count: count(a, c), Group: 20, Coords: []int32{int32(a), int32(c)}})
		}
	}
	var rels []Relation
	for a := range nArea {
		rels = append(rels, Relation{Total: idx(a, 2), Parts: []int{idx(a, 0), idx(a, 1)}})
	}
	for c := range 3 {
		rels = append(rels,
			Relation{Total: idx(aN, c), Parts: []int{idx(aM, c)}},
			Relation{Total: idx(aM, c), Parts: []int{idx(aS1, c), idx(aS2, c)}},
			Relation{Total: idx(aO1, c), Parts: []int{idx(aS1, c)}},
			Relation{Total: idx(aO2, c), Parts: []int{idx(aS2, c)}})
	}
	sys, err := newSystem(len(cells), rels)
	if err != nil {
		t.Fatal(err)
	}
	p := &problem{sys: sys, hidden: make([]bool, len(cells)), lo: make([]float64, len(cells)),
		hi: make([]float64, len(cells)), value: make([]float64, len(cells)), coded: make([]bool, len(cells))}
	for i := range cells {
		p.value[i] = cells[i].Count
		p.hi[i] = cells[i].Count + 1e9
	}
	failing := int32(idx(aO1, 0))
	p.hidden[failing] = true
	h := newHypercubes(len(cells), func(i int) []int32 { return cells[i].Coords }, sys)
	x := func(c int32) float64 { return cells[c].Count }
	got := h.find(p, x, failing, 2, 1, func(int32) bool { return true })
	if got == nil {
		t.Fatal("find = nil, want a hypercube")
	}
	if !balanced(p, got) {
		t.Errorf("find = %v does not balance the relations", got)
	}
	for c := range 3 {
		for _, a := range []int{aN, aM} {
			if s := got[int32(idx(a, c))]; s != 0 {
				t.Errorf("the hypercube moves area %d, category %d (%+d); want it below the municipality (got %v)", a, c, s, got)
			}
		}
	}
	if got[int32(idx(aS2, 0))] != -1 || got[int32(idx(aO2, 0))] != -1 {
		t.Errorf("find = %v, want s2 and O2 to move down in category 0", got)
	}
}

// TestHypercubes_coordlessKnownCells checks that a known cell without coordinates (an empty
// cell of pupils of unknown gender, published as a zero without dimensions) does not hide the
// dimension its relation runs along: the audit of published figures found 7 times as many
// cells too narrow as Protect did on the municipality profile for want of it.
func TestHypercubes_coordlessKnownCells(t *testing.T) {
	// rows r0, r1, total; columns c0, c1, u (empty, no coordinates), total.
	counts := [3][4]float64{{5, 7, 0, 12}, {9, 4, 0, 13}, {14, 11, 0, 25}}
	var cells []Cell
	idx := func(r, c int) int { return r*4 + c }
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			cell := Cell{Key: "x", Count: counts[r][c], Group: 20, Coords: []int32{int32(r), int32(c)}}
			if c == 2 {
				cell.Coords = nil
			}
			cells = append(cells, cell)
		}
	}
	var rels []Relation
	for r := 0; r < 3; r++ {
		rels = append(rels, Relation{Total: idx(r, 3), Parts: []int{idx(r, 0), idx(r, 1), idx(r, 2)}})
	}
	for c := 0; c < 4; c++ {
		rels = append(rels, Relation{Total: idx(2, c), Parts: []int{idx(0, c), idx(1, c)}})
	}
	sys, err := newSystem(len(cells), rels)
	if err != nil {
		t.Fatal(err)
	}
	h := newHypercubes(len(cells), func(i int) []int32 { return cells[i].Coords }, sys)
	for r := 0; r < 3; r++ {
		if got := h.relDim[r]; got != 1 {
			t.Errorf("row relation %d runs along dimension %d, want 1", r, got)
		}
	}
	for _, tc := range []struct {
		name   string
		hidden []int
		want   map[int]int8
	}{
		{"the four inner cells hidden", []int{idx(0, 0), idx(0, 1), idx(1, 0), idx(1, 1)},
			map[int]int8{idx(0, 0): 1, idx(0, 1): -1, idx(1, 0): -1, idx(1, 1): 1}},
		{"the unknown column hidden too: still never a corner", []int{idx(0, 0), idx(0, 1), idx(1, 0), idx(1, 1), idx(0, 2), idx(1, 2)},
			map[int]int8{idx(0, 0): 1, idx(0, 1): -1, idx(1, 0): -1, idx(1, 1): 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &problem{sys: sys, hidden: make([]bool, len(cells)), lo: make([]float64, len(cells)),
				hi: make([]float64, len(cells)), value: make([]float64, len(cells)), coded: make([]bool, len(cells))}
			for i := range cells {
				p.value[i], p.hi[i] = cells[i].Count, 1e9
			}
			for _, c := range tc.hidden {
				p.hidden[c] = true
			}
			got := h.find(p, func(c int32) float64 { return cells[c].Count }, int32(idx(0, 0)), 2, 1, nil)
			if len(got) != len(tc.want) {
				t.Fatalf("find = %v, want %v", got, tc.want)
			}
			for c, s := range tc.want {
				if got[int32(c)] != s {
					t.Fatalf("find = %v, want %v", got, tc.want)
				}
			}
		})
	}
}
