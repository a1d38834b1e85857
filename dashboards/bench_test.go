package dashboards_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skolstat/skolstat/dashboards"
	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/pages"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/dashboards/testsnap"
	"github.com/skolstat/skolstat/etl/publish"
)

// benchConcurrency is the number of concurrent connections of the load benchmarks.
const benchConcurrency = 64

const (
	benchAPIPath  = "/api/v1/statistics/grade_distribution/cells?area_code=" + testsnap.LargeSchool + "&period=VT2025&subject=MA&grade_level=9"
	benchPagePath = "/min-skola"
)

// benchPages registers the real pages plus two static files holding the same bytes as the
// API answer and the page, served by the same engine and middleware.
type benchPages struct {
	pages          *pages.Pages
	dir            string
	apiBytes, page []byte
}

func (p *benchPages) Register(r gin.IRouter) {
	if p.pages != nil {
		p.pages.Register(r)
	}
	r.StaticFile("/static/api.json", filepath.Join(p.dir, "api.json"))
	r.StaticFile("/static/page.html", filepath.Join(p.dir, "page.html"))
}

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchDataDir publishes the Large snapshot once per machine (kept in the temporary folder).
func benchDataDir(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		benchDir = filepath.Join(os.TempDir(), "skolstat-bench-large-v1")
		if _, err := publish.Current(benchDir); err == nil {
			return
		}
		os.RemoveAll(benchDir)
		_, benchErr = testsnap.PublishContent(context.Background(), benchDir, "large", testsnap.Large())
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

type benchServer struct {
	url       string
	principal string // bearer token of the school's principal
	bp        *benchPages
	handler   http.Handler
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	ctx := context.Background()
	data := benchDataDir(b)
	st, err := store.Open(ctx, data)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	dev := auth.NewDevTokens(auth.SessionKey())
	authn, err := auth.New(ctx, auth.Config{SessionKey: auth.SessionKey(), Dev: dev})
	if err != nil {
		b.Fatal(err)
	}
	alog, err := accesslog.Open(filepath.Join(dir, accesslog.FileName), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	pg, err := pages.New(pages.Config{Current: pages.FromStore(st), Note: accesslog.Note})
	if err != nil {
		b.Fatal(err)
	}
	bp := &benchPages{pages: pg, dir: dir}
	srv, err := dashboards.New(dashboards.Config{Store: st, Auth: authn, AccessLog: alog, Pages: bp})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		hs.Close()
		alog.Close()
	})
	tok, err := dev.Issue(auth.Principal{Subject: "bench", Role: auth.RolePrincipal,
		Scopes: []auth.Scope{{Level: "school_unit", Code: testsnap.LargeSchool}}}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	bs := &benchServer{url: hs.URL, principal: tok, bp: bp, handler: srv.Handler()}
	bp.apiBytes = bs.fetch(b, benchAPIPath)
	bp.page = bs.fetch(b, benchPagePath)
	os.WriteFile(filepath.Join(dir, "api.json"), bp.apiBytes, 0o644)
	os.WriteFile(filepath.Join(dir, "page.html"), bp.page, 0o644)
	// Start from a settled heap: loading the snapshot leaves garbage whose collection (marking
	// ~170 MB of cells) would otherwise fall into the first measured requests.
	runtime.GC()
	return bs
}

func (bs *benchServer) fetch(b *testing.B, path string) []byte {
	req, _ := http.NewRequest(http.MethodGet, bs.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+bs.principal)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// benchPacedRate is the offered load of the paced benchmarks, in requests per second: well
// below what the shared 2-core machine serves (client and server together), so that latency
// shows the cost of a request rather than the queue of a saturated machine.
const benchPacedRate = 1000

// load sends b.N GET requests over benchConcurrency keep-alive connections, as fast as they
// are answered, and reports p50 and p99 latency in milliseconds and requests per second.
func (bs *benchServer) load(b *testing.B, path string, withToken bool) {
	bs.loadAt(b, path, withToken, 0)
}

// loadAt is load at an offered rate (requests per second; 0: as fast as possible). With a
// rate, request i is due at start + i/rate and its latency counts from then, so a slow answer
// also counts against the requests queued behind it (no coordinated omission).
func (bs *benchServer) loadAt(b *testing.B, path string, withToken bool, rate float64) {
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency, MaxConnsPerHost: benchConcurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < benchConcurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				req, _ := http.NewRequest(http.MethodGet, bs.url+path, nil)
				if withToken {
					req.Header.Set("Authorization", "Bearer "+bs.principal)
				}
				t0 := time.Now()
				if rate > 0 {
					t0 = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					time.Sleep(time.Until(t0))
				}
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d of %d requests failed", failed.Load(), b.N)
	}
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
}

// BenchmarkServer_API is a typical API call: one school's grade distribution in one subject,
// grade and term (48 cells), as its principal, with authentication and the access log.
func BenchmarkServer_API(b *testing.B) {
	bs := newBenchServer(b)
	b.ReportMetric(float64(len(bs.bp.apiBytes)), "bytes/resp")
	bs.load(b, benchAPIPath, true)
}

// BenchmarkServer_APIPaced is the typical API call at an offered load of benchPacedRate
// requests per second over the same 64 connections.
func BenchmarkServer_APIPaced(b *testing.B) {
	bs := newBenchServer(b)
	bs.loadAt(b, benchAPIPath, true, benchPacedRate)
}

// BenchmarkServer_APIStaticPaced serves the same bytes as a static file at the same offered
// load.
func BenchmarkServer_APIStaticPaced(b *testing.B) {
	bs := newBenchServer(b)
	bs.loadAt(b, "/static/api.json", false, benchPacedRate)
}

// BenchmarkServer_APIStatic serves the same bytes as BenchmarkServer_API as a static file.
func BenchmarkServer_APIStatic(b *testing.B) {
	bs := newBenchServer(b)
	bs.load(b, "/static/api.json", false)
}

// BenchmarkServer_Page is a typical page: the principal's Min skola.
func BenchmarkServer_Page(b *testing.B) {
	bs := newBenchServer(b)
	b.ReportMetric(float64(len(bs.bp.page)), "bytes/resp")
	bs.load(b, benchPagePath, true)
}

// BenchmarkServer_PageStatic serves the same bytes as BenchmarkServer_Page as a static file.
func BenchmarkServer_PageStatic(b *testing.B) {
	bs := newBenchServer(b)
	bs.load(b, "/static/page.html", false)
}

// BenchmarkServer_APIHandler measures the CPU cost of the typical API call in the handler
// alone (no network, no client), in parallel.
func BenchmarkServer_APIHandler(b *testing.B) {
	bs := newBenchServer(b)
	h := bs.handler
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, benchAPIPath, nil)
			req.Header.Set("Authorization", "Bearer "+bs.principal)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// BenchmarkServer_PageHandler measures the CPU cost of the typical page in the handler alone.
func BenchmarkServer_PageHandler(b *testing.B) {
	bs := newBenchServer(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, benchPagePath, nil)
		req.Header.Set("Authorization", "Bearer "+bs.principal)
		w := httptest.NewRecorder()
		bs.handler.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
