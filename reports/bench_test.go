package reports

import (
	"context"
	"database/sql"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/synth"
)

// synthWarehouse generates a synthetic profile straight into a fresh DuckDB warehouse.
func synthWarehouse(tb testing.TB, profile string) *sql.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := duck.Open(ctx, filepath.Join(tb.TempDir(), "warehouse.duckdb"), duck.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	g, err := synth.New(synth.Options{Profile: profile, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := g.WriteWarehouse(ctx, db, func(k string) string { return "h" + k }); err != nil {
		tb.Fatal(err)
	}
	return db
}

// cpuTime is the CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild builds the whole catalogue over synthetic profiles and reports cells per
// second and the cells of each statistic.
func BenchmarkBuild(b *testing.B) {
	for _, profile := range []string{"small", "municipality"} {
		b.Run(profile, func(b *testing.B) {
			db := synthWarehouse(b, profile)
			now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
			var c *Cube
			c0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				var err error
				if c, err = Build(context.Background(), db, Options{Now: now}); err != nil {
					b.Fatal(err)
				}
			}
			// CPU seconds (all threads, DuckDB's included) tell the cost on a shared machine
			// better than wall time.
			b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(len(c.Cells))*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
			b.ReportMetric(float64(len(c.Cells)), "cells")
			b.ReportMetric(float64(len(c.Relations)), "relations")
			for id, n := range c.PerStatistic {
				b.ReportMetric(float64(n), id+"_cells")
			}
		})
	}
}
