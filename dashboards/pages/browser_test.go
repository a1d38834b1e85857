package pages

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. Without it the browser test skips, unless CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	msg := "chromium not found: install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium with a fresh profile, recording every request it makes and
// every console error.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	errors   []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromiumPath(t)
	profile, err := os.MkdirTemp("", "skolstat-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelT()
		cancel()
		cancelA()
		os.RemoveAll(profile)
	})
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev interface{}) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), log.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// take returns and clears what was recorded.
func (b *browser) take() (requests, errors []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	requests, errors = b.requests, b.errors
	b.requests, b.errors = nil, nil
	return requests, errors
}

// signIn signs in on the server's demo users page (dev-auth) as the user of role, and returns
// where the browser landed. What the sign-in page itself requested is not checked.
func (b *browser) signIn(t *testing.T, base, role string) string {
	t.Helper()
	var landed string
	sel := `button[data-role="` + role + `"]`
	err := chromedp.Run(b.ctx,
		chromedp.Navigate(base+"/auth/dev"),
		chromedp.WaitReady(sel, chromedp.ByQuery),
	)
	if err == nil {
		_, err = chromedp.RunResponse(b.ctx, chromedp.Click(sel, chromedp.ByQuery))
	}
	if err == nil {
		err = chromedp.Run(b.ctx,
			chromedp.WaitReady("main h1", chromedp.ByQuery),
			chromedp.Location(&landed),
		)
	}
	if err != nil {
		t.Fatalf("sign in as %s: %v", role, err)
	}
	b.take()
	return landed
}

// chartInfo is what the page's script reports of one chart.
type chartInfo struct {
	ID       string  `json:"id"`
	Instance bool    `json:"instance"`
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
	Table    bool    `json:"table"`
}

const chartsJS = `(() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(el => {
  const c = el.querySelector('canvas, svg');
  const r = c ? c.getBoundingClientRect() : {width: 0, height: 0};
  const pair = el.closest('.pair');
  return {id: el.id, instance: !!(window.echarts && echarts.getInstanceByDom(el)),
    width: r.width, height: r.height, table: !!(pair && pair.querySelector('table caption'))};
}))()`

// axisJS reports, for every chart, the labels of its value axis as ECharts formats them and
// every text the chart drew; for the merit chart (#merit) it also shows the tooltip of the
// focus school's latest figure and reports its text.
const axisJS = `(() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(el => {
  const inst = echarts.getInstanceByDom(el);
  const axis = inst.getModel().getComponent('yAxis', 0).axis;
  const labels = axis.getViewLabels().map(l => l.formattedLabel);
  const drawn = inst.getZr().storage.getDisplayList(true).map(d => d.style && d.style.text).filter(t => typeof t === 'string');
  let tooltip = '';
  if (el.closest('#merit')) {
    inst.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 2});
    tooltip = Array.from(el.children).slice(1).map(c => c.textContent).join(' ');
  }
  return {id: el.id, labels: labels, drawn: drawn, tooltip: tooltip};
}))()`

// axisInfo is what axisJS reports of one chart.
type axisInfo struct {
	ID      string   `json:"id"`
	Labels  []string `json:"labels"`
	Drawn   []string `json:"drawn"`
	Tooltip string   `json:"tooltip"`
}

// Numbers on value axes as the page's language writes them: Swedish with a no-break space
// between thousands, a decimal comma and " %" (no-break space); English "1,234.5" and "12%".
var (
	reAxisSV = regexp.MustCompile("^-?\\d{1,3}(\u00a0\\d{3})*(,\\d+)?(\u00a0%)?$")
	reAxisEN = regexp.MustCompile(`^-?\d{1,3}(,\d{3})*(\.\d+)?%?$`)
)

// checkNumberFormat checks that every chart's value axis is drawn in the page's number format,
// that shares carry a percent sign, and that the merit chart's tooltip shows the figure with the
// language's decimal separator.
func checkNumberFormat(t *testing.T, b *browser, path, lang string) {
	t.Helper()
	var infos []axisInfo
	if err := chromedp.Run(b.ctx, chromedp.Evaluate(axisJS, &infos)); err != nil {
		t.Fatalf("%s: read axes: %v", path, err)
	}
	re, thousand, percent := reAxisSV, "1\u00a0", "\u00a0%"
	if lang == "en" {
		re, thousand, percent = reAxisEN, "1,", "%"
	}
	var sawThousand, sawPercent bool
	for _, in := range infos {
		if len(in.Labels) == 0 {
			t.Errorf("%s: chart %s has no value-axis labels", path, in.ID)
		}
		for _, l := range in.Labels {
			if !re.MatchString(l) {
				t.Errorf("%s: chart %s value-axis label %q is not in the %s number format", path, in.ID, l, lang)
			}
			if !slices.Contains(in.Drawn, l) {
				t.Errorf("%s: chart %s value-axis label %q is not drawn (drawn: %q)", path, in.ID, l, in.Drawn)
			}
			sawThousand = sawThousand || strings.HasPrefix(l, thousand)
			sawPercent = sawPercent || strings.HasSuffix(l, percent)
		}
	}
	if (strings.HasPrefix(path, "/min-skola") || strings.HasPrefix(path, "/granskning")) && !sawPercent {
		t.Errorf("%s: no value axis labelled %q: shares are not drawn as percent", path, "…"+percent)
	}
	if strings.HasPrefix(path, "/anvandning") && !sawThousand {
		t.Errorf("%s: no value axis label of a thousand or more (%q…)", path, thousand)
	}
	if strings.HasPrefix(path, "/min-skola") {
		want := "Ekskolan: 231,5"
		if lang == "en" {
			want = "Ekskolan: 231.5"
		}
		tip := ""
		for _, in := range infos {
			tip += in.Tooltip
		}
		if !strings.Contains(tip, want) {
			t.Errorf("%s: merit tooltip = %q, want it to contain %q", path, tip, want)
		}
	}
}

