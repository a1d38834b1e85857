package reports

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skolstat/skolstat/anonymize"
)

// TestBuild_figures checks the figures worked out by hand in testdata/fixture.sql.
func TestBuild_figures(t *testing.T) {
	c := buildFixture(t)
	got := map[string]float64{}
	for _, r := range allShown(t, c) {
		if r.Value != nil {
			got[rowKey(r)] = *r.Value
		}
	}
	tests := []struct {
		name string
		want map[string]float64
	}{
		{"merit value: 16 best, ML raises (never lowers), no passing grade left out", map[string]float64{
			"merit_value|VT2025|school_unit|11111111|9||||n":     8,
			"merit_value|VT2025|school_unit|11111111|9||||mean":  1250.0 / 8,
			"merit_value|VT2025|school_unit|11111111|9||F||n":    4,
			"merit_value|VT2025|school_unit|11111111|9||F||mean": 175,
			"merit_value|VT2025|school_unit|11111111|9||M||mean": 470.0 / 3,
			"merit_value|VT2025|school_unit|33333333|9||||mean":  257.5,
			"merit_value|VT2025|organiser|K0180|9||||mean":       170,
			"merit_value|VT2025|municipality|1480|9||||n":        1,
			"merit_value|VT2025|nation|SE|9||||n":                10,
			"merit_value|VT2025|nation|SE|9||||mean":             178.75,
			"merit_value|VT2025|nation|SE|9||F||mean":            196,
		}},
		{"mover attributed once, at the school unit of the latest leaving grade", map[string]float64{
			"merit_value|VT2025|school_unit|22222222|9||||n":                   1,
			"merit_value|VT2025|school_unit|22222222|9||||mean":                280,
			"passed_all_subjects|VT2025|school_unit|22222222|9||||count":       1,
			"passed_all_subjects|VT2025|school_unit|22222222|9|||passed|count": 1,
			// per subject, the grade counts where it was registered
			"grade_distribution|VT2025|school_unit|11111111|9|SL|||count":  10,
			"grade_distribution|VT2025|school_unit|22222222|9|SL|||count":  0,
			"grade_distribution|VT2025|school_unit|22222222|9|MA||B|count": 1,
			"grade_distribution|HT2024|school_unit|11111111|9|MA||C|count": 1,
		}},
		{"eligibility: exactly 8 with SV/SVA, EN, MA; 12 with programme subjects", map[string]float64{
			"eligibility|VT2025|school_unit|11111111|9||||count":                      9,
			"eligibility|VT2025|school_unit|11111111|9|||vocational|count":            6,
			"eligibility|VT2025|school_unit|11111111|9|||vocational|share":            6.0 / 9,
			"eligibility|VT2025|school_unit|11111111|9|||preparatory_economics|count": 4,
			"eligibility|VT2025|school_unit|11111111|9|||preparatory_arts|count":      5,
			"eligibility|VT2025|school_unit|11111111|9|||preparatory_science|count":   4,
			"eligibility|VT2025|school_unit|11111111|9||F||count":                     4,
			"eligibility|VT2025|school_unit|11111111|9||F|preparatory_science|count":  2,
			"eligibility|VT2025|nation|SE|9||||count":                                 11,
			"eligibility|VT2025|nation|SE|9|||vocational|count":                       8,
		}},
		{"passed all subjects: F and - fail it, year 6 and 9", map[string]float64{
			"passed_all_subjects|VT2025|school_unit|11111111|9||||count":       9,
			"passed_all_subjects|VT2025|school_unit|11111111|9|||passed|count": 2,
			"passed_all_subjects|VT2025|school_unit|11111111|6||||count":       2,
			"passed_all_subjects|VT2025|school_unit|11111111|6|||passed|share": 0.5,
			"passed_all_subjects|VT2025|nation|SE|9|||passed|count":            4,
		}},
		{"grade distribution: - is not F; SV or SVA; latest registration", map[string]float64{
			"grade_distribution|VT2025|school_unit|11111111|9|MA|||count":   9,
			"grade_distribution|VT2025|school_unit|11111111|9|MA||A|count":  1,
			"grade_distribution|VT2025|school_unit|11111111|9|MA||B|count":  0,
			"grade_distribution|VT2025|school_unit|11111111|9|MA||E|count":  4,
			"grade_distribution|VT2025|school_unit|11111111|9|MA||E|share":  4.0 / 9,
			"grade_distribution|VT2025|school_unit|11111111|9|MA||F|count":  1,
			"grade_distribution|VT2025|school_unit|11111111|9|MA||-|count":  1,
			"grade_distribution|VT2025|school_unit|11111111|9|MA|F||count":  4,
			"grade_distribution|VT2025|school_unit|11111111|9|MA|F|E|count": 3,
			"grade_distribution|VT2025|school_unit|11111111|9|MA|M||count":  4,
			"grade_distribution|VT2025|school_unit|11111111|9|SV|||count":   8,
			"grade_distribution|VT2025|school_unit|11111111|9|SVA|||count":  1,
			"grade_distribution|VT2025|school_unit|11111111|6|MA||B|count":  1,
			"grade_distribution|VT2025|school_unit|11111111|6|MA||D|count":  0,
			"grade_distribution|VT2025|school_unit|11111111||MA|||count":    11,
		}},
		{"a subject nobody took: in the frame, zero", map[string]float64{
			"grade_distribution|VT2025|nation|SE||MOD|||count":              0,
			"grade_distribution|VT2025|school_unit|11111111|9|MOD||A|count": 0,
		}},
		{"test vs grade: lower, equal, higher; - left out", map[string]float64{
			"test_vs_grade|2024/25|school_unit|11111111|9|MA|||count":       4,
			"test_vs_grade|2024/25|school_unit|11111111|9|MA||lower|count":  1,
			"test_vs_grade|2024/25|school_unit|11111111|9|MA||equal|count":  2,
			"test_vs_grade|2024/25|school_unit|11111111|9|MA||equal|share":  0.5,
			"test_vs_grade|2024/25|school_unit|11111111|9|MA||higher|count": 1,
		}},
		{"absence: valid, invalid, total shares; mover at each school unit", map[string]float64{
			"absence|2024-09|school_unit|22222222|7||||n":            2,
			"absence|2024-09|school_unit|22222222|7|||valid|share":   0.1,
			"absence|2024-09|school_unit|22222222|7|||invalid|share": 0.075,
			"absence|2024-09|school_unit|22222222|7||||share":        0.175,
			"absence|2024-09|school_unit|11111111|9||||n":            1,
			"absence|2024-09|school_unit|11111111|9|||valid|share":   0.1,
			"absence|2024-09|nation|SE|||||n":                        3,
			"absence|2024-09|nation|SE|||||share":                    0.15,
			"absence|HT2024|nation|SE||||valid|share":                0.1,
			"absence|VT2025|organiser|K0180|9||||n":                  2,
			"absence|VT2025|organiser|K0180|9||||share":              600.0 / 4500,
			"absence|2025-01|school_unit|11111111|9|||invalid|share": 0,
		}},
		{"high absence: above 15 %, not at exactly 15 %", map[string]float64{
			"high_absence|HT2024|school_unit|22222222|7||||count":      2,
			"high_absence|HT2024|school_unit|22222222|7|||high|count":  1,
			"high_absence|HT2024|school_unit|22222222|7||M|high|count": 0,
			"high_absence|HT2024|school_unit|11111111|9|||high|count":  0,
			"high_absence|VT2025|school_unit|22222222|9|||high|count":  1,
			"high_absence|VT2025|school_unit|11111111|9||||count":      1,
			"high_absence|VT2025|organiser|K0180|9|||high|share":       0.5,
		}},
		{"assessment below E: the latest counts; freshness", map[string]float64{
			"assessment_not_reached|HT2024|school_unit|22222222|7|MA|||count":            2,
			"assessment_not_reached|HT2024|school_unit|22222222|7|MA||not_reached|count": 1,
			"assessment_not_reached|HT2024|school_unit|22222222|7|MA|||mean":             36.5,
		}},
		{"usage", map[string]float64{
			"active_users|2025-W10|nation|SE|||||count":                3,
			"active_users|2025-W10|nation|SE||||staff|count":           1,
			"active_users|2025-W10|nation|SE||||mobile|count":          2,
			"active_users|2025-W10|nation|SE||||tablet|count":          1,
			"active_users|2025-W10|nation|SE||||guardian/mobile|count": 1,
			"active_users|2025-W10|nation|SE||||staff/tablet|count":    0,
			"feature_use|2025-W10|nation|SE|||||count":                 5,
			"feature_use|2025-W10|nation|SE||||login|count":            2,
			"feature_use|2025-W10|nation|SE||||pupil|count":            2,
			"feature_use|2025-W10|nation|SE||||pupil/submit|count":     2,
			"feature_use|2025-W10|nation|SE||||guardian/submit|count":  0,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, want := range tt.want {
				v, ok := got[k]
				if !ok {
					t.Errorf("%s: no such published figure", k)
					continue
				}
				if math.Abs(v-want) > 1e-9 {
					t.Errorf("%s = %v, want %v", k, v, want)
				}
			}
		})
	}
}

