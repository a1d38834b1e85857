package pages

import (
	"net/http"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// withoutStatistic returns the test snapshot without the cells of stat, and without its
// catalogue row unless keepRow: a run that withheld it (or a catalogue row left without cells).
func withoutStatistic(stat string, keepRow bool) snapshot.Content {
	c := testContent()
	cells := c.Cells[:0:0]
	for _, cell := range c.Cells {
		if cell.Statistic != stat {
			cells = append(cells, cell)
		}
	}
	c.Cells = cells
	if !keepRow {
		stats := c.Statistics[:0:0]
		for _, s := range c.Statistics {
			if s.ID != stat {
				stats = append(stats, s)
			}
		}
		c.Statistics = stats
	}
	return c
}

const (
	gradesNoticeSV = "Betygsfördelningen publiceras inte i den här körningen: skyddet av uppgifterna blev inte klart i tid."
	gradesNoticeEN = "The grade distribution is not published in this run: its protection did not finish in time."
)

// TestPages_withheldStatistic checks the pages of a snapshot without the grade distribution
// (withheld from the run because its protection did not finish in time): each page that shows
// it says so in the page's language in place of its chart and table, the other statistics are
// shown as usual, and the API answers 404 for the absent statistic.
func TestPages_withheldStatistic(t *testing.T) {
	t.Run("published", func(t *testing.T) {
		ts := newTestServer(t)
		status, body, _ := ts.get(t, "principal", "/min-skola")
		if status != http.StatusOK {
			t.Fatalf("status = %d, want 200", status)
		}
		wantIn(t, "page", body, `<caption id="grades-cap">Betygsfördelning, Matematik, Årskurs 9, VT2025</caption>`)
		if strings.Contains(body, gradesNoticeSV) {
			t.Error("page with the grade distribution says it is not published")
		}
	})
	for _, tc := range []struct {
		name    string
		keepRow bool
	}{
		{"withheld", false},
		{"catalogue row without cells", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServerWith(t, 0, withoutStatistic("grade_distribution", tc.keepRow))
			pages := []struct {
				role, path string
				wants      []string
			}{
				{"principal", "/min-skola", []string{gradesNoticeSV, "<h1>Min skola: Ekskolan</h1>",
					`<td class="num " data-sort="231.5">231,5</td>`, `<td class="num hidden" data-sort="" title="för få elever`}},
				{"principal", "/min-skola?lang=en", []string{gradesNoticeEN, "<h1>My school: Ekskolan</h1>"}},
				// The subject choice still works: test vs grade is by subject too.
				{"principal", "/min-skola?amne=MA&ak=9", []string{gradesNoticeSV, "Nationellt prov jämfört med betyg, Matematik, Årskurs 9",
					`<option value="MA" selected>Matematik (MA)</option>`}},
				{"inspector", "/granskning?omrade=school_unit:11111111", []string{gradesNoticeSV, "<h1>Granskning: Ekskolan</h1>", "231,5",
					`href="/api/v1/statistics/merit_value/cells.csv?area_code=11111111&amp;area_level=school_unit" download>CSV`}},
				{"organiser", "/jamfor?statistik=merit", []string{"<h1>Jämför skolor: Stockholms kommun</h1>", "252,0"}},
			}
			for _, pg := range pages {
				status, body, _ := ts.get(t, pg.role, pg.path)
				if status != http.StatusOK {
					t.Errorf("GET %s as %s = %d, want 200:\n%.500s", pg.path, pg.role, status, body)
					continue
				}
				checkSafeHTML(t, body)
				checkChartsBesideTables(t, body)
				wantIn(t, pg.path, body, pg.wants...)
				if strings.Contains(body, "grade_distribution/cells") {
					t.Errorf("GET %s offers a download of the absent grade distribution", pg.path)
				}
				if strings.Contains(body, `id="grades-cap"`) || strings.Contains(body, `id="grades-trend-cap"`) {
					t.Errorf("GET %s has a table of the absent grade distribution", pg.path)
				}
			}
			if tc.keepRow {
				return
			}
			status, body, _ := ts.get(t, "inspector", "/api/v1/statistics/grade_distribution/cells?area_level=nation")
			if status != http.StatusNotFound || !strings.Contains(body, "unknown statistic") {
				t.Errorf("API cells of the withheld statistic = %d %s, want 404 unknown statistic", status, body)
			}
		})
	}
}

