package pages

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// BenchmarkPages renders each page through the real server on a loopback port with 64
// concurrent connections and reports latency percentiles and throughput; for comparison it
// then serves the same response bytes as a static file from a Gin server on a loopback port
// (static-*), and reports the page's share of the static file's throughput (page/static).
// The *-cold cases add a query parameter the page ignores, different on every request, so
// that every request misses the page cache and builds the page from the snapshot.
//
// The access log is fsynced once a second, as cmd/skolstat serve opens it.
func BenchmarkPages(b *testing.B) {
	ts := newTestServerSync(b, time.Second)
	cases := []struct{ name, role, path string }{
		{"school", "principal", "/min-skola"},
		{"compare", "organiser", "/jamfor"},
		{"review", "inspector", "/granskning?omrade=school_unit:11111111"},
		{"usage", "staff", "/anvandning"},
		{"school-cold", "principal", "/min-skola?uncached="},
		{"compare-cold", "organiser", "/jamfor?uncached="},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			tok, err := ts.dev.Issue(testPrincipals[bc.role], time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			status, body, _ := ts.get(b, bc.role, bc.path)
			if status != http.StatusOK {
				b.Fatalf("GET %s: status %d", bc.path, status)
			}
			static := staticServer(b, []byte(body))
			b.ResetTimer()
			url, size := func(int) string { return ts.URL + bc.path }, len(body)
			if strings.HasSuffix(bc.path, "=") { // the language link repeats the query: sizes vary
				url, size = func(i int) string { return ts.URL + bc.path + strconv.Itoa(i) }, 0
			}
			page := load(b, url, tok, size)
			b.StopTimer()
			file := load(b, func(int) string { return static.URL + "/page.html" }, "", len(body))
			b.ReportMetric(page.p50, "p50-ms")
			b.ReportMetric(page.p99, "p99-ms")
			b.ReportMetric(page.rps, "req/s")
			b.ReportMetric(file.p50, "static-p50-ms")
			b.ReportMetric(file.p99, "static-p99-ms")
			b.ReportMetric(file.rps, "static-req/s")
			b.ReportMetric(page.rps/file.rps, "page/static")
			b.ReportMetric(float64(len(body)), "bytes")
		})
	}
}

// staticServer serves body as the file page.html from a Gin server on a loopback port.
func staticServer(tb testing.TB, body []byte) *httptest.Server {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "page.html")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		tb.Fatal(err)
	}
	r := gin.New()
	r.StaticFile("/page.html", path)
	s := httptest.NewServer(r)
	tb.Cleanup(s.Close)
	return s
}

// loadResult is the latency percentiles (ms) and throughput of a load run.
type loadResult struct{ p50, p99, rps float64 }

// load sends b.N GET requests (the i-th to url(i)) from 64 concurrent connections and checks
// that each answer is 200 with size bytes (any size when size is 0).
func load(b *testing.B, url func(i int) string, token string, size int) loadResult {
	b.Helper()
	const workers = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, b.N)
	var next int64 = -1
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				next++
				i := next
				mu.Unlock()
				if i >= int64(b.N) {
					return
				}
				req, err := http.NewRequest(http.MethodGet, url(int(i)), nil)
				if err != nil {
					b.Error(err)
					return
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || (size > 0 && n != int64(size)) {
					b.Errorf("GET %s: status %d, %d bytes, want 200, %d bytes", url(int(i)), resp.StatusCode, n, size)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	return loadResult{p50: pct(0.50), p99: pct(0.99), rps: float64(b.N) / elapsed.Seconds()}
}
