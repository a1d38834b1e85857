package anonymize

import (
	"context"
	"errors"
	"testing"
)

// TestAuditTermsFrom checks that a witness never changes the audit's verdict and that one
// which does not fit the published figures is refused.
func TestAuditTermsFrom(t *testing.T) {
	// total = a + b + c; total = 10 shown.
	rels := [][]Term{{{0, 1}, {1, -1}, {2, -1}, {3, -1}}}
	pol := DefaultPolicy()
	for _, tc := range []struct {
		name      string
		cells     []Public
		witness   []float64
		wantFail  int
		wantError error
	}{
		{"two hidden parts of 4 stay wide", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Unbounded: true},
			{Key: "b", Unbounded: true}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 3, 1, 6}, 0, nil},
		{"two hidden parts of 1 are too narrow", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Unbounded: true},
			{Key: "b", Unbounded: true}, {Key: "c", Shown: true, Value: 9}}, []float64{10, 1, 0, 9}, 2, nil},
		{"one hidden part is pinned", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Unbounded: true},
			{Key: "b", Shown: true, Value: 3}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 1, 3, 6}, 1, nil},
		{"a coded zero beside shown parts is disclosed", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Coded: true, Lo: 0, Hi: 1},
			{Key: "b", Shown: true, Value: 4}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 0, 4, 6}, 1, nil},
		{"witness off a shown value", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Unbounded: true},
			{Key: "b", Unbounded: true}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 3, 2, 5}, 0, ErrWitness},
		{"witness off a relation", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Unbounded: true},
			{Key: "b", Unbounded: true}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 3, 3, 6}, 0, ErrWitness},
		{"witness outside a band", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Coded: true, Lo: 0, Hi: 1},
			{Key: "b", Unbounded: true}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 2, 2, 6}, 0, ErrWitness},
		{"witness of the wrong length", []Public{{Key: "t", Shown: true, Value: 10}, {Key: "a", Unbounded: true},
			{Key: "b", Unbounded: true}, {Key: "c", Shown: true, Value: 6}}, []float64{10, 3, 1}, 0, ErrWitness},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			got, err := AuditTermsFrom(ctx, tc.cells, rels, pol, tc.witness)
			if tc.wantError != nil {
				if !errors.Is(err, tc.wantError) {
					t.Fatalf("AuditTermsFrom error = %v, want %v", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			without, err := AuditTerms(ctx, tc.cells, rels, pol)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Failures) != tc.wantFail || len(without.Failures) != tc.wantFail {
				t.Errorf("failures with witness %d, without %d, want %d", len(got.Failures), len(without.Failures), tc.wantFail)
			}
		})
	}
}
