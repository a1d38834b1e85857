package anonymize

import (
	"slices"
	"testing"
)

// TestNewSystemTerms_orient checks that a relation reads the same whichever of its two signs a
// snapshot writes it in: as newSystem writes a total and its parts.
func TestNewSystemTerms_orient(t *testing.T) {
	fromRelations, err := newSystem(5, []Relation{{Total: 0, Parts: []int{1, 2, 3}}, {Total: 4, Parts: []int{1}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rels [][]term
	}{
		{"total positive", [][]term{{{0, 1}, {1, -1}, {2, -1}, {3, -1}}, {{4, 1}, {1, -1}}}},
		{"total negative", [][]term{{{0, -1}, {1, 1}, {2, 1}, {3, 1}}, {{4, -1}, {1, 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys, err := newSystemTerms(5, tc.rels)
			if err != nil {
				t.Fatal(err)
			}
			for ri, want := range fromRelations.rels {
				if got := sys.rels[ri]; !slices.Equal(got, want) {
					t.Errorf("relation %d = %v, want %v", ri, got, want)
				}
			}
			for c := range 5 {
				if got, want := sys.cellCoef[c], fromRelations.cellCoef[c]; !slices.Equal(got, want) {
					t.Errorf("coefficients of cell %d = %v, want %v", c, got, want)
				}
			}
		})
	}
}
