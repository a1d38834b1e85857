package pages

import (
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkPages renders each page through the real server on a loopback port with 64
// concurrent connections and reports latency percentiles and throughput.
func BenchmarkPages(b *testing.B) {
	ts := newTestServer(b)
	cases := []struct{ name, role, path string }{
		{"school", "principal", "/min-skola"},
		{"compare", "organiser", "/jamfor"},
		{"review", "inspector", "/granskning?omrade=school_unit:11111111"},
		{"usage", "staff", "/anvandning"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			tok, err := ts.dev.Issue(testPrincipals[bc.role], time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			const workers = 64
			lat := make([]time.Duration, b.N)
			var next int64 = -1
			var mu sync.Mutex
			var wg sync.WaitGroup
			b.ResetTimer()
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
						req, _ := http.NewRequest(http.MethodGet, ts.URL+bc.path, nil)
						req.Header.Set("Authorization", "Bearer "+tok)
						t0 := time.Now()
						resp, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							b.Errorf("status %d", resp.StatusCode)
							return
						}
						lat[i] = time.Since(t0)
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
		})
	}
}
