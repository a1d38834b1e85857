package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that the demo's goroutines write while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// demoBudget is the demo's --protect-budget in the test: shorter than the demo's default so
// the test is quicker (`go test -run TestDemo -args -demo-budget=90s` runs it as `make demo`).
var demoBudget = flag.Duration("demo-budget", 20*time.Second, "--protect-budget of the demo that TestDemo runs")

// demoWait is how long the test waits for the demo's first snapshot (synthetic data, build,
// protection within the budget, audit, publication).
const demoWait = 8 * time.Minute

var (
	reDemoAddr = regexp.MustCompile(`open (http://[^/\s]+)/`)
	// A demo user's form on the sign-in page: its hidden fields and its button's role.
	reDevForm   = regexp.MustCompile(`(?s)<form method="post" action="(/auth/dev)">(.*?)</form>`)
	reHidden    = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	reDataRole  = regexp.MustCompile(`data-role="([^"]+)"`)
	reNavLink   = regexp.MustCompile(`(?s)<nav aria-label="[^"]*"><ul>(.*?)</ul></nav>`)
	reHref      = regexp.MustCompile(`href="([^"]*)"`)
	reURLAttrs  = regexp.MustCompile(`\b(?:src|href|action)\s*=\s*"([^"]*)"`)
	reHiddenFig = regexp.MustCompile(`<td class="num hidden"[^>]*>([^<]*)<`)
	// A shown figure in a table, Swedish style: decimal comma, narrow no-break space between
	// thousands, "\u00a0%" after a share (e.g. 231,5 or 7,4 %).
	reSwedishFig = regexp.MustCompile("<td class=\"num[^\"]*\" data-sort=\"[^\"]+\"[^>]*>−?\\d{1,3}(?:\u202f\\d{3})*,\\d+(?:\u00a0%)?<")
	// A shown count (the usage page's figures are whole numbers).
	reShownCount = regexp.MustCompile("<td class=\"num[^\"]*\" data-sort=\"[^\"]+\"[^>]*>\\d{1,3}(?:\u202f\\d{3})*<")
)

const (
	gradesNotice = "Betygsfördelningen publiceras inte i den här körningen: skyddet av uppgifterna blev inte klart i tid."
	legendHidden = "<dt><code>..</code></dt><dd>"
)

// startDemo runs `skolstat demo` in-process on a free loopback port with data directory data
// and returns its base URL once the server answers; the demo is stopped and data removed when
// the test ends.
func startDemo(t *testing.T, data string, args ...string) (base string, stderr *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	args = append([]string{"demo", "--data", data, "--addr", "127.0.0.1:0"}, args...)
	go func() { done <- run(ctx, args, out, errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop within 30 s of its context's end")
		}
		// The build goroutine may still be stopping when the test failed early.
		for i := 0; i < 50; i++ {
			if err := os.RemoveAll(data); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	for deadline := time.Now().Add(time.Minute); ; {
		if m := reDemoAddr.FindStringSubmatch(out.String()); m != nil {
			return m[1], errb
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited with %d before serving:\n%s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo printed no address:\nstdout: %s\nstderr: %s", out.String(), errb.String())
		}
	}
}

// waitReady polls /readyz until the demo serves a snapshot; it fails early when the demo's run
// logged its failure.
func waitReady(t *testing.T, base string, stderr *lockedBuffer) {
	t.Helper()
	start := time.Now()
	for deadline := start.Add(demoWait); ; {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("first snapshot served after %v", time.Since(start).Round(time.Second))
				return
			}
		}
		if strings.Contains(stderr.String(), "demo run failed") {
			t.Fatalf("the demo's run failed after %v:\n%s", time.Since(start).Round(time.Second), demoLog(stderr))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot after %v:\n%s", demoWait, demoLog(stderr))
		}
		time.Sleep(2 * time.Second)
	}
}

// demoLog is the demo's log without the lines of the test's own /readyz polls.
func demoLog(stderr *lockedBuffer) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(stderr.String(), "\n") {
		if !strings.Contains(l, `"route":"/readyz"`) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// browser is a cookie-keeping HTTP client that follows redirects and sends Origin on a form
// post, as a browser does.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: time.Minute}}
}

// do sends a request and returns the final status, path (after redirects), headers and body.
func (b *browser) do(req *http.Request) (int, string, http.Header, string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, resp.Request.URL.RequestURI(), resp.Header, string(body)
}