// TestBuild_privacy checks protected identity, unknown gender and the groups behind figures.
func TestBuild_privacy(t *testing.T) {
	c := buildFixture(t)
	idx := map[string]int{}
	for i, cell := range c.Cells {
		if _, dup := idx[cell.Key]; dup {
			t.Fatalf("duplicate key %s", cell.Key)
		}
		idx[cell.Key] = i
	}
	cell := func(t *testing.T, key string) int {
		t.Helper()
		i, ok := idx[key]
		if !ok {
			t.Fatalf("no cell %s", key)
		}
		return i
	}
	t.Run("protected identity counted nowhere, reported once", func(t *testing.T) {
		if c.Excluded != 1 {
			t.Errorf("Excluded = %d, want 1", c.Excluded)
		}
		for _, k := range []string{
			"grade_distribution|VT2025|school_unit|11111111|9|MA||A", // p01 only, not p10
			"absence|2024-09|school_unit|11111111|9|||",              // p11 only
		} {
			if got := c.Cells[cell(t, k)].Count; got != 1 {
				t.Errorf("%s = %v, want 1", k, got)
			}
		}
		if got := c.Cells[cell(t, "assessment_not_reached|HT2024|school_unit|22222222|7|MA||not_reached")].Count; got != 1 {
			t.Errorf("not_reached = %v, want 1 (p10's counts nowhere)", got)
		}
		for _, cl := range c.Cells {
			// Pupil and user ids are UUIDs in the warehouse (see testdata/fixture.sql).
			if strings.Contains(cl.Key, "00000000-0000-0000-0000-") {
				t.Fatalf("key %q holds a person key", cl.Key)
			}
		}
	})
	t.Run("unknown gender in all only, as an internal cell", func(t *testing.T) {
		all := c.Cells[cell(t, "grade_distribution|VT2025|school_unit|11111111|9|MA||")]
		f := c.Cells[cell(t, "grade_distribution|VT2025|school_unit|11111111|9|MA|F|")]
		m := c.Cells[cell(t, "grade_distribution|VT2025|school_unit|11111111|9|MA|M|")]
		u := c.Cells[cell(t, "grade_distribution|VT2025|school_unit|11111111|9|MA|U|")]
		if all.Count != 9 || f.Count+m.Count != 8 || u.Count != 1 || !u.Internal || f.Internal || all.Internal {
			t.Errorf("all %v F %v M %v U %v (internal %v), want 9, 4+4, 1 internal", all.Count, f.Count, m.Count, u.Count, u.Internal)
		}
		for _, r := range allShown(t, c) {
			if r.Gender != nil && *r.Gender != "F" && *r.Gender != "M" {
				t.Fatalf("published row with gender %q", *r.Gender)
			}
		}
	})
	t.Run("groups: whole group for categories, distinct pupils for movers", func(t *testing.T) {
		e := c.Cells[cell(t, "grade_distribution|VT2025|school_unit|11111111|9|MA||E")]
		if e.Count != 4 || e.Group != 9 || e.Denom != 9 {
			t.Errorf("E: count %v group %v denom %v, want 4, 9, 9", e.Count, e.Group, e.Denom)
		}
		n := c.Cells[cell(t, "absence|VT2025|organiser|K0180|9|||")]
		if n.Count != 2 || n.Group != 1 {
			t.Errorf("mover's absence n %v group %v, want 2 pairs of 1 pupil", n.Count, n.Group)
		}
		pu := c.Cells[cell(t, "feature_use|2025-W10|nation|SE||||pupil/submit")]
		if pu.Count != 2 || pu.Group != 1 {
			t.Errorf("pupil/submit events %v users %v, want 2, 1", pu.Count, pu.Group)
		}
	})
	t.Run("structural: grade levels a school unit has no placements for", func(t *testing.T) {
		for k, want := range map[string]bool{
			"grade_distribution|VT2025|school_unit|33333333|7|MA||": true,
			"grade_distribution|VT2025|school_unit|33333333|9|MA||": false,
			"grade_distribution|VT2025|school_unit|22222222|8|MA||": true,
			"grade_distribution|VT2025|organiser|K0180|8|MA||":      true,
			"grade_distribution|VT2025|organiser|K0180|7|MA||":      false,
			"grade_distribution|VT2025|nation|SE||MOD||":            false,
		} {
			if got := c.Cells[cell(t, k)].Structural; got != want {
				t.Errorf("%s structural = %v, want %v", k, got, want)
			}
		}
	})
}

