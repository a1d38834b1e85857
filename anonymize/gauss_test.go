package anonymize

import (
	"context"
	"fmt"
	"testing"
)

// TestProtector_gauss checks that the elimination pass alone leaves no hidden cell exactly
// disclosed by the relations: a two-way table with margins and one small interior cell.
func TestProtector_gauss(t *testing.T) {
	tests := []struct {
		name  string
		inner [3][3]float64
	}{
		{"one small cell", [3][3]float64{{3, 40, 50}, {30, 60, 45}, {25, 35, 70}}},
		{"two small cells in a row", [3][3]float64{{3, 4, 50}, {30, 60, 45}, {25, 35, 70}}},
		{"small cells on a diagonal", [3][3]float64{{3, 40, 50}, {30, 6, 45}, {25, 35, 7}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// cells: inner 0..8, row totals 9..11, column totals 12..14, grand total 15.
			cells := make([]Cell, 16)
			var rels []Relation
			for r := 0; r < 3; r++ {
				for c := 0; c < 3; c++ {
					v := tt.inner[r][c]
					cells[r*3+c] = Cell{Key: fmt.Sprintf("r%dc%d", r, c), Count: v, Group: v}
					cells[9+r].Count += v
					cells[12+c].Count += v
					cells[15].Count += v
				}
			}
			for i := 9; i < 16; i++ {
				cells[i].Key, cells[i].Group = fmt.Sprintf("total%d", i), cells[i].Count
			}
			for r := 0; r < 3; r++ {
				rels = append(rels, Relation{Total: 9 + r, Parts: []int{r * 3, r*3 + 1, r*3 + 2}})
				rels = append(rels, Relation{Total: 12 + r, Parts: []int{r, 3 + r, 6 + r}})
			}
			rels = append(rels, Relation{Total: 15, Parts: []int{9, 10, 11}}, Relation{Total: 15, Parts: []int{12, 13, 14}})
			sys, err := newSystem(len(cells), rels)
			if err != nil {
				t.Fatal(err)
			}
			pr := newProtector(cells, sys, DefaultPolicy(), nil)
			if err := pr.gauss(context.Background()); err != nil {
				t.Fatal(err)
			}
			res := pr.result()
			if got := res.Stats().Secondary; got == 0 {
				t.Fatalf("got no secondary suppression, want some around the small cells")
			}
			if res.Outcome(15).Status() != Shown {
				t.Errorf("grand total %v, want shown (totals are kept visible)", res.Outcome(15).Status())
			}
			rep, err := Audit(context.Background(), res.Public(cells), rels, DefaultPolicy())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				if f.Reason == "exactly disclosed by the relations" {
					t.Errorf("%s is exactly disclosed after the elimination pass", f.Key)
				}
			}
		})
	}
}
