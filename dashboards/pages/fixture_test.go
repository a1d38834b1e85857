package pages

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/dashboards"
	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// The areas of the test snapshot: organiser K0180 in municipality 0180 has four school units;
// a foreign organiser X1 in 0380 has one, whose figures no Ekskolan principal may see.
var testAreas = []snapshot.Area{
	{Level: snapshot.LevelNation, Code: "SE", Name: "Riket"},
	{Level: snapshot.LevelMunicipality, Code: "0180", Name: "Stockholm"},
	{Level: snapshot.LevelMunicipality, Code: "0380", Name: "Uppsala"},
	{Level: snapshot.LevelOrganiser, Code: "K0180", Name: "Stockholms kommun", MunicipalityCode: "0180"},
	{Level: snapshot.LevelOrganiser, Code: "X1", Name: "Friskolan AB"},
	{Level: snapshot.LevelSchoolUnit, Code: "11111111", Name: "Ekskolan", OrganiserID: "K0180", MunicipalityCode: "0180"},
	{Level: snapshot.LevelSchoolUnit, Code: "22222222", Name: "Björkskolan", OrganiserID: "K0180", MunicipalityCode: "0180"},
	{Level: snapshot.LevelSchoolUnit, Code: "33333333", Name: "Granskolan", OrganiserID: "K0180", MunicipalityCode: "0180"},
	{Level: snapshot.LevelSchoolUnit, Code: "44444444", Name: "Lönnskolan", OrganiserID: "K0180", MunicipalityCode: "0180"},
	{Level: snapshot.LevelSchoolUnit, Code: "99999999", Name: "Främmande skolan", OrganiserID: "X1", MunicipalityCode: "0380"},
}

var testExtracted = time.Date(2025, 6, 30, 0, 30, 0, 0, time.UTC) // 02:30 in Stockholm

// cellMaker collects the hand-made protected cells of the test snapshot.
type cellMaker struct {
	cells []snapshot.Cell
}

func sp(s string) *string { return &s }
func ip(i int) *int       { return &i }

// swedishDisplay is how the reports publish a shown figure of measure: a share to one decimal
// in percent, a mean to one decimal, a count whole.
func swedishDisplay(measure string, v float64) string {
	switch measure {
	case "share":
		return anonymize.FormatPercent(v, 1)
	case "mean":
		return anonymize.FormatNumber(v, 1)
	}
	return anonymize.FormatNumber(v, 0)
}

// add appends one cell; display "" means shown with value v formatted the Swedish way, any
// other display means hidden (".." suppressed, "~100"/"≥95 %" coded).
func (m *cellMaker) add(stat, period, level, code string, grade *int, subject, gender, category *string, measure string, v float64, display string) {
	c := snapshot.Cell{ID: int64(len(m.cells) + 1), Statistic: stat, Period: period, AreaLevel: level, AreaCode: code,
		GradeLevel: grade, Subject: subject, Gender: gender, Category: category, Measure: measure}
	switch {
	case display == "":
		c.Value = &v
		c.Status = snapshot.StatusShown
		c.Display = swedishDisplay(measure, v)
	case display == "..":
		c.Status = snapshot.StatusSuppressedPrimary
		c.Display = display
	default:
		c.Status = snapshot.StatusCoded
		c.Display = display
	}
	m.cells = append(m.cells, c)
}

func level(code string) string {
	for _, a := range testAreas {
		if a.Code == code {
			return a.Level
		}
	}
	panic("no area " + code)
}