// TestBuild_relations checks that every declared relation holds exactly: what makes
// protection sound.
func TestBuild_relations(t *testing.T) {
	c := buildFixture(t)
	if len(c.Relations) == 0 {
		t.Fatal("no relations")
	}
	kinds := map[string]int{}
	for _, r := range c.Relations {
		sum := 0.0
		for _, p := range r.Parts {
			if p == r.Total {
				t.Fatalf("relation with its total among its parts: %s", c.Cells[p].Key)
			}
			sum += c.Cells[p].Count
		}
		if sum != c.Cells[r.Total].Count {
			t.Errorf("%s = %v, parts (%s …) sum to %v", c.Cells[r.Total].Key, c.Cells[r.Total].Count, c.Cells[r.Parts[0]].Key, sum)
		}
		kinds[strings.SplitN(c.Cells[r.Total].Key, "|", 2)[0]+"/"+strings.SplitN(c.Cells[r.Parts[0]].Key, "|", 2)[0]]++
	}
	for _, k := range []string{"passed_all_subjects/eligibility", "absence/high_absence", "grade_distribution/grade_distribution"} {
		if kinds[k] == 0 {
			t.Errorf("no %s relations", k)
		}
	}
	// Hierarchies must be declared: the nation's MA total = sum of municipalities.
	nat := -1
	for i, cl := range c.Cells {
		if cl.Key == "grade_distribution|VT2025|nation|SE|9|MA||" {
			nat = i
		}
	}
	found := false
	for _, r := range c.Relations {
		if r.Total == nat && len(r.Parts) == 2 && strings.Contains(c.Cells[r.Parts[0]].Key, "|municipality|") {
			found = true
		}
	}
	if !found {
		t.Error("nation = municipalities not declared")
	}
}

