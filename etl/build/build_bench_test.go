package build

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/synth"
	"github.com/skolstat/skolstat/reports"
)

// BenchmarkProtect_RealSmall protects and audits the real cube of the synthetic small profile
// (reports.Build over etl/synth) as a nightly run does (the release gate's audit of the
// published content, from the true counts) and reports the time and the information loss.
func BenchmarkProtect_RealSmall(b *testing.B) {
	if os.Getenv("SKOLSTAT_BENCH_REAL") == "" {
		b.Skip("set SKOLSTAT_BENCH_REAL=1: protecting the real small cube takes minutes")
	}
	benchmarkProtectReal(b, "small")
}

// BenchmarkProtect_RealMunicipality protects and audits the real cube of the synthetic
// municipality profile, the yardstick (under 60 seconds is the goal).
func BenchmarkProtect_RealMunicipality(b *testing.B) {
	if os.Getenv("SKOLSTAT_BENCH_MUNICIPALITY") == "" {
		b.Skip("set SKOLSTAT_BENCH_MUNICIPALITY=1: protecting and auditing the real municipality cube takes about 20 minutes")
	}
	benchmarkProtectReal(b, "municipality")
}

func benchmarkProtectReal(b *testing.B, profile string) {
	ctx := context.Background()
	db, err := duck.Open(ctx, filepath.Join(b.TempDir(), "warehouse.duckdb"), duck.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	g, err := synth.New(synth.Options{Profile: profile, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := g.WriteWarehouse(ctx, db, func(k string) string { return "h" + k }); err != nil {
		b.Fatal(err)
	}
	cube, err := reports.Build(ctx, db, reports.Options{Now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	pol := anonymize.DefaultPolicy()
	witness := trueCounts(cube.Cells)
	var res *anonymize.Result
	var rep *anonymize.AuditReport
	var protect, audit time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if res, err = anonymize.ProtectContext(ctx, cube.Cells, cube.Relations, pol, nil); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		// The release gate's audit: the published content, from the true counts.
		cells, rels, bounds, err := cube.Publish(res)
		if err != nil {
			b.Fatal(err)
		}
		if rep, err = Audit(ctx, cells, rels, bounds, pol, witness); err != nil {
			b.Fatal(err)
		}
		protect += t1.Sub(t0)
		audit += time.Since(t1)
	}
	b.StopTimer()
	if len(rep.Failures) != 0 {
		b.Fatalf("audit of the protected cube: %d failures, want 0", len(rep.Failures))
	}
	st := res.Stats()
	published := float64(st.Cells - st.Internal)
	n := float64(b.N)
	b.ReportMetric(float64(st.Cells), "cells")
	b.ReportMetric(protect.Seconds()/n, "protect-s")
	b.ReportMetric(audit.Seconds()/n, "audit-s")
	b.ReportMetric(float64(st.Secondary)/published, "secondary-share")
	b.ReportMetric(st.HiddenPopulation/st.Population, "hidden-population-share")
	b.ReportMetric(float64(st.Rounds), "rounds")
	b.ReportMetric(float64(rep.LPs), "audit-lps")
	logLoss(b, cube.Cells, res)
}

// logLoss logs the information loss per statistic and area level: the share of published
// cells hidden by secondary suppression, of all hidden, and of the population in hidden cells.
func logLoss(b *testing.B, cells []anonymize.Cell, res *anonymize.Result) {
	b.Helper()
	type loss struct {
		cells, secondary, hidden int
		pop, hiddenPop           float64
	}
	by := map[string]*loss{}
	for i, c := range cells {
		if c.Internal {
			continue
		}
		k := reports.StatisticOfKey(c.Key) + " " + reports.AreaLevelOfKey(c.Key)
		l := by[k]
		if l == nil {
			l = &loss{}
			by[k] = l
		}
		st := res.Outcome(i).Status()
		l.cells++
		l.pop += c.Count
		if st == anonymize.SuppressedSecondary {
			l.secondary++
		}
		if st.Hidden() {
			l.hidden++
			l.hiddenPop += c.Count
		}
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.Logf("%-40s %8s %10s %8s %11s", "statistic area_level", "cells", "secondary", "hidden", "hidden pop")
	for _, k := range keys {
		l := by[k]
		hp := 0.0
		if l.pop > 0 {
			hp = l.hiddenPop / l.pop
		}
		b.Logf("%-40s %8d %9.1f%% %7.1f%% %10.1f%%", k, l.cells,
			100*float64(l.secondary)/float64(l.cells), 100*float64(l.hidden)/float64(l.cells), 100*hp)
	}
}