// testContent is the snapshot the page tests read.
func testContent() snapshot.Content {
	m := &cellMaker{}
	years := []string{"VT2023", "VT2024", "VT2025"} // terms, as reports publishes merit and passed
	codes := []string{"SE", "0180", "0380", "K0180", "X1", "11111111", "22222222", "33333333", "44444444", "99999999"}
	// merit_value, year 9: Ekskolan hidden in 2023/24; the foreign school has a telltale 299,9.
	merit := map[string][]float64{
		"SE": {221.2, 222.4, 223.6}, "0180": {230.1, 231.2, 232.3}, "0380": {225.0, 226.0, 227.0},
		"K0180": {228.8, 229.9, 230.5}, "X1": {240.0, 241.0, 242.0},
		"11111111": {211.5, -1, 231.5}, "22222222": {201.0, 202.0, 203.0}, "33333333": {250.0, 251.0, 252.0},
		"44444444": {240.0, 241.0, 245.0}, "99999999": {299.9, 299.9, 299.9},
	}
	for _, code := range codes {
		for i, y := range years {
			v := merit[code][i]
			if v < 0 {
				m.add("merit_value", y, level(code), code, ip(9), nil, nil, nil, "mean", 0, "..")
				m.add("merit_value", y, level(code), code, ip(9), nil, nil, nil, "n", 0, "..")
				continue
			}
			m.add("merit_value", y, level(code), code, ip(9), nil, nil, nil, "mean", v, "")
			m.add("merit_value", y, level(code), code, ip(9), nil, nil, nil, "n", 34+float64(i), "")
			for gi, g := range []string{"F", "M"} {
				m.add("merit_value", y, level(code), code, ip(9), nil, sp(g), nil, "mean", v+float64(2*gi-1)*5, "")
			}
		}
	}
	// passed_all_subjects, years 6 and 9: the total row is the group's count, category
	// "passed" its count and share; Granskolan's year 9 is coded ~100.
	for _, code := range codes {
		for i, y := range years {
			for _, g := range []int{6, 9} {
				share := 0.70 + 0.01*float64(i) + 0.001*float64(len(code))
				disp := ""
				if code == "33333333" && g == 9 {
					disp = "~100"
				}
				for _, gen := range []*string{nil, sp("F"), sp("M")} {
					m.add("passed_all_subjects", y, level(code), code, ip(g), nil, gen, nil, "count", 60, "")
					m.add("passed_all_subjects", y, level(code), code, ip(g), nil, gen, sp("passed"), "count", 60*share, disp)
					m.add("passed_all_subjects", y, level(code), code, ip(g), nil, gen, sp("passed"), "share", share, disp)
				}
			}
		}
	}
	// eligibility, year 9: every kind the statistic publishes (the categories overlap); the
	// total row is the group's count. Ekskolan's arts share is hidden in VT2024 and its science
	// share coded in VT2025.
	elig := map[string]float64{"vocational": 0.86, "preparatory_economics": 0.71, "preparatory_arts": 0.74, "preparatory_science": 0.62}
	for ci, code := range codes {
		for i, y := range years {
			for _, gen := range []*string{nil, sp("F"), sp("M")} {
				m.add("eligibility", y, level(code), code, ip(9), nil, gen, nil, "count", 60, "")
				for _, cat := range []string{"vocational", "preparatory_economics", "preparatory_arts", "preparatory_science"} {
					share := elig[cat] + 0.01*float64(i) + 0.001*float64(ci)
					disp := ""
					switch {
					case code == "11111111" && cat == "preparatory_arts" && y == "VT2024":
						disp = ".."
					case code == "11111111" && cat == "preparatory_science" && y == "VT2025":
						disp = "≤5 %"
					case code == "99999999":
						share = 0.999
					}
					m.add("eligibility", y, level(code), code, ip(9), nil, gen, sp(cat), "count", 60*share, disp)
					m.add("eligibility", y, level(code), code, ip(9), nil, gen, sp(cat), "share", share, disp)
				}
			}
		}
	}
	// test_vs_grade per school year, MA year 9.
	for _, code := range []string{"SE", "0180", "K0180", "11111111"} {
		for _, y := range []string{"2023/24", "2024/25"} {
			m.add("test_vs_grade", y, level(code), code, ip(9), sp("MA"), nil, nil, "count", 50, "")
			for ci, cat := range []string{"lower", "equal", "higher"} {
				m.add("test_vs_grade", y, level(code), code, ip(9), sp("MA"), nil, sp(cat), "share", []float64{0.1, 0.75, 0.15}[ci], "")
			}
		}
	}
	// grade_distribution, MA year 9: Ekskolan's A hidden in VT2025 and "-" coded.
	for _, code := range []string{"SE", "0180", "K0180", "11111111", "99999999"} {
		for ti, term := range []string{"VT2024", "VT2025"} {
			m.add("grade_distribution", term, level(code), code, ip(9), sp("MA"), nil, nil, "count", 40, "")
			for gi, gr := range []string{"A", "B", "C", "D", "E", "F", "-"} {
				disp := ""
				if code == "11111111" && term == "VT2025" && gr == "A" {
					disp = ".."
				}
				if code == "11111111" && term == "VT2025" && gr == "-" {
					disp = "≤5 %"
				}
				m.add("grade_distribution", term, level(code), code, ip(9), sp("MA"), nil, sp(gr), "share", 0.05+0.02*float64(gi)+0.01*float64(ti), disp)
			}
		}
	}
	// absence per month at Ekskolan and its aggregates.
	for _, code := range []string{"SE", "0180", "K0180", "11111111"} {
		for i, mo := range []string{"2025-01", "2025-02", "2025-03"} {
			m.add("absence", mo, level(code), code, nil, nil, nil, nil, "share", 0.06+0.01*float64(i), "")
			m.add("absence", mo, level(code), code, nil, nil, nil, nil, "n", 300, "")
		}
	}
	// platform use in the nation (categories: role, device, role/device; event type, role,
	// role/event type); pupils on tablets are too few in week 12.
	for i, w := range []string{"2025-W10", "2025-W11", "2025-W12"} {
		m.add("active_users", w, "nation", "SE", nil, nil, nil, nil, "count", float64(600+i), "")
		for ci, cat := range []string{"staff", "guardian", "pupil", "computer", "mobile", "tablet",
			"staff/computer", "staff/mobile", "guardian/computer", "guardian/mobile", "pupil/tablet"} {
			disp := ""
			if cat == "pupil/tablet" && i == 2 {
				disp = ".."
			}
			m.add("active_users", w, "nation", "SE", nil, nil, nil, sp(cat), "count", float64(100*(ci+1)+i), disp)
		}
		for ci, cat := range []string{"login", "view", "staff", "guardian", "staff/login", "guardian/view"} {
			m.add("feature_use", w, "nation", "SE", nil, nil, nil, sp(cat), "count", float64(1000*(ci+1)+i), "")
		}
	}
	stats := []snapshot.Statistic{}
	for _, id := range []string{"merit_value", "passed_all_subjects", "eligibility", "grade_distribution", "test_vs_grade", "absence", "active_users", "feature_use"} {
		stats = append(stats, snapshot.Statistic{ID: id, NameSV: "Statistik " + id, NameEN: "Statistic " + id,
			DescriptionSV: "-", DescriptionEN: "-", Unit: "-", Measures: []string{"count"}, Dimensions: []string{"period"}, Population: "pupils"})
	}
	return snapshot.Content{
		Cells:      m.cells,
		Areas:      testAreas,
		Statistics: stats,
		Subjects:   []snapshot.Subject{{Code: "MA", NameSV: "Matematik", NameEN: "Mathematics"}},
	}
}

