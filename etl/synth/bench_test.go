package synth_test

import (
	"context"
	"testing"

	"github.com/skolstat/skolstat/etl/pgtest"
	"github.com/skolstat/skolstat/etl/synth"
)

// BenchmarkSeed seeds the municipality profile into a fresh PostgreSQL database with COPY,
// as `skolstat seed --profile municipality` does, and reports rows per second.
func BenchmarkSeed(b *testing.B) {
	pool, _ := pgtest.NewPool(b)
	ctx := context.Background()
	g, err := synth.New(synth.Options{Profile: "municipality", Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		st, err := g.WritePostgres(ctx, pool, synth.PostgresOptions{Reset: true})
		if err != nil {
			b.Fatal(err)
		}
		rows += st.Total
	}
	b.StopTimer()
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
}
