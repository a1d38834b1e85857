package build

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skolstat/skolstat/anonymize"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/synth"
	"github.com/skolstat/skolstat/reports"
)

// BenchmarkProtect_RealSmall protects and audits the real cube of the synthetic small profile
// (reports.Build over etl/synth) and reports the time and the information loss.
func BenchmarkProtect_RealSmall(b *testing.B) {
	if os.Getenv("SKOLSTAT_BENCH_REAL") == "" {
		b.Skip("set SKOLSTAT_BENCH_REAL=1: protecting the real small cube does not yet finish in reasonable time")
	}
	ctx := context.Background()
	db, err := duck.Open(ctx, filepath.Join(b.TempDir(), "warehouse.duckdb"), duck.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	g, err := synth.New(synth.Options{Profile: "small", Seed: 1})
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
		if rep, err = anonymize.Audit(ctx, res.Public(cube.Cells), cube.Relations, pol); err != nil {
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
}
