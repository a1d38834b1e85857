package publish_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/snapshot"
)

func writeSnapshot(t *testing.T, dataDir, runID string) string {
	t.Helper()
	ctx := context.Background()
	v := 12.0
	subj := "MA"
	c := snapshot.Content{
		Cells: []snapshot.Cell{{ID: 1, Statistic: "grade_distribution", Period: "VT2025",
			AreaLevel: snapshot.LevelNation, AreaCode: snapshot.NationCode, Subject: &subj,
			Measure: "count", Value: &v, Display: "12", Status: snapshot.StatusShown}},
		Areas: []snapshot.Area{{Level: snapshot.LevelNation, Code: "SE", Name: "Riket"}},
		Statistics: []snapshot.Statistic{{ID: "grade_distribution", NameSV: "Betyg", NameEN: "Grades",
			Measures: []string{"count", "share"}, Dimensions: []string{"subject"}, Population: "pupils"}},
		Subjects:  []snapshot.Subject{{Code: "MA", NameSV: "Matematik", NameEN: "Mathematics"}},
		Relations: [][]snapshot.Term{{{CellID: 1, Coef: 1}}},
		Bounds:    []snapshot.Bound{{CellID: 1, Lower: 12, Upper: &v}},
	}
	m := snapshot.Meta{RunID: runID, ExtractedAt: time.Now(), PublishedAt: time.Now(), Policy: "{}", Source: "test"}
	path, err := publish.Write(ctx, dataDir, runID, func(ctx context.Context, db *sql.DB) error {
		return snapshot.Write(ctx, db, c, m)
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return path
}

func TestCurrent(t *testing.T) {
	dir := t.TempDir()
	if _, err := publish.Current(dir); !errors.Is(err, publish.ErrNoSnapshot) {
		t.Fatalf("Current on empty dir: got %v, want ErrNoSnapshot", err)
	}
	path := writeSnapshot(t, dir, "20260101T020000Z")
	if _, err := publish.Current(dir); !errors.Is(err, publish.ErrNoSnapshot) {
		t.Fatalf("Current before SetCurrent: got %v, want ErrNoSnapshot", err)
	}
	if err := publish.SetCurrent(dir, filepath.Base(path)); err != nil {
		t.Fatal(err)
	}
	got, err := publish.Current(dir)
	if err != nil || got != path {
		t.Fatalf("Current = %q, %v; want %q", got, err, path)
	}
	db, err := duck.Open(context.Background(), got, duck.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var measures string
	if err := db.QueryRow("SELECT count(*) FROM cells").Scan(&n); err != nil || n != 1 {
		t.Errorf("cells = %d, %v; want 1", n, err)
	}
	if err := db.QueryRow("SELECT measures::VARCHAR FROM statistics").Scan(&measures); err != nil || measures != "[count, share]" {
		t.Errorf("measures = %q, %v", measures, err)
	}
	if err := db.QueryRow("SELECT run_id FROM snapshot").Scan(&measures); err != nil || measures != "20260101T020000Z" {
		t.Errorf("run_id = %q, %v", measures, err)
	}
}

func TestWrite_failureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	_, err := publish.Write(context.Background(), dir, "20260101T020000Z", func(ctx context.Context, db *sql.DB) error {
		return errors.New("boom")
	})
	if err == nil {
		t.Fatal("Write: want error")
	}
	ents, _ := os.ReadDir(publish.Dir(dir))
	for _, e := range ents {
		t.Errorf("left behind: %s", e.Name())
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	ids := []string{"20260101T020000Z", "20260102T020000Z", "20260103T020000Z", "20260104T020000Z"}
	for _, id := range ids {
		writeSnapshot(t, dir, id)
	}
	// The current one is old: it must survive pruning.
	if err := publish.SetCurrent(dir, ids[0]+".duckdb"); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	got, _ := publish.List(dir)
	want := []string{ids[0] + ".duckdb", ids[2] + ".duckdb", ids[3] + ".duckdb"}
	if !slices.Equal(got, want) {
		t.Fatalf("after prune: got %v, want %v", got, want)
	}
}

func TestCleanup(t *testing.T) {
	dir := t.TempDir()
	ids := []string{"20260101T020000Z", "20260102T020000Z", "20260103T020000Z"}
	for _, id := range ids {
		writeSnapshot(t, dir, id)
	}
	if err := publish.SetCurrent(dir, ids[1]+".duckdb"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(publish.Dir(dir), ids[2]+"x.duckdb.partial"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(publish.Dir(dir), ".CURRENT.123.tmp"), []byte("junk"), 0o644)
	removed, err := publish.Cleanup(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	want := []string{".CURRENT.123.tmp", ids[2] + ".duckdb", ids[2] + "x.duckdb.partial"}
	if !slices.Equal(removed, want) {
		t.Errorf("Cleanup removed %v, want %v (leftovers and the never-current newer snapshot)", removed, want)
	}
	got, _ := publish.List(dir)
	if want := []string{ids[0] + ".duckdb", ids[1] + ".duckdb"}; !slices.Equal(got, want) {
		t.Errorf("after Cleanup: %v, want %v", got, want)
	}
	if cur, err := publish.CurrentName(dir); err != nil || cur != ids[1]+".duckdb" {
		t.Errorf("current = %q, %v", cur, err)
	}
}

func TestAcquire(t *testing.T) {
	dir := t.TempDir()
	l, err := publish.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Acquire(dir); !errors.Is(err, publish.ErrLocked) {
		t.Fatalf("second Acquire: got %v, want ErrLocked", err)
	}
	l.Release()
	l2, err := publish.Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

func TestPrepare_unwritable(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	os.MkdirAll(publish.Dir(dir), 0o755)
	os.Chmod(publish.Dir(dir), 0o555)
	defer os.Chmod(publish.Dir(dir), 0o755)
	if err := publish.Prepare(dir); err == nil {
		t.Fatal("Prepare on read-only dir: want error")
	}
}