// publishContent writes content as the current snapshot under DIR/published/.
func publishContent(tb testing.TB, dir string, content snapshot.Content) {
	tb.Helper()
	ctx := context.Background()
	pub := filepath.Join(dir, "published")
	if err := os.MkdirAll(pub, 0o755); err != nil {
		tb.Fatal(err)
	}
	db, err := duck.Open(ctx, filepath.Join(pub, "run-test-1.duckdb"), duck.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, snapshot.Schema); err != nil {
		tb.Fatal(err)
	}
	meta := snapshot.Meta{RunID: "run-test-1", ExtractedAt: testExtracted, PublishedAt: testExtracted.Add(time.Hour), Policy: "{}", Source: "test"}
	if err := snapshot.Write(ctx, db, content, meta); err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pub, "CURRENT"), []byte("run-test-1.duckdb\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// noteRecord is one access-log note a page made.
type noteRecord struct {
	path             string
	filters          map[string][]string
	returned, hidden int
}

// testServer is the real server (dashboards.New with its middleware, authentication, CSRF,
// error mapping and access log) with these pages, over a real snapshot file, on a loopback port.
type testServer struct {
	*httptest.Server
	dev   *auth.DevTokens
	mu    sync.Mutex
	notes []noteRecord
}

// testPrincipals are the users the tests sign in as; the demo users page offers the same roles.
var testPrincipals = map[string]auth.Principal{
	"principal": {Subject: "rektor-1", Role: auth.RolePrincipal, Scopes: []auth.Scope{{Level: snapshot.LevelSchoolUnit, Code: "11111111"}}},
	"organiser": {Subject: "huvudman-1", Role: auth.RoleOrganiser, Scopes: []auth.Scope{{Level: snapshot.LevelOrganiser, Code: "K0180"}}},
	"inspector": {Subject: "granskare-1", Role: auth.RoleInspector, Scopes: []auth.Scope{{Level: auth.ScopeAll}}},
	"staff":     {Subject: "plattform-1", Role: auth.RolePlatformStaff, Scopes: []auth.Scope{{Level: auth.ScopeAll}}},
}

func newTestServer(tb testing.TB) *testServer {
	tb.Helper()
	return newTestServerSync(tb, 0)
}

// newTestServerSync is newTestServer with the access log fsynced every syncEvery (0: after
// every line, as the tests want; the server's production setting is once a second).
func newTestServerSync(tb testing.TB, syncEvery time.Duration) *testServer {
	tb.Helper()
	return newTestServerWith(tb, syncEvery, testContent())
}

// newTestServerWith is newTestServerSync over a snapshot of content.
func newTestServerWith(tb testing.TB, syncEvery time.Duration, content snapshot.Content) *testServer {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	publishContent(tb, dir, content)
	st, err := store.Open(ctx, dir)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := auth.LoadOrCreateKey(filepath.Join(dir, auth.DevKeyFile))
	if err != nil {
		tb.Fatal(err)
	}
	dev := auth.NewDevTokens(key)
	authn, err := auth.New(ctx, auth.Config{SessionKey: auth.SessionKey(), Dev: dev, Areas: func() []snapshot.Area {
		s, err := st.Current()
		if err != nil {
			return nil
		}
		return s.Areas()
	}})
	if err != nil {
		tb.Fatal(err)
	}
	alog, err := accesslog.Open(filepath.Join(dir, accesslog.FileName), syncEvery)
	if err != nil {
		tb.Fatal(err)
	}
	ts := &testServer{dev: dev}
	pg, err := New(Config{
		Current: FromStore(st),
		Note: func(c *gin.Context, f map[string][]string, returned, hidden int) {
			ts.mu.Lock()
			ts.notes = append(ts.notes, noteRecord{c.Request.URL.Path, f, returned, hidden})
			ts.mu.Unlock()
			accesslog.Note(c, f, returned, hidden)
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := dashboards.New(dashboards.Config{Store: st, Auth: authn, AccessLog: alog, Pages: pg})
	if err != nil {
		tb.Fatal(err)
	}
	ts.Server = httptest.NewServer(srv.Handler())
	tb.Cleanup(func() {
		ts.Close()
		alog.Close()
	})
	return ts
}

// get fetches path as role and returns status and body.
func (ts *testServer) get(tb testing.TB, role, path string) (int, string, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if role != "" {
		p, ok := testPrincipals[role]
		if !ok {
			tb.Fatalf("no test principal %q", role)
		}
		tok, err := ts.dev.Issue(p, time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}
