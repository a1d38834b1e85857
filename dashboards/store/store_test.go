package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/dashboards/testsnap"
)

func openFixture(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := testsnap.Publish(ctx, dir, "run1", 0); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

func TestStore_Open_noSnapshot(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("Open without snapshot: %v", err)
	}
	if st.Ready() {
		t.Error("Ready() = true without a snapshot")
	}
	if _, err := st.Current(); !errors.Is(err, store.ErrNoSnapshot) {
		t.Errorf("Current() err = %v, want ErrNoSnapshot", err)
	}
}

func TestSnapshot_Cells(t *testing.T) {
	st, _ := openFixture(t)
	snap, err := st.Current()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snap.NumCells(), len(testsnap.Cells(0)); got != want {
		t.Fatalf("NumCells = %d, want %d", got, want)
	}
	if got := snap.Meta().RunID; got != "run1" {
		t.Errorf("RunID = %q", got)
	}
	if a, ok := snap.Area("school_unit", "10000001"); !ok || a.OrganiserID != "K0180" || a.Name != "Ekskolan" {
		t.Errorf("Area = %+v, %v", a, ok)
	}
	ctx := context.Background()
	tests := []struct {
		name    string
		f       store.Filter
		want    int
		wantErr error
	}{
		{"one area, totals", store.Filter{Statistic: "passed_all", AreaCode: []string{"10000001"}, Period: []string{"VT2025"},
			GradeLevel: []string{""}, Gender: []string{""}, Measure: []string{"share"}}, 1, nil},
		{"duplicate values", store.Filter{Statistic: "passed_all", AreaCode: []string{"10000001", "10000001"}, Period: []string{"VT2025", "VT2025"},
			GradeLevel: []string{""}, Gender: []string{""}, Measure: []string{"share"}}, 1, nil},
		{"two periods", store.Filter{Statistic: "passed_all", AreaCode: []string{"10000001"}, Period: []string{"VT2025", "VT2024"},
			GradeLevel: []string{""}, Gender: []string{""}, Measure: []string{"share"}}, 2, nil},
		{"gender split", store.Filter{Statistic: "passed_all", AreaCode: []string{"10000001"}, Period: []string{"VT2025"},
			GradeLevel: []string{"9"}, Gender: []string{"F", "M"}}, 4, nil},
		{"level", store.Filter{Statistic: "passed_all", AreaLevel: []string{"school_unit"}}, 4 * 2 * 2 * 3 * 2, nil},
		{"all of one", store.Filter{Statistic: "active_users"}, 8, nil},
		{"category null", store.Filter{Statistic: "active_users", Category: []string{""}}, 4, nil},
		{"visible only", store.Filter{Statistic: "passed_all", Visible: func(l, c string) bool { return c == "SE" }}, 24, nil},
		{"unknown statistic", store.Filter{Statistic: "nope"}, 0, store.ErrNotFound},
		{"unknown area", store.Filter{Statistic: "passed_all", AreaCode: []string{"99999999"}}, 0, store.ErrNotFound},
		{"foreign area", store.Filter{Statistic: "passed_all", AreaCode: []string{"20000001"},
			Visible: func(l, c string) bool { return c != "20000001" }}, 0, store.ErrNotFound},
		{"unknown period", store.Filter{Statistic: "passed_all", Period: []string{"VT1999"}}, 0, store.ErrInvalid},
		{"bad grade", store.Filter{Statistic: "passed_all", GradeLevel: []string{"nine"}}, 0, store.ErrInvalid},
		{"unknown gender", store.Filter{Statistic: "passed_all", Gender: []string{"X"}}, 0, store.ErrInvalid},
		{"no subject on it", store.Filter{Statistic: "passed_all", Subject: []string{"MA"}}, 0, store.ErrInvalid},
		{"bad level", store.Filter{Statistic: "passed_all", AreaLevel: []string{"county"}}, 0, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells, err := snap.Cells(ctx, tt.f)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(cells) != tt.want {
				t.Errorf("got %d cells, want %d", len(cells), tt.want)
			}
			for _, c := range cells {
				if c.Statistic != tt.f.Statistic {
					t.Errorf("cell of statistic %q", c.Statistic)
				}
				if c.Status != "shown" && c.Value != nil {
					t.Errorf("hidden cell %d carries a value", c.ID)
				}
			}
		})
	}
}

func TestStore_Reload(t *testing.T) {
	st, dir := openFixture(t)
	ctx := context.Background()
	before, _ := st.Current()
	if err := st.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if same, _ := st.Current(); same != before {
		t.Error("Reload without a new CURRENT replaced the snapshot")
	}
	if _, err := testsnap.Publish(ctx, dir, "run2", 1); err != nil {
		t.Fatal(err)
	}
	if err := st.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Current()
	if got := after.Meta().RunID; got != "run2" {
		t.Errorf("after reload RunID = %q, want run2", got)
	}
	if got := before.Meta().RunID; got != "run1" {
		t.Errorf("old snapshot changed: %q", got)
	}
}
