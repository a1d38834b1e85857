package pages

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/skolstat/skolstat/etl/snapshot"
)

func TestEnglishNumber_formats(t *testing.T) {
	cases := []struct {
		v        float64
		decimals int
		want     string
	}{
		{0, 0, "0"},
		{12, 0, "12"},
		{999, 0, "999"},
		{1000, 0, "1,000"},
		{12345, 0, "12,345"},
		{1234567.26, 1, "1,234,567.3"},
		{41.5, 1, "41.5"},
		{203, 1, "203.0"},
		{0.04, 1, "0.0"},
		{-0.04, 1, "0.0"},
		{-1234.5, 1, "-1,234.5"},
	}
	for _, tc := range cases {
		if got := englishNumber(tc.v, tc.decimals); got != tc.want {
			t.Errorf("englishNumber(%v, %d) = %q, want %q", tc.v, tc.decimals, got, tc.want)
		}
	}
}

func TestParseDisplay_swedish(t *testing.T) {
	cases := []struct {
		display string
		want    displayFigure
		wantOK  bool
	}{
		{"12", displayFigure{number: 12}, true},
		{"41,5\u00a0%", displayFigure{number: 41.5, decimals: 1, percent: true}, true},
		{"41,5 %", displayFigure{number: 41.5, decimals: 1, percent: true}, true},
		{"12\u202f345", displayFigure{number: 12345}, true},
		{"1 234,5", displayFigure{number: 1234.5, decimals: 1}, true},
		{"−3,5", displayFigure{number: -3.5, decimals: 1}, true},
		{"≥95\u00a0%", displayFigure{prefix: "≥", number: 95, percent: true}, true},
		{"≤2,5 %", displayFigure{prefix: "≤", number: 2.5, decimals: 1, percent: true}, true},
		{"~100", displayFigure{prefix: "~", number: 100}, true},
		{"..", displayFigure{}, false},
		{"–", displayFigure{}, false},
		{"", displayFigure{}, false},
		{"%", displayFigure{}, false},
		{"1e5", displayFigure{}, false},
		{"NaN", displayFigure{}, false},
	}
	for _, tc := range cases {
		got, ok := parseDisplay(tc.display)
		if ok != tc.wantOK || got != tc.want {
			t.Errorf("parseDisplay(%q) = %+v, %v; want %+v, %v", tc.display, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestFigureText_languages(t *testing.T) {
	fp := func(v float64) *float64 { return &v }
	shown := func(measure string, v float64) snapshot.Cell {
		return snapshot.Cell{Status: snapshot.StatusShown, Measure: measure, Value: &v, Display: swedishDisplay(measure, v)}
	}
	cases := []struct {
		name   string
		cell   snapshot.Cell
		wantSV string
		wantEN string
	}{
		{"share", shown("share", 0.415), "41,5\u00a0%", "41.5%"},
		{"share 100", shown("share", 1), "100,0\u00a0%", "100.0%"},
		{"mean", shown("mean", 231.5), "231,5", "231.5"},
		{"mean thousands", shown("mean", 1234.5), "1\u202f234,5", "1,234.5"},
		{"count", shown("count", 12), "12", "12"},
		{"count thousands", shown("count", 12345), "12\u202f345", "12,345"},
		{"n millions", shown("n", 1234567), "1\u202f234\u202f567", "1,234,567"},
		{"count with a decimal", snapshot.Cell{Status: snapshot.StatusShown, Measure: "count", Value: fp(2.5), Display: "2,5"}, "2,5", "2.5"},
		{"shown without display", snapshot.Cell{Status: snapshot.StatusShown, Measure: "share", Value: fp(0.5)}, "", "50.0%"},
		{"shown without value", snapshot.Cell{Status: snapshot.StatusShown, Measure: "mean", Display: ".."}, "..", ".."},
		{"band high", snapshot.Cell{Status: snapshot.StatusCoded, Measure: "share", Display: "≥95\u00a0%"}, "≥95\u00a0%", "≥95%"},
		{"band low", snapshot.Cell{Status: snapshot.StatusCoded, Measure: "share", Display: "≤5\u00a0%"}, "≤5\u00a0%", "≤5%"},
		{"band with decimals", snapshot.Cell{Status: snapshot.StatusCoded, Measure: "share", Display: "≤2,5\u00a0%"}, "≤2,5\u00a0%", "≤2.5%"},
		{"near 100", snapshot.Cell{Status: snapshot.StatusCoded, Measure: "share", Display: "~100"}, "~100", "~100"},
		{"coded count", snapshot.Cell{Status: snapshot.StatusCoded, Measure: "count", Display: ".."}, "..", ".."},
		{"primary", snapshot.Cell{Status: snapshot.StatusSuppressedPrimary, Measure: "share", Display: ".."}, "..", ".."},
		{"secondary", snapshot.Cell{Status: snapshot.StatusSuppressedSecondary, Measure: "mean", Display: ".."}, "..", ".."},
		{"missing", snapshot.Cell{Status: snapshot.StatusMissing, Measure: "share", Display: "–"}, "–", "–"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := figureText(Swedish, tc.cell); got != tc.wantSV {
				t.Errorf("Swedish: figureText = %q, want %q", got, tc.wantSV)
			}
			if got := figureText(English, tc.cell); got != tc.wantEN {
				t.Errorf("English: figureText = %q, want %q", got, tc.wantEN)
			}
		})
	}
}

// TestPages_numberFormat renders real pages over the test snapshot in Swedish and English and
// checks that their tables print figures in the page's language: a share, a mean, a count of
// a thousand or more and a coded band; and that an English page has no Swedish-formatted figure.
func TestPages_numberFormat(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name, role, path string
		want             []string
		notWant          []string
	}{
		{"school sv", "principal", "/min-skola", []string{
			`data-sort="0.885">88,5` + "\u00a0%<", // Ekskolan's vocational eligibility, VT2025
			`data-sort="231.5">231,5<`,            // its merit value
			`>≤5 %<span class="sr-only">`,         // its coded science eligibility
			`<dt><code>≥95 %</code>, <code>≤5 %</code></dt>`,
		}, []string{"88.5%", "≤5%"}},
		{"school en", "principal", "/min-skola?lang=en", []string{
			`data-sort="0.885">88.5%<`,
			`data-sort="231.5">231.5<`,
			`>≤5%<span class="sr-only">`,
			`<dt><code>≥95%</code>, <code>≤5%</code></dt>`,
		}, []string{"88,5", "231,5", "≤5 %", "\u00a0%"}},
		{"usage sv", "staff", "/anvandning", []string{
			`data-sort="3000">3` + "\u202f" + `000<`, // staff feature use, 2025-W10
			`data-sort="1000">1` + "\u202f" + `000<`,
		}, []string{"3,000", "1,000"}},
		{"usage en", "staff", "/anvandning?lang=en", []string{
			`data-sort="3000">3,000<`,
			`data-sort="1000">1,000<`,
		}, []string{"3\u202f000", "1\u202f000"}},
		{"compare en", "organiser", "/jamfor?statistik=merit&lang=en", []string{
			`data-sort="203">203.0<`,
			`data-sort="252">252.0<`,
		}, []string{"203,0", "252,0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := ts.get(t, tc.role, tc.path)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", tc.path, status)
			}
			wantIn(t, tc.path, body, tc.want...)
			for _, nw := range tc.notWant {
				if strings.Contains(body, nw) {
					t.Errorf("%s has %q, want it in the other language's format only", tc.path, nw)
				}
			}
		})
	}
}

// TestPages_numberFormatChart checks that an English chart's mark over a coded figure shows
// the band in English, as its table does.
func TestPages_numberFormatChart(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		path, caption, want string
	}{
		{"/min-skola", "Behörighet till naturvetenskaps- och teknikprogrammen, åk 9", `"name":"Ekskolan: ≤5 %"`},
		{"/min-skola?lang=en", "Eligible for the natural science and technology programmes, year 9", `"name":"Ekskolan: ≤5%"`},
	} {
		status, body, _ := ts.get(t, "principal", tc.path)
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", tc.path, status)
		}
		opt := chartOption(t, body, tc.caption)
		mark, err := json.Marshal(opt["series"].([]any)[0].(map[string]any)["markArea"])
		if err != nil {
			t.Fatal(err)
		}
		if got := string(mark); !strings.Contains(got, tc.want) {
			t.Errorf("%s: mark of the coded figure = %s, want it to contain %s", tc.path, got, tc.want)
		}
	}
}
