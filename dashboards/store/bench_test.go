package store_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/dashboards/testsnap"
	"github.com/skolstat/skolstat/etl/publish"
)

// BenchmarkStore_Load loads the municipality-sized snapshot (testsnap.Large) into memory and
// reports the heap it holds.
func BenchmarkStore_Load(b *testing.B) {
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "skolstat-bench-large-v1") // shared with the server benchmarks
	path, err := publish.Current(dir)
	if err != nil {
		os.RemoveAll(dir)
		if path, err = testsnap.PublishContent(ctx, dir, "large", testsnap.Large()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var snap *store.Snapshot
	for i := 0; i < b.N; i++ {
		snap = nil
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		if snap, err = store.Load(ctx, path); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
	}
	b.ReportMetric(float64(snap.NumCells()), "cells")
}