func (b *browser) get(path string) (int, string, http.Header, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// submit posts a form's fields to action with the page's origin, as a browser submits a form.
func (b *browser) submit(action string, fields url.Values) (int, string, http.Header, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+action, strings.NewReader(fields.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

// demoUser is one form of the demo sign-in page.
type demoUser struct {
	role   string
	action string
	fields url.Values
}

// demoUsers reads the demo users offered on the sign-in page.
func demoUsers(t *testing.T, page string) []demoUser {
	t.Helper()
	var users []demoUser
	for _, f := range reDevForm.FindAllStringSubmatch(page, -1) {
		u := demoUser{action: f[1], fields: url.Values{}}
		for _, h := range reHidden.FindAllStringSubmatch(f[2], -1) {
			u.fields.Set(h[1], html.UnescapeString(h[2]))
		}
		if m := reDataRole.FindStringSubmatch(f[2]); m != nil {
			u.role = m[1]
		}
		users = append(users, u)
	}
	return users
}

// rolePages are the pages each role's menu must offer.
var rolePages = map[string][]string{
	"principal": {"/min-skola"},
	"organiser": {"/jamfor"},
	"inspector": {"/granskning", "/jamfor"},
	"staff":     {"/anvandning"},
}

// gradesWithheld asks the API's catalogue, as the signed-in b, whether the snapshot publishes
// the grade distribution.
func gradesWithheld(t *testing.T, b *browser) bool {
	t.Helper()
	status, _, _, body := b.get("/api/v1/statistics")
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/statistics = %d: %s", status, body)
	}
	if !json.Valid([]byte(body)) {
		t.Fatalf("GET /api/v1/statistics: not JSON: %.200s", body)
	}
	return !strings.Contains(body, `"grade_distribution"`)
}

// checkOwnOrigin fails for any URL in the page that leads to another origin than base.
func checkOwnOrigin(t *testing.T, base, path, body string) {
	t.Helper()
	for _, m := range reURLAttrs.FindAllStringSubmatch(body, -1) {
		u := html.UnescapeString(m[1])
		switch {
		case u == "data:,", strings.HasPrefix(u, "#"), strings.HasPrefix(u, "?"):
		case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, "/\\"):
		case strings.HasPrefix(u, base+"/"):
		default:
			t.Errorf("%s: URL %q leads to another origin", path, u)
		}
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		for _, m := range regexp.MustCompile(`https?://[^\s"'<>)]+`).FindAllString(body, -1) {
			if !strings.HasPrefix(m, base) && !strings.HasPrefix(m, "http://www.w3.org/") {
				t.Errorf("%s: page names another origin %q", path, m)
			}
		}
	}
}

// TestDemo_signInAsEachRole runs `skolstat demo` as a new user would (small profile, a short
// protection budget so the test is quicker), waits for its first snapshot, then for every demo
// user on the sign-in page signs in through the form with cookies and CSRF token and opens
// each page of the user's menu: real figures in the Swedish format, hidden figures as ".."
// with the legend, nothing from another origin, and the grade distribution either drawn or
// replaced by the notice that it is withheld from this run.
func TestDemo_signInAsEachRole(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo builds and protects a whole snapshot (minutes)")
	}
	// Not t.TempDir: the demo's build may still be stopping when a failed test ends.
	data, err := os.MkdirTemp("", "skolstat-demo-")
	if err != nil {
		t.Fatal(err)
	}
	// One snapshot for the whole test: the complete one the demo would publish later could
	// replace it between two pages.
	base, stderr := startDemo(t, data, "--profile", "small", "--protect-budget", demoBudget.String(), "--complete-later=false")
	waitReady(t, base, stderr)
	checkDemoUsers(t, base)
}

