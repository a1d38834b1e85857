package pages

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	reScript   = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)
	reURLAttr  = regexp.MustCompile(`\b(?:src|href|action)="([^"]*)"`)
	reInlineEv = regexp.MustCompile(`(?i)\son[a-z]+=`)
	rePair     = regexp.MustCompile(`(?s)<div class="pair">(.*?)</table>`)
	reDataJSON = regexp.MustCompile(`(?s)<script type="application/json" id="([^"]+)">(.*?)</script>`)
)

// checkSafeHTML asserts what a strict CSP needs and that nothing comes from another origin.
func checkSafeHTML(t *testing.T, body string) {
	t.Helper()
	for _, m := range reScript.FindAllStringSubmatch(body, -1) {
		attrs, content := m[1], m[2]
		switch {
		case strings.Contains(attrs, `type="application/json"`):
		case strings.Contains(attrs, `src="/assets/`) && strings.TrimSpace(content) == "":
		default:
			t.Errorf("inline or foreign script: <script%s>%.60s", attrs, content)
		}
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<style") {
		t.Error("inline style (a strict CSP blocks it)")
	}
	if m := reInlineEv.FindString(body); m != "" {
		t.Errorf("inline event handler %q", m)
	}
	for _, m := range reURLAttr.FindAllStringSubmatch(body, -1) {
		u := html.UnescapeString(m[1])
		if !(strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")) && !strings.HasPrefix(u, "#") && u != "data:," && !strings.HasPrefix(u, "?") {
			t.Errorf("URL %q is not on the own origin", u)
		}
	}
}

// checkChartsBesideTables asserts that every chart has a table with a caption beside it.
func checkChartsBesideTables(t *testing.T, body string) {
	t.Helper()
	charts := strings.Count(body, `class="chart chart-`)
	if charts == 0 {
		t.Fatal("no chart on the page")
	}
	pairs := rePair.FindAllStringSubmatch(body, -1)
	if len(pairs) != charts {
		t.Errorf("%d charts but %d chart+table pairs", charts, len(pairs))
	}
	for _, p := range pairs {
		if !strings.Contains(p[1], `class="chart chart-`) || !strings.Contains(p[1], "<caption") || !strings.Contains(p[1], `role="img" aria-label="`) {
			t.Errorf("pair without chart, caption or text alternative: %.200s", p[1])
		}
	}
}

// wantIn reports every string of wants that text lacks; what names the text in the message.
func wantIn(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// chartOption returns the decoded option of the chart whose table caption starts with caption.
func chartOption(t *testing.T, body, caption string) map[string]any {
	t.Helper()
	for _, p := range rePair.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(p[1], ">"+caption) {
			continue
		}
		m := reDataJSON.FindStringSubmatch(p[1])
		if m == nil {
			t.Fatalf("chart %q has no data block", caption)
		}
		var opt map[string]any
		if err := json.Unmarshal([]byte(m[2]), &opt); err != nil {
			t.Fatalf("chart %q: data block is not JSON: %v", caption, err)
		}
		return opt
	}
	t.Fatalf("no chart with caption %q", caption)
	return nil
}