// TestBuild_closed checks that only periods ended before Now are closed.
func TestBuild_closed(t *testing.T) {
	db := openWarehouse(t, "fixture.sql")
	c, err := Build(context.Background(), db, Options{Now: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
		Statistics: []string{GradeDistribution}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PerStatistic) != 1 || c.PerStatistic[GradeDistribution] != len(c.Cells) {
		t.Fatalf("PerStatistic %v for %d cells", c.PerStatistic, len(c.Cells))
	}
	for _, cl := range c.Cells {
		if want := strings.Contains(cl.Key, "|HT2024|"); cl.Closed != want {
			t.Fatalf("%s closed = %v, want %v", cl.Key, cl.Closed, want)
		}
	}
	if _, err := Build(context.Background(), db, Options{Statistics: []string{"nope"}}); !errors.Is(err, ErrUnknownStatistic) {
		t.Errorf("unknown statistic: err = %v, want ErrUnknownStatistic", err)
	}
}

// TestBuild_golden compares the figures of the fixture with testdata/fixture.golden: every
// published row with a non-zero figure at school-unit or nation level (run with -update to
// rewrite it after a reviewed change).
func TestBuild_golden(t *testing.T) {
	c := buildFixture(t)
	var lines []string
	for _, r := range allShown(t, c) {
		if r.Value == nil || *r.Value == 0 || (r.AreaLevel != "school_unit" && r.AreaLevel != "nation") {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s = %s", rowKey(r), r.Display))
	}
	sort.Strings(lines)
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", "fixture.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("figures differ from %s (run go test -update after review)", path)
	}
}

var _ = anonymize.Shown
