package anonymize

import (
	"context"
	"math"
	"testing"
)

// TestCodedPasses: a band hides how close a share is to its homogeneous end, so the attacker
// must not rule out the band's inner limit, and the count must span the protection width
// (or the whole band, when that is narrower) in whole values.
func TestCodedPasses(t *testing.T) {
	const width = 2
	inf := math.Inf(1)
	tests := []struct {
		name         string
		lo, hi, a, b float64 // band and attacker's interval, in counts
		want         bool
	}{
		{"low band: up to its top, away from 0", 0, 30, 25, 30, true},
		{"low band: its top ruled out", 0, 30, 0, 29, false},
		{"low band: its top reached but one value only", 0, 30, 29.5, 30, false},
		{"low band: top and two values", 0, 30, 28, 30.4, true},
		{"low band: rounding of the limits", 0, 30, 28 + 1e-9, 30 - 1e-9, true},
		{"narrow low band: whole band", 0, 1.5, 0, 1.5, true},
		{"narrow low band: 0 ruled out", 0, 1.5, 1, 1.5, false},
		{"high band: down to its bottom, away from the group", 27, 30, 27, 29, true},
		{"high band: its bottom ruled out", 27, 30, 28, 30, false},
		{"high band: bottom reached but one value only", 27, 30, 26.9, 27.8, false},
		{"band whose counts are unpublished: two values", 0, inf, 3, 4, true},
		{"band whose counts are unpublished: one value", 0, inf, 3, 3.5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codedPasses(tt.a, tt.b, tt.lo, tt.hi, width); got != tt.want {
				t.Errorf("codedPasses([%v, %v] in band [%v, %v]) = %v, want %v", tt.a, tt.b, tt.lo, tt.hi, got, tt.want)
			}
		})
	}
}

// TestProblem_attempts: the moves that protect a coded count reach its band's inner limit and
// then span the rest of the width the other way.
func TestProblem_attempts(t *testing.T) {
	tests := []struct {
		name      string
		lo, hi, x float64
		want      [][2]float64
	}{
		{"low band, far from its top", 0, 30, 25, [][2]float64{{5, 1}}},
		{"low band, one below its top", 0, 30, 29, [][2]float64{{1, 1}, {1, -1}}},
		{"low band, at its top", 0, 30, 30, [][2]float64{{2, -1}}},
		{"narrow low band at 0", 0, 1.5, 0, [][2]float64{{1, 1}}},
		{"high band at the whole group", 27, 30, 30, [][2]float64{{3, -1}}},
		{"narrow high band at its bottom", 13.5, 15, 14, [][2]float64{{1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &problem{coded: []bool{true}, lo: []float64{tt.lo}, hi: []float64{tt.hi}, width: 2}
			got := p.attempts(0, tt.x)
			if len(got) != len(tt.want) {
				t.Fatalf("attempts = %v, want %v", got, tt.want)
			}
			for i := range got {
				if math.Abs(got[i][0]-tt.want[i][0]) > 1e-9 || got[i][1] != tt.want[i][1] {
					t.Errorf("attempts = %v, want %v", got, tt.want)
				}
			}
			lo, hi := tt.x, tt.x
			for _, at := range got {
				v := tt.x + at[0]*at[1]
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			if !codedPasses(lo, hi, tt.lo, tt.hi, 2) {
				t.Errorf("the moves reach [%v, %v], which codedPasses rejects", lo, hi)
			}
		})
	}
}

// TestProblem_localRows holds the cells outside a neighbourhood at a feasible point that fits
// the relations only to rounding (as one found by projections does): the neighbourhood's
// equations must still be consistent, and pin what the point pins.
func TestProblem_localRows(t *testing.T) {
	// Cells: 0 = total (shown, 10), 1 = a, 2 = b, 3 = c, all hidden; total = a + b, a = c.
	sys, err := newSystem(4, []Relation{{Total: 0, Parts: []int{1, 2}}, {Total: 1, Parts: []int{3}}})
	if err != nil {
		t.Fatal(err)
	}
	p := &problem{sys: sys, hidden: []bool{false, true, true, true}, value: []float64{10, 0, 0, 0},
		lo: make([]float64, 4), hi: []float64{0, math.Inf(1), math.Inf(1), math.Inf(1)}, width: 2}
	x := []float64{10, 5, 5.00002, 5} // a + b is off by 2e-5
	rows := p.localRows([]int32{1}, x)
	e, err := reduce(context.Background(), 1, rows)
	if err != nil {
		t.Fatalf("reduce over {a}: %v, want consistent equations", err)
	}
	if got, ok := e.determined(0); !ok || math.Abs(got-5) > 1e-4 {
		t.Errorf("a over {a}: determined %v (%v), want pinned near 5", got, ok)
	}
}