// TestPages_compareDefault checks that Jämför skolor opens on the first statistic the run
// publishes when the usual first one is withheld, and names the withheld one when asked for it.
func TestPages_compareDefault(t *testing.T) {
	ts := newTestServerWith(t, 0, withoutStatistic("passed_all_subjects", false))
	status, body, _ := ts.get(t, "organiser", "/jamfor")
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	checkChartsBesideTables(t, body)
	wantIn(t, "compare page", body, "Meritvärde, åk 9 – Stockholms kommun – VT2023–VT2025", `<option value="merit" selected>`)
	status, body, _ = ts.get(t, "organiser", "/jamfor?statistik=passed9")
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	wantIn(t, "compare page", body, `<p class="empty notice">Statistiken ”Andel som uppnått kunskapskraven i alla ämnen, åk 9” publiceras inte i den här körningen`)
}

// TestPages_absentNotice checks the notice texts: the statistic's own where there is one, else the
// general text naming the statistic, in both languages.
func TestPages_absentNotice(t *testing.T) {
	cases := []struct {
		lang        Lang
		stat, title string
		want        string
	}{
		{Swedish, "grade_distribution", "Betygsfördelning", gradesNoticeSV},
		{English, "grade_distribution", "Grade distribution", gradesNoticeEN},
		{Swedish, "merit_value", "Meritvärde, åk 9", "Statistiken ”Meritvärde, åk 9” publiceras inte i den här körningen"},
		{English, "merit_value", "Merit value, year 9", "The statistic “Merit value, year 9” is not published in this run"},
	}
	for _, tc := range cases {
		t.Run(string(tc.lang)+"/"+tc.stat, func(t *testing.T) {
			if got := absentNotice(tc.lang, tc.stat, tc.title); !strings.HasPrefix(got, tc.want) {
				t.Errorf("absentNotice(%s, %s) = %q, want it to start with %q", tc.lang, tc.stat, got, tc.want)
			}
		})
	}
}

// TestPages_fig checks how a table shows each kind of cell: a shown figure with its sort key,
// a hidden one as hidden with the legend's explanation, a coded one with its band, and an empty
// group ("–", nothing to report) not as a hidden figure.
func TestPages_fig(t *testing.T) {
	v := 231.5
	b := &builder{lang: Swedish}
	cases := []struct {
		name      string
		cell      snapshot.Cell
		ok        bool
		wantClass string
		wantNote  string
	}{
		{"shown", snapshot.Cell{Status: snapshot.StatusShown, Value: &v, Display: "231,5"}, true, "", ""},
		{"primary", snapshot.Cell{Status: snapshot.StatusSuppressedPrimary, Display: ".."}, true, "hidden", T(Swedish, "legend.hidden")},
		{"secondary", snapshot.Cell{Status: snapshot.StatusSuppressedSecondary, Display: ".."}, true, "hidden", T(Swedish, "legend.hidden")},
		{"coded", snapshot.Cell{Status: snapshot.StatusCoded, Display: "≥95 %"}, true, "coded", T(Swedish, "legend.band")},
		{"missing", snapshot.Cell{Status: snapshot.StatusMissing, Display: "–"}, true, "missing", T(Swedish, "legend.missing")},
		{"no cell", snapshot.Cell{}, false, "missing", T(Swedish, "no-data")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := b.fig(tc.cell, tc.ok)
			if got.Class != tc.wantClass || got.Note != tc.wantNote {
				t.Errorf("fig = class %q note %q, want class %q note %q", got.Class, got.Note, tc.wantClass, tc.wantNote)
			}
			if tc.ok && got.Display != tc.cell.Display {
				t.Errorf("fig display = %q, want %q", got.Display, tc.cell.Display)
			}
		})
	}
}