// checkDemoUsers signs in as every demo user of the server at base and checks their pages.
func checkDemoUsers(t *testing.T, base string) {
	t.Helper()
	_, users := openSignIn(t, base)
	var roles []string
	for _, u := range users {
		roles = append(roles, u.role)
	}
	if len(users) != len(rolePages) {
		t.Fatalf("sign-in page offers roles %v, want one user per role of %v", roles, rolePages)
	}

	// Whether this run withheld the grade distribution, from the API's catalogue as the
	// inspector (who may see every statistic) reads it.
	withheld := false
	for i, u := range users {
		if u.role == "inspector" {
			ib, _ := signIn(t, base, i, rolePages[u.role][0])
			withheld = gradesWithheld(t, ib)
		}
	}
	t.Logf("grade distribution withheld from this run: %v", withheld)

	hiddenSeen := 0
	for i, u := range users {
		t.Run(u.role, func(t *testing.T) {
			want, ok := rolePages[u.role]
			if !ok {
				t.Fatalf("unknown demo role %q", u.role)
			}
			b, home := signIn(t, base, i, want[0])
			nav := reNavLink.FindStringSubmatch(home)
			if nav == nil {
				t.Fatal("landing page has no menu")
			}
			var links []string
			for _, m := range reHref.FindAllStringSubmatch(nav[1], -1) {
				links = append(links, html.UnescapeString(m[1]))
			}
			if strings.Join(links, " ") != strings.Join(want, " ") {
				t.Errorf("menu = %v, want %v", links, want)
			}
			paths := links
			if slices.Contains(links, "/jamfor") {
				// The schools compared on the merit value too, besides the page's first statistic.
				paths = append(slices.Clone(links), "/jamfor?statistik=merit")
			}
			for _, path := range paths {
				status, _, hdr, body := b.get(path)
				if status != http.StatusOK {
					t.Errorf("GET %s = %d, want 200:\n%.300s", path, status, body)
					continue
				}
				if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
					t.Errorf("GET %s: Content-Security-Policy %q does not keep scripts to the own origin", path, csp)
				}
				checkOwnOrigin(t, base, path, body)
				if u.role == "staff" {
					if !reShownCount.MatchString(body) {
						t.Errorf("GET %s: no shown count in a table", path)
					}
				} else if !reSwedishFig.MatchString(body) {
					t.Errorf("GET %s: no shown figure in the Swedish format (e.g. 231,5 or 7,4\u00a0%%) in a table", path)
				}
				hidden := reHiddenFig.FindAllStringSubmatch(body, -1)
				for _, h := range hidden {
					if h[1] != ".." {
						t.Errorf("GET %s: hidden figure shown as %q, want ..", path, h[1])
					}
				}
				hiddenSeen += len(hidden)
				if !strings.Contains(body, legendHidden) {
					t.Errorf("GET %s: no legend explaining ..", path)
				}
				if path == "/min-skola" || path == "/granskning" {
					checkGrades(t, path, body, withheld)
				}
			}
		})
	}
	if hiddenSeen == 0 {
		t.Error("no hidden figure (..) on any demo page: the protection shows nothing as hidden")
	}
}

// openSignIn opens the sign-in page in a fresh browser as a person reaches it (a signed-out
// visit to / is sent there) and returns the browser and the demo users it offers.
func openSignIn(t *testing.T, base string) (*browser, []demoUser) {
	t.Helper()
	b := newBrowser(t, base)
	status, landed, _, page := b.get("/")
	if status != http.StatusOK || !strings.HasPrefix(landed, "/auth/dev") {
		t.Fatalf("GET / signed out = %d at %s, want the demo sign-in page", status, landed)
	}
	return b, demoUsers(t, page)
}

// signIn signs in as the i-th demo user in a fresh browser, the way a person does: a visit to
// / is sent to the sign-in page, whose form (with its CSRF token) is posted, and the browser
// must land on landing with 200. A post without the CSRF token is refused first. It returns
// the browser and the landing page.
func signIn(t *testing.T, base string, i int, landing string) (*browser, string) {
	t.Helper()
	b, users := openSignIn(t, base)
	if i >= len(users) {
		t.Fatalf("sign-in page offers %d users, want at least %d", len(users), i+1)
	}
	u := users[i]
	if u.fields.Get("csrf") == "" {
		t.Fatal("demo user form has no CSRF token")
	}
	bad := url.Values{}
	for k, v := range u.fields {
		if k != "csrf" {
			bad[k] = v
		}
	}
	if status, _, _, _ := b.submit(u.action, bad); status != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token = %d, want 403", status)
	}
	status, landed, _, home := b.submit(u.action, u.fields)
	if status != http.StatusOK || !strings.HasPrefix(landed, landing) {
		t.Fatalf("sign-in as %s landed at %s with %d, want %s with 200:\n%.300s", u.role, landed, status, landing, home)
	}
	return b, home
}

// checkGrades checks the grade distribution's section of a page: the notice in place of chart
// and table when the run withheld it, else its table.
func checkGrades(t *testing.T, path, body string, withheld bool) {
	t.Helper()
	hasNotice := strings.Contains(body, gradesNotice)
	hasTable := strings.Contains(body, `<caption id="grades-cap">Betygsfördelning`)
	switch {
	case withheld && (!hasNotice || hasTable):
		t.Errorf("GET %s: grade distribution withheld, but notice %v and table %v; want the notice only", path, hasNotice, hasTable)
	case !withheld && (hasNotice || !hasTable):
		t.Errorf("GET %s: grade distribution published, but notice %v and table %v; want its table", path, hasNotice, hasTable)
	}
}