func TestPages_School(t *testing.T) {
	ts := newTestServer(t)
	status, body, hdr := ts.get(t, "principal", "/min-skola")
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200:\n%s", status, body)
	}
	if got := hdr.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	checkSafeHTML(t, body)
	checkChartsBesideTables(t, body)
	wants := []string{
		`<html lang="sv">`,
		"<h1>Min skola: Ekskolan</h1>",
		// Merit value: the school's own figure beside its organiser's, municipality's and the nation's.
		"<caption id=\"merit-cap\">Meritvärde, åk 9, VT2023–VT2025</caption>",
		`<th scope="col">Ekskolan</th><th scope="col">Stockholms kommun</th><th scope="col">Stockholm</th><th scope="col">Riket</th>`,
		`<td class="num " data-sort="231.5">231,5</td><td class="num " data-sort="230.5">230,5</td><td class="num " data-sort="232.3">232,3</td><td class="num " data-sort="223.6">223,6</td>`,
		// The hidden 2023/24 figure: "..", explained, never 0.
		`<td class="num hidden" data-sort="" title="för få elever för att redovisas (eller dold så att en annan dold uppgift inte kan räknas fram)">..<span class="sr-only"> (för få elever för att redovisas`,
		// A coded share with its explanation.
		`≤5 %<span class="sr-only"> (andelen ligger i intervallet`,
		// Period, group size band, extraction time.
		"Period: <strong>VT2023–VT2025</strong>",
		"Gruppstorlek: <strong>20–49 elever</strong>",
		"Data hämtade: <time>2025-06-30 02:30 CEST</time>",
		// The legend explains the markers.
		"<dt><code>..</code></dt><dd>för få elever för att redovisas",
		"<dt><code>~100</code></dt>",
		// Absence by month, platform use.
		"Frånvaro per månad", "2025-02",
		// Platform use (published for the nation).
		"Användning av plattformen: Aktiva användare per vecka – Riket",
		// National test vs grade, per school year.
		"Nationellt prov jämfört med betyg, Matematik, Årskurs 9", "Samma betyg som provbetyg",
		// Share passing all subjects, year 9: Ekskolan's own figure.
		"Andel som uppnått kunskapskraven i alla ämnen, åk 9, VT2023–VT2025", "Gruppstorlek: <strong>50&#43; elever</strong>",
		`href="/min-skola?lang=en"`,
	}
	wantIn(t, "page", body, wants...)
	for _, foreign := range []string{"299,9", "Främmande skolan", "Friskolan AB", "Uppsala"} {
		if strings.Contains(body, foreign) {
			t.Errorf("principal of Ekskolan sees %q of a foreign area", foreign)
		}
	}

	// In the chart the hidden figure is an empty value with a labelled mark, not 0.
	opt := chartOption(t, body, "Meritvärde, åk 9")
	series := opt["series"].([]any)
	ek := series[0].(map[string]any)
	if ek["name"] != "Ekskolan" {
		t.Fatalf("first series = %v, want Ekskolan", ek["name"])
	}
	if got := ek["data"].([]any)[1].(map[string]any)["value"]; got != "-" {
		t.Errorf("hidden VT2024 value in chart = %v, want \"-\" (empty, not 0)", got)
	}
	mark, _ := json.Marshal(ek["markArea"])
	if !strings.Contains(string(mark), `"name":"Ekskolan: .. (för få elever för att redovisas)","xAxis":"VT2024"`) {
		t.Errorf("hidden figure's mark = %s", mark)
	}
}

// TestPages_eligibility checks that Min skola shows every kind of eligibility the statistic
// publishes, each as a trend with the school beside its aggregates, and that the compare page
// offers each kind.
func TestPages_eligibility(t *testing.T) {
	ts := newTestServer(t)
	status, body, _ := ts.get(t, "principal", "/min-skola")
	if status != http.StatusOK {
		t.Fatalf("status = %d:\n%s", status, body)
	}
	checkChartsBesideTables(t, body)
	const cols = `<th scope="col">Ekskolan</th><th scope="col">Stockholms kommun</th><th scope="col">Stockholm</th><th scope="col">Riket</th>`
	kinds := []struct {
		caption string
		want    []string // figures of Ekskolan that must be in the kind's table
	}{
		{"Behörighet till yrkesprogram, åk 9, VT2023–VT2025", []string{`data-sort="0.885">88,5`}},
		{"Behörighet till ekonomi-, humanistiska och samhällsvetenskapsprogrammen, åk 9, VT2023–VT2025", []string{`data-sort="0.735">73,5`}},
		// The hidden VT2024 figure is "..", never 0.
		{"Behörighet till estetiska programmet, åk 9, VT2023–VT2025", []string{`data-sort="0.765">76,5`, `<td class="num hidden" data-sort="" title="för få elever`}},
		{"Behörighet till naturvetenskaps- och teknikprogrammen, åk 9, VT2023–VT2025", []string{`data-sort="0.635">63,5`, `≤5 %<span class="sr-only">`}},
	}
	for _, k := range kinds {
		t.Run(k.caption, func(t *testing.T) {
			var pair string
			for _, p := range rePair.FindAllStringSubmatch(body, -1) {
				if strings.Contains(p[1], ">"+k.caption+"</caption>") {
					pair = p[1]
				}
			}
			if pair == "" {
				t.Fatalf("page has no chart and table %q", k.caption)
			}
			wantIn(t, "table "+k.caption, pair, append([]string{cols}, k.want...)...)
			opt := chartOption(t, body, k.caption)
			if got := len(opt["series"].([]any)); got != 4 {
				t.Errorf("chart %q has %d series, want 4 (school, organiser, municipality, nation)", k.caption, got)
			}
		})
	}
	if strings.Contains(body, "99,9 %") {
		t.Error("principal sees the foreign school's eligibility")
	}

	status, body, _ = ts.get(t, "principal", "/min-skola?lang=en")
	if status != http.StatusOK {
		t.Fatalf("English: status = %d", status)
	}
	wantIn(t, "English page", body, "Eligible for a vocational programme, year 9",
		"Eligible for the economics, humanities and social science programmes, year 9",
		"Eligible for the arts programme, year 9", "Eligible for the natural science and technology programmes, year 9")

	status, body, _ = ts.get(t, "organiser", "/jamfor?statistik=eligibility-science")
	if status != http.StatusOK {
		t.Fatalf("compare: status = %d:\n%s", status, body)
	}
	wantIn(t, "compare page", body,
		"Behörighet till naturvetenskaps- och teknikprogrammen, åk 9 – Stockholms kommun",
		`<option value="eligibility-vocational">`, `<option value="eligibility-economics">`, `<option value="eligibility-arts">`,
		`<option value="eligibility-science" selected>`)
}

