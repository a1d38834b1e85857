package reports

import (
	"context"
	"errors"
	"testing"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// TestCube_publish checks the published rows, relations and bounds for each protection status.
func TestCube_publish(t *testing.T) {
	c := buildFixture(t)
	idx := map[string]int{}
	for i, cl := range c.Cells {
		idx[cl.Key] = i
	}
	band := anonymize.Band{Low: 0.9, High: 1, Label: "≥90 %"}
	outcomes := map[string]outcome{
		"grade_distribution|VT2025|school_unit|11111111|9|MA||E": {status: anonymize.SuppressedPrimary},
		"grade_distribution|VT2025|school_unit|11111111|9|MA||A": {status: anonymize.SuppressedSecondary},
		"eligibility|VT2025|nation|SE|9|||vocational":            {status: anonymize.Coded, band: band},
		"grade_distribution|VT2025|school_unit|33333333|7|MA||":  {status: anonymize.Missing},
	}
	cells, rels, bounds, err := c.publish(func(i int) outcome {
		if o, ok := outcomes[c.Cells[i].Key]; ok {
			return o
		}
		return outcome{status: anonymize.Shown}
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]snapshot.Cell{}
	ids := map[int64]snapshot.Cell{}
	for _, r := range cells {
		if _, dup := ids[r.ID]; dup {
			t.Fatalf("duplicate cell id %d", r.ID)
		}
		ids[r.ID] = r
		rows[rowKey(r)] = r
	}
	tests := []struct {
		key, status, display string
		value                *float64
	}{
		{"merit_value|VT2025|school_unit|11111111|9||F||mean", "shown", "175,0", ptr(175.0)},
		{"merit_value|VT2025|school_unit|11111111|9||F||n", "shown", "4", ptr(4.0)},
		{"eligibility|VT2025|school_unit|11111111|9|||vocational|share", "shown", "66,7\u00a0%", ptr(6.0 / 9)},
		{"absence|2024-09|school_unit|22222222|7|||invalid|share", "shown", "7,5\u00a0%", ptr(0.075)},
		{"grade_distribution|VT2025|school_unit|11111111|9|MA||E|count", "suppressed_primary", "..", nil},
		{"grade_distribution|VT2025|school_unit|11111111|9|MA||E|share", "suppressed_primary", "..", nil},
		{"grade_distribution|VT2025|school_unit|11111111|9|MA||A|share", "suppressed_secondary", "..", nil},
		{"eligibility|VT2025|nation|SE|9|||vocational|share", "coded", "≥90 %", nil},
		{"eligibility|VT2025|nation|SE|9|||vocational|count", "coded", "..", nil},
		{"grade_distribution|VT2025|school_unit|33333333|7|MA|||count", "missing", "–", nil},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			r, ok := rows[tt.key]
			if !ok {
				t.Fatal("not published")
			}
			if r.Status != tt.status || r.Display != tt.display {
				t.Errorf("status %q display %q, want %q %q", r.Status, r.Display, tt.status, tt.display)
			}
			switch {
			case tt.value == nil && r.Value != nil:
				t.Errorf("value %v, want null", *r.Value)
			case tt.value != nil && (r.Value == nil || *r.Value-*tt.value > 1e-12 || *tt.value-*r.Value > 1e-12):
				t.Errorf("value %v, want %v", r.Value, *tt.value)
			}
		})
	}
	if len(rels) != len(c.Relations) || len(bounds) != len(c.Cells) {
		t.Fatalf("%d relations, %d bounds; want %d, %d", len(rels), len(bounds), len(c.Relations), len(c.Cells))
	}
	boundOf := map[int64]snapshot.Bound{}
	for _, b := range bounds {
		boundOf[b.CellID] = b
	}
	t.Run("bounds", func(t *testing.T) {
		check := func(key string, lo float64, hi *float64) {
			t.Helper()
			r := rows[key]
			b, ok := boundOf[r.ID]
			if !ok {
				t.Fatalf("%s: no bound", key)
			}
			if b.Lower != lo || (hi == nil) != (b.Upper == nil) || (hi != nil && *hi != *b.Upper) {
				t.Errorf("%s: bound [%v, %v], want [%v, %v]", key, b.Lower, b.Upper, lo, hi)
			}
		}
		check("merit_value|VT2025|school_unit|11111111|9||F||n", 4, ptr(4.0))
		check("grade_distribution|VT2025|school_unit|11111111|9|MA||E|count", 0, nil)
		// A coded count is unbounded: band × denominator would leak a hidden denominator.
		check("eligibility|VT2025|nation|SE|9|||vocational|count", 0, nil)
		check("grade_distribution|VT2025|school_unit|33333333|7|MA|||count", 0, ptr(0.0))
	})
	t.Run("relations over additive rows and internal cells", func(t *testing.T) {
		internal := 0
		for _, terms := range rels {
			if terms[0].Coef != 1 {
				t.Fatalf("total coefficient %v, want 1", terms[0].Coef)
			}
			for _, term := range terms {
				r, ok := ids[term.CellID]
				if !ok {
					b, ok := boundOf[term.CellID]
					if !ok || b.Upper != nil || b.Lower != 0 {
						t.Fatalf("relation term %d is neither a published row nor an internal cell", term.CellID)
					}
					internal++
					continue
				}
				if r.Measure != "count" && r.Measure != "n" {
					t.Fatalf("relation over a %s row", r.Measure)
				}
			}
		}
		if internal == 0 {
			t.Error("no relation reaches an internal (unknown gender) cell")
		}
	})
	if _, _, _, err := c.Publish(nil); !errors.Is(err, ErrResultMismatch) {
		t.Errorf("Publish(nil): err = %v, want ErrResultMismatch", err)
	}
}

// TestCube_Publish runs the fixture cube (the statistics with cross-statistic links and the
// usage ones; the per-subject cubes would only slow it) through the real protection engine and
// checks that nothing computed over fewer than k pupils is shown; it is skipped until
// anonymize.Protect exists.
func TestCube_Publish(t *testing.T) {
	db := openWarehouse(t, "fixture.sql")
	c, err := Build(context.Background(), db, Options{Now: fixtureNow, Statistics: []string{
		PassedAllSubjects, MeritValue, Eligibility, Absence, HighAbsence, ActiveUsers, FeatureUse}})
	if err != nil {
		t.Fatal(err)
	}
	pol := anonymize.DefaultPolicy()
	res, err := anonymize.Protect(c.Cells, c.Relations, pol, nil)
	if errors.Is(err, anonymize.ErrNotImplemented) {
		t.Skip("anonymize.Protect is not implemented yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	cells, rels, bounds, err := c.Publish(res)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != len(c.Relations) || len(bounds) != len(c.Cells) {
		t.Fatalf("%d relations, %d bounds; want %d, %d", len(rels), len(bounds), len(c.Relations), len(c.Cells))
	}
	for _, r := range cells {
		if r.Status == snapshot.StatusShown && r.Value == nil {
			t.Errorf("%s: shown without a value", rowKey(r))
		}
		if r.Status != snapshot.StatusShown && r.Value != nil {
			t.Errorf("%s: %s with a value", rowKey(r), r.Status)
		}
	}
	// Every shown additive row rests on at least k pupils or users.
	for i, cl := range c.Cells {
		if res.Outcome(i).Status() == anonymize.Shown && cl.Group < float64(pol.K) && !cl.Structural {
			t.Errorf("%s shown over %v < k", cl.Key, cl.Group)
		}
	}
}
