package nightly_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/nightly"
	"github.com/skolstat/skolstat/etl/pgtest"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/synth"
)

// TestRun_synthSmall runs the whole night over the synthetic small profile: the generator's
// data passes validation, and the snapshot names its areas.
func TestRun_synthSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the small profile")
	}
	dsn := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	g, err := synth.New(synth.Options{Profile: "small", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WritePostgres(ctx, conn, synth.PostgresOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dsn)
	rec, err := nightly.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("Run: %v (rejects %v)", err, rec.Rejects)
	}
	total := 0
	for _, n := range rec.Rows {
		total += n
	}
	t.Logf("read %d rows, rejects %v, loaded %v", total, rec.Rejects, rec.Loaded)
	for rule, n := range rec.Rejects {
		t.Errorf("synthetic data rejected by %s: %d rows", rule, n)
	}
	if _, areas := currentSnapshot(t, cfg.DataDir); areas < 1+1+g.SchoolUnits() {
		t.Errorf("areas = %d, want at least nation, municipality and %d school units", areas, g.SchoolUnits())
	}
}

// TestPublish_synthWarehouse is the demo's path: the generator fills the warehouse directly
// (re-keyed with the data directory's secret), then the steps after extraction publish it.
func TestPublish_synthWarehouse(t *testing.T) {
	ctx := context.Background()
	cfg := nightly.Config{DataDir: t.TempDir(), Builder: testBuilder()}
	keyer, err := cfg.Keyer()
	if err != nil {
		t.Fatal(err)
	}
	wh, err := cfg.OpenWarehouse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	g, err := synth.New(synth.Options{Profile: "small", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteWarehouse(ctx, wh, keyer.Key); err != nil {
		t.Fatal(err)
	}
	rec, err := nightly.Publish(ctx, cfg, wh, "synthetic", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Loaded["pupils"] == 0 || rec.Snapshot == "" {
		t.Errorf("record = %+v", rec)
	}
	if _, err := publish.Current(cfg.DataDir); err != nil {
		t.Fatal(err)
	}
}
