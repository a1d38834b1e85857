package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/nightly"
	"github.com/skolstat/skolstat/etl/snapshot"
	"github.com/skolstat/skolstat/etl/warehouse"
	"github.com/skolstat/skolstat/reports"
)

// subjects16 are the subjects of a year-9 leaving certificate (SV standing for SV or SVA).
var subjects16 = []string{"SV", "EN", "MA", "BI", "FY", "KE", "GE", "HI", "RE", "SH", "BL", "HKK", "IDH", "MU", "SL", "TK"}

// newWarehouse writes a warehouse with one municipality, one organiser and two school units:
// a large one with big year-9 groups and a small one with a handful of pupils.
func newWarehouse(tb testing.TB, large, small int) string {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "warehouse.duckdb")
	db, err := duck.Open(ctx, path, duck.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := warehouse.Create(ctx, db); err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO organisers VALUES ('K0180', 'Stockholms kommun', 'municipal', '0180');
INSERT INTO school_units VALUES ('11111111', 'Stora skolan', 'K0180', '0180'), ('22222222', 'Lilla skolan', 'K0180', '0180');
`)
	for _, s := range subjects16 {
		fmt.Fprintf(&b, "INSERT INTO subjects VALUES ('%s', '%s', '%s');\n", s, s, s)
	}
	grades := "ABCDEEEF"
	id := 0
	for unit, n := range map[string]int{"11111111": large, "22222222": small} {
		for i := 0; i < n; i++ {
			id++
			pupil := fmt.Sprintf("00000000-0000-0000-0000-%012d", id)
			gender := "FM"[id%2 : id%2+1]
			fmt.Fprintf(&b, "INSERT INTO pupils VALUES ('%s', '%s', 2010, false);\n", pupil, gender)
			fmt.Fprintf(&b, "INSERT INTO placements VALUES (%d, '%s', '%s', '2024/25', 9, '2024-08-19', NULL);\n", id, pupil, unit)
			for k, s := range subjects16 {
				g := grades[(id+k)%len(grades)]
				fmt.Fprintf(&b, "INSERT INTO grades VALUES (%d, '%s', '%s', '%s', 'VT2025', 9, '%c', true, '2025-06-10');\n",
					id*100+k, pupil, unit, s, g)
			}
		}
	}
	if _, err := db.ExecContext(ctx, b.String()); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestBuilder_Build(t *testing.T) {
	ctx := context.Background()
	db, err := duck.Open(ctx, newWarehouse(t, 40, 4), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dataDir := t.TempDir()
	b := &Builder{Statistics: []string{"merit_value", "passed_all_subjects", "eligibility"}}
	content, err := b.Build(ctx, db, nightly.RunInfo{ID: "test", DataDir: dataDir,
		ExtractedAt: time.Date(2025, 11, 1, 2, 0, 0, 0, time.UTC), Source: "test"})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(content.Cells) == 0 || len(content.Relations) == 0 || len(content.Bounds) == 0 {
		t.Fatalf("got %d cells, %d relations, %d bounds; want all non-empty", len(content.Cells), len(content.Relations), len(content.Bounds))
	}
	n := map[string]float64{} // group size per figure, from the n and count cells at the school units
	shown := map[string]int{}
	for _, c := range content.Cells {
		shown[c.Status]++
		if c.Status == snapshot.StatusShown && c.Value == nil {
			t.Errorf("shown cell %d has no value", c.ID)
		}
		if c.Status != snapshot.StatusShown && c.Value != nil {
			t.Errorf("%s cell %d carries a value", c.Status, c.ID)
		}
		if c.AreaCode == "22222222" && c.Status == snapshot.StatusShown {
			t.Errorf("a figure of the school unit with 4 pupils is shown: %s %s %s", c.Statistic, c.Measure, c.Display)
		}
		if c.AreaCode == "22222222" && c.Display != ".." && c.Status != snapshot.StatusMissing {
			t.Errorf("hidden figure displays %q, want ..", c.Display)
		}
		if c.Measure == "n" && c.Value != nil {
			n[c.Statistic+c.Period+c.AreaCode] = *c.Value
		}
	}
	if shown[snapshot.StatusShown] == 0 {
		t.Errorf("no figure shown at all: %v", shown)
	}
	// The municipality is the two school units: if both the municipality's and the large
	// unit's group sizes were shown, the small unit's would follow by subtraction.
	for k, v := range n {
		if strings.Contains(k, "11111111") {
			if _, ok := n[strings.Replace(k, "11111111", "0180", 1)]; ok {
				t.Errorf("both the large unit's group (%v) and the municipality's are shown: %s", v, k)
			}
		}
	}
	// The audit of the published content passes, independently of Protect and without the
	// true values (as `skolstat audit` runs it).
	rep, err := Audit(ctx, content.Cells, content.Relations, content.Bounds, anonymize.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) > 0 {
		t.Errorf("audit of the published content: %d failures, first %+v", len(rep.Failures), rep.Failures[0])
	}
	if _, err := os.Stat(filepath.Join(dataDir, LedgerFile)); err != nil {
		t.Errorf("ledger not saved: %v", err)
	}
}

func TestAudit_findsDisclosure(t *testing.T) {
	// total 30 = a + b with a shown 26 and b hidden: b is 4 for anyone who subtracts.
	v := func(f float64) *float64 { return &f }
	cells := []snapshot.Cell{
		{ID: 1, Statistic: "s", Measure: "count", Status: snapshot.StatusShown, Value: v(30), Display: "30"},
		{ID: 2, Statistic: "s", Measure: "count", Status: snapshot.StatusShown, Value: v(26), Display: "26"},
		{ID: 3, Statistic: "s", Measure: "count", Status: snapshot.StatusSuppressedPrimary, Display: ".."},
	}
	rels := [][]snapshot.Term{{{CellID: 1, Coef: 1}, {CellID: 2, Coef: -1}, {CellID: 3, Coef: -1}}}
	bounds := []snapshot.Bound{{CellID: 1, Lower: 30, Upper: v(30)}, {CellID: 2, Lower: 26, Upper: v(26)}, {CellID: 3}}
	// The true counts as a witness (the release gate) must not change the verdict.
	for _, witness := range [][]float64{nil, {30, 26, 4}} {
		rep, err := Audit(context.Background(), cells, rels, bounds, anonymize.DefaultPolicy(), witness)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Failures) != 1 {
			t.Fatalf("witness %v: got %d failures, want 1 (the hidden cell is pinned)", witness, len(rep.Failures))
		}
		if msg := describe(rep); !strings.Contains(msg, "1 hidden cells") {
			t.Errorf("describe = %q", msg)
		}
	}

}

func TestBuilder_Budget(t *testing.T) {
	ctx := context.Background()
	db, err := duck.Open(ctx, newWarehouse(t, 40, 4), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stats := []string{"merit_value", "passed_all_subjects", "eligibility"}
	at := time.Date(2025, 11, 1, 2, 0, 0, 0, time.UTC)
	cube, err := reports.Build(ctx, db, reports.Options{Now: at, Statistics: stats})
	if err != nil {
		t.Fatal(err)
	}
	largest := stats[0]
	for _, s := range stats {
		if cube.PerStatistic[s] > cube.PerStatistic[largest] {
			largest = s
		}
	}
	t.Run("no time at all withholds every statistic and blocks the release", func(t *testing.T) {
		b := &Builder{Statistics: stats, Budget: time.Nanosecond}
		_, err := b.Build(ctx, db, nightly.RunInfo{ID: "test", DataDir: t.TempDir(), ExtractedAt: at, Source: "test"})
		if !errors.Is(err, nightly.ErrReleaseBlocked) || !errors.Is(err, ErrWithheld) {
			t.Fatalf("got %v, want a blocked release with statistics withheld", err)
		}
		msg := err.Error()
		for _, s := range stats {
			if !strings.Contains(msg, s) {
				t.Errorf("error %q does not name withheld %s", msg, s)
			}
		}
		if i := strings.Index(msg, "("); i < 0 || !strings.HasPrefix(msg[i+1:], largest) {
			t.Errorf("error %q: want %s, the statistic with the most cells, withheld first", msg, largest)
		}
	})
	t.Run("time enough withholds nothing", func(t *testing.T) {
		b := &Builder{Statistics: stats, Budget: 10 * time.Minute}
		content, err := b.Build(ctx, db, nightly.RunInfo{ID: "test", DataDir: t.TempDir(), ExtractedAt: at, Source: "test"})
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		if got := content.Notes["statistics_withheld"]; got != 0 {
			t.Errorf("statistics_withheld = %d, want 0", got)
		}
		if got := len(content.Statistics); got != len(stats) {
			t.Errorf("published %d statistics, want %d", got, len(stats))
		}
	})
}