// TestBrowser signs in as each role in headless Chromium, opens each page, and checks that the
// charts are drawn beside their tables, that nothing is requested from another origin and that
// the console has no errors.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	ts := newTestServer(t)
	b := newBrowser(t)
	origin, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("PAGES_SCREENSHOTS") // a directory to save full-page screenshots in
	cases := []struct {
		role  string
		paths []string
		lang  string
	}{
		{"principal", []string{"/min-skola", "/min-skola?lang=en"}, ""},
		{"organiser", []string{"/jamfor", "/jamfor?statistik=merit"}, ""},
		{"inspector", []string{"/granskning", "/granskning?omrade=school_unit:11111111", "/jamfor?omrade=organiser:X1", "/anvandning"}, ""},
		{"staff", []string{"/anvandning"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.role, func(t *testing.T) {
			landed := b.signIn(t, ts.URL, tc.role)
			if !strings.HasPrefix(landed, ts.URL+"/") || landed == ts.URL+"/" {
				t.Errorf("after sign-in landed on %s, want the role's page", landed)
			}
			for _, path := range tc.paths {
				var infos []chartInfo
				var lang string
				err := chromedp.Run(b.ctx,
					chromedp.Navigate(ts.URL+path),
					chromedp.WaitReady("main", chromedp.ByQuery),
					chromedp.Poll(`document.querySelectorAll('.chart[data-chart]').length === 0 || Array.from(document.querySelectorAll('.chart[data-chart]')).every(el => el.querySelector('canvas'))`, nil, chromedp.WithPollingTimeout(20*time.Second)),
					chromedp.Evaluate(chartsJS, &infos),
					chromedp.Evaluate(`document.documentElement.lang`, &lang),
				)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if len(infos) == 0 {
					t.Errorf("%s: no chart on the page", path)
				}
				for _, ci := range infos {
					if !ci.Instance || ci.Width <= 0 || ci.Height <= 0 || !ci.Table {
						t.Errorf("%s: chart %s = %+v, want an echarts instance drawn with non-zero size beside a table", path, ci.ID, ci)
					}
				}
				wantLang := "sv"
				if strings.Contains(path, "lang=en") {
					wantLang = "en"
				}
				if lang != wantLang {
					t.Errorf("%s: html lang = %q, want %q", path, lang, wantLang)
				}
				checkNumberFormat(t, b, path, wantLang)
				if shots != "" {
					var png []byte
					if err := chromedp.Run(b.ctx, chromedp.FullScreenshot(&png, 100)); err == nil {
						name := strings.NewReplacer("/", "_", "?", "_", "=", "_", ":", "_", "&", "_").Replace(tc.role + path)
						_ = os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
					}
				}
				reqs, errs := b.take()
				for _, r := range reqs {
					u, err := url.Parse(r)
					if err != nil || (u.Scheme != "data" && u.Host != origin.Host) {
						t.Errorf("%s: request to another origin: %s", path, r)
					}
				}
				for _, e := range errs {
					t.Errorf("%s: console error: %s", path, e)
				}
			}
		})
	}

	t.Run("sort", func(t *testing.T) {
		b.signIn(t, ts.URL, "organiser")
		var before, after []string
		var sortState string
		const names = `Array.from(document.querySelectorAll('table.sortable tbody th')).map(th => th.textContent)`
		err := chromedp.Run(b.ctx,
			chromedp.Navigate(ts.URL+"/jamfor?statistik=merit"),
			chromedp.WaitReady("table.sortable", chromedp.ByQuery),
			chromedp.Evaluate(names, &before),
			// Keyboard use: focus the first sort button and press Enter.
			chromedp.Focus("table.sortable thead th button.sort", chromedp.ByQuery),
			chromedp.KeyEvent("\r"),
			chromedp.Evaluate(names, &after),
			chromedp.Evaluate(`document.querySelector('table.sortable thead th[aria-sort]').getAttribute('aria-sort')`, &sortState),
		)
		if err != nil {
			t.Fatal(err)
		}
		// Merit values 2024/25: Björkskolan 203,0 < Ekskolan 231,5 < Lönnskolan 245,0 < Granskolan 252,0;
		// the organiser's own row stays last.
		want := []string{"Björkskolan", "Ekskolan", "Lönnskolan", "Granskolan", "Stockholms kommun"}
		if fmt.Sprint(after) != fmt.Sprint(want) || sortState != "ascending" {
			t.Errorf("after sorting by total: rows %v (aria-sort %q), want %v ascending (before: %v)", after, sortState, want, before)
		}
		_, errs := b.take()
		for _, e := range errs {
			t.Errorf("console error: %s", e)
		}
	})
}