func TestPages_English(t *testing.T) {
	ts := newTestServer(t)
	status, body, _ := ts.get(t, "principal", "/min-skola?lang=en")
	if status != http.StatusOK {
		t.Fatalf("status = %d", status)
	}
	wantIn(t, "English page", body,
		`<html lang="en">`, "<h1>My school: Ekskolan</h1>", "Merit value, year 9",
		"too few pupils to be reported", "Group size: <strong>20–49 pupils</strong>", "Data extracted",
		`href="/min-skola" lang="sv" hreflang="sv">Svenska</a>`, `<input type="hidden" name="lang" value="en">`,
		"National test compared with grade", "Grade equal to test")
	for _, sv := range []string{"Meritvärde", "Teckenförklaring", "för få elever"} {
		if strings.Contains(body, sv) {
			t.Errorf("English page has Swedish %q", sv)
		}
	}
	checkSafeHTML(t, body)
}

func TestPages_Compare(t *testing.T) {
	ts := newTestServer(t)
	status, body, _ := ts.get(t, "organiser", "/jamfor?statistik=merit")
	if status != http.StatusOK {
		t.Fatalf("status = %d:\n%s", status, body)
	}
	checkSafeHTML(t, body)
	checkChartsBesideTables(t, body)
	wants := []string{
		"<h1>Jämför skolor: Stockholms kommun</h1>",
		`<table class="sortable">`,
		`<button type="button" class="sort">Totalt VT2025</button>`,
		`<button type="button" class="sort">Flickor VT2025</button>`,
		// Quartile colouring of the shown totals: 203 lowest, 252 highest.
		`<th scope="row">Björkskolan</th><td class="num  q1" data-sort="203">203,0</td>`,
		`<th scope="row">Granskolan</th><td class="num  q4" data-sort="252">252,0</td>`,
		// Ekskolan's hidden 2023/24 figure is "..".
		`<td class="num hidden" data-sort="" title="för få elever`,
		// The organiser's own row for reference.
		`<tr class="reference"><th scope="row">Stockholms kommun</th>`,
		"Meritvärde, åk 9 – Stockholms kommun – VT2023–VT2025",
	}
	wantIn(t, "page", body, wants...)
	if strings.Contains(body, "Främmande skolan") || strings.Contains(body, "299,9") {
		t.Error("organiser sees a foreign school")
	}
}

func TestPages_Review(t *testing.T) {
	ts := newTestServer(t)
	status, body, _ := ts.get(t, "inspector", "/granskning?omrade=school_unit:99999999")
	if status != http.StatusOK {
		t.Fatalf("status = %d:\n%s", status, body)
	}
	checkSafeHTML(t, body)
	checkChartsBesideTables(t, body)
	wantIn(t, "review page", body,
		"<h1>Granskning: Främmande skolan</h1>", "299,9", "Friskolan AB", "Uppsala",
		`href="/api/v1/statistics/merit_value/cells.csv?area_code=99999999&amp;area_level=school_unit" download>CSV`,
		`href="/api/v1/statistics/merit_value/cells.xlsx?area_code=99999999&amp;area_level=school_unit" download>XLSX`,
		`<option value="organiser:K0180">Huvudman: Stockholms kommun (K0180)</option>`)
	status, body, _ = ts.get(t, "inspector", "/granskning?omrade=organiser:K0180")
	if status != http.StatusOK || !strings.Contains(body, `href="/jamfor?omrade=organiser%3AK0180"`) {
		t.Errorf("organiser review: status %d, want 200 with a link to compare its schools", status)
	}
}

func TestPages_Usage(t *testing.T) {
	ts := newTestServer(t)
	status, body, _ := ts.get(t, "staff", "/anvandning")
	if status != http.StatusOK {
		t.Fatalf("status = %d:\n%s", status, body)
	}
	checkSafeHTML(t, body)
	checkChartsBesideTables(t, body)
	wantIn(t, "usage page", body,
		"Aktiva användare per vecka – Riket", "Användning av funktioner – Riket",
		// Trend by role and device, with the total.
		`<th scope="col">Totalt</th><th scope="col">Personal</th><th scope="col">Vårdnadshavare</th><th scope="col">Elever</th><th scope="col">dator</th>`,
		`data-sort="602">602</td>`,
		// Role by device in the latest week; the hidden figure explained.
		"Aktiva användare per vecka – Riket, 2025-W12",
		`<th scope="col">dator</th><th scope="col">mobil</th><th scope="col">surfplatta</th>`,
		`<td class="num hidden" data-sort="" title="för få elever`,
		"Användning av funktioner – Riket, 2025-W12", "inloggning")
	if strings.Contains(body, "Ekskolan") {
		t.Error("staff sees a school unit")
	}
}

