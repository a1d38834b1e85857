package anonymize

import (
	"context"
	"math/rand"
	"os"
	"testing"
	"time"
)

// benchCube is a synthetic hierarchical cube of about a million cells: 10 subjects × (nation,
// 50 organisers, 100 municipalities, ~3,000 school units) × 4 genders × 8 categories.
func benchCube(b *testing.B) *cube {
	b.Helper()
	if os.Getenv("SKOLSTAT_BENCH_MILLION") == "" {
		b.Skip("set SKOLSTAT_BENCH_MILLION=1: the million-cell cube does not yet finish in reasonable time")
	}
	rng := rand.New(rand.NewSource(42))
	return genCube(rng, cubeSpec{municipalities: 100, schoolsMax: 59, organisers: 50, categories: 7,
		meanCount: 5, unknownShare: 0.02, subjects: 10})
}

// BenchmarkProtect_TenThousandCells protects a cube of about ten thousand cells.
func BenchmarkProtect_TenThousandCells(b *testing.B) {
	rng := rand.New(rand.NewSource(42))
	c := genCube(rng, cubeSpec{municipalities: 10, schoolsMax: 59, organisers: 3, categories: 7,
		meanCount: 5, unknownShare: 0.02, subjects: 1})
	pol := DefaultPolicy()
	b.ResetTimer()
	var res *Result
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var err error
		if res, err = Protect(c.cells, c.rels, pol, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportLoss(b, c.cells, res, time.Since(start)/time.Duration(b.N))
}

// BenchmarkProtect_MillionCells protects the million-cell cube and reports information loss.
func BenchmarkProtect_MillionCells(b *testing.B) {
	c := benchCube(b)
	pol := DefaultPolicy()
	b.ResetTimer()
	var res *Result
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var err error
		if res, err = Protect(c.cells, c.rels, pol, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportLoss(b, c.cells, res, time.Since(start)/time.Duration(b.N))
}

// reportLoss reports the information loss of a protected cube: shares of the published
// (not internal) cells by status, and the share of the population in hidden cells.
func reportLoss(b *testing.B, cells []Cell, res *Result, d time.Duration) {
	st := res.Stats()
	var published, primary float64
	for i, c := range cells {
		if c.Internal {
			continue
		}
		published++
		if res.Outcome(i).Status() == SuppressedPrimary {
			primary++
		}
	}
	b.ReportMetric(float64(st.Cells), "cells")
	b.ReportMetric(d.Seconds(), "seconds")
	b.ReportMetric(primary/published, "primary-share")
	b.ReportMetric(float64(st.Coded)/published, "coded-share")
	b.ReportMetric(float64(st.Secondary)/published, "secondary-share")
	b.ReportMetric(st.HiddenPopulation/st.Population, "hidden-population-share")
	b.ReportMetric(float64(st.Rounds), "rounds")
}

// BenchmarkAudit_MillionCells audits the protected million-cell cube from its published
// figures alone.
func BenchmarkAudit_MillionCells(b *testing.B) {
	c := benchCube(b)
	pol := DefaultPolicy()
	res, err := Protect(c.cells, c.rels, pol, nil)
	if err != nil {
		b.Fatal(err)
	}
	pub := res.Public(c.cells)
	b.ResetTimer()
	start := time.Now()
	var rep *AuditReport
	for i := 0; i < b.N; i++ {
		if rep, err = Audit(context.Background(), pub, c.rels, pol); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(c.cells)), "cells")
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "seconds")
	b.ReportMetric(float64(rep.Checked), "hidden")
	b.ReportMetric(float64(rep.Blocks), "blocks")
	b.ReportMetric(float64(rep.LPs), "lps")
	b.ReportMetric(float64(len(rep.Failures)), "failures")
}