func TestPages_errors(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name, role, path string
		want             int
	}{
		{"not signed in", "", "/min-skola", http.StatusFound},
		{"home not signed in", "", "/", http.StatusFound},
		{"foreign school", "principal", "/min-skola?enhet=99999999", http.StatusNotFound},
		{"no such school", "principal", "/min-skola?enhet=00000000", http.StatusNotFound},
		{"repeated parameter", "principal", "/min-skola?enhet=11111111&enhet=11111111", http.StatusBadRequest},
		{"unknown subject", "principal", "/min-skola?amne=ZZ", http.StatusBadRequest},
		{"unknown grade", "principal", "/min-skola?ak=12", http.StatusBadRequest},
		{"staff on school page", "staff", "/min-skola", http.StatusForbidden},
		{"principal on compare", "principal", "/jamfor", http.StatusForbidden},
		{"principal on review", "principal", "/granskning", http.StatusForbidden},
		{"organiser foreign organiser", "organiser", "/jamfor?omrade=organiser:X1", http.StatusNotFound},
		{"organiser no such organiser", "organiser", "/jamfor?omrade=organiser:NOPE", http.StatusNotFound},
		{"malformed area", "organiser", "/jamfor?omrade=K0180", http.StatusBadRequest},
		{"unknown statistic", "organiser", "/jamfor?statistik=nope", http.StatusBadRequest},
		{"school unit is no parent", "inspector", "/jamfor?omrade=school_unit:11111111", http.StatusBadRequest},
		{"unknown asset", "principal", "/assets/000000000000/static/app.js", http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := ts.get(t, tc.role, tc.path)
			if status != tc.want {
				t.Errorf("GET %s as %q = %d, want %d", tc.path, tc.role, status, tc.want)
			}
			if status == http.StatusFound && !strings.HasPrefix(hdr.Get("Location"), "/auth/login?next=") {
				t.Errorf("GET %s signed out redirects to %q, want sign-in", tc.path, hdr.Get("Location"))
			}
			if strings.Contains(body, "299,9") || strings.Contains(body, "Främmande") {
				t.Errorf("error answer shows a foreign figure")
			}
		})
	}
}

func TestPages_home(t *testing.T) {
	ts := newTestServer(t)
	for role, want := range map[string]string{"principal": "/min-skola", "organiser": "/jamfor", "inspector": "/granskning", "staff": "/anvandning"} {
		status, _, hdr := ts.get(t, role, "/")
		if status != http.StatusSeeOther || hdr.Get("Location") != want {
			t.Errorf("GET / as %s = %d %q, want 303 %s", role, status, hdr.Get("Location"), want)
		}
	}
}

func TestPages_accessLog(t *testing.T) {
	ts := newTestServer(t)
	if status, _, _ := ts.get(t, "principal", "/min-skola"); status != http.StatusOK {
		t.Fatalf("status = %d", status)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.notes) != 1 {
		t.Fatalf("%d access-log notes, want 1", len(ts.notes))
	}
	n := ts.notes[0]
	if n.returned == 0 || n.hidden == 0 || n.hidden >= n.returned {
		t.Errorf("noted %d returned, %d hidden; want some of each", n.returned, n.hidden)
	}
	codes := strings.Join(n.filters["area_code"], ",")
	if !strings.Contains(codes, "11111111") || strings.Contains(codes, "99999999") {
		t.Errorf("noted area codes %q, want the school's and not a foreign one", codes)
	}
	if !strings.Contains(strings.Join(n.filters["statistic"], ","), "merit_value") {
		t.Errorf("noted statistics %v", n.filters["statistic"])
	}
}

func TestAssets_served(t *testing.T) {
	ts := newTestServer(t)
	_, body, _ := ts.get(t, "principal", "/min-skola")
	urls := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(urls) != 4 {
		t.Fatalf("page links %d assets, want 4 (echarts, langSV, app.js, app.css)", len(urls))
	}
	for _, u := range urls {
		status, content, hdr := ts.get(t, "", u[1])
		if status != http.StatusOK || len(content) == 0 {
			t.Errorf("GET %s = %d (%d bytes)", u[1], status, len(content))
		}
		if got := hdr.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s Cache-Control = %q", u[1], got)
		}
		if strings.HasSuffix(u[1], ".js") && !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET %s Content-Type = %q", u[1], hdr.Get("Content-Type"))
		}
	}
}
