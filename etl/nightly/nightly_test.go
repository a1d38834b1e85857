package nightly_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/build"
	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/extract/extracttest"
	"github.com/skolstat/skolstat/etl/nightly"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/runlog"
	"github.com/skolstat/skolstat/etl/snapshot"
	"github.com/skolstat/skolstat/reports"
)

// testBuilder is the real build step restricted to one small statistic, so that protecting
// the tiny test data stays quick.
func testBuilder() nightly.Builder {
	return &build.Builder{Statistics: []string{reports.Absence}}
}

func testConfig(t *testing.T, dsn string) nightly.Config {
	t.Helper()
	return nightly.Config{DataDir: t.TempDir(), PG: dsn, Keep: 3, Threads: 2, Builder: testBuilder(),
		Getenv: func(k string) string {
			if k == "SKOLSTAT_SECRET" {
				return "nightly test secret of some length"
			}
			return ""
		}}
}

// currentSnapshot opens the current snapshot read-only and returns its run id and area count.
func currentSnapshot(t *testing.T, dataDir string) (runID string, areas int) {
	t.Helper()
	path, err := publish.Current(dataDir)
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	db, err := duck.Open(context.Background(), path, duck.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open current snapshot: %v", err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT run_id FROM snapshot").Scan(&runID); err != nil {
		t.Fatalf("current snapshot: %v", err)
	}
	if err := db.QueryRow("SELECT count(*) FROM areas").Scan(&areas); err != nil {
		t.Fatalf("current snapshot: %v", err)
	}
	return runID, areas
}

// publishedFiles lists the published folder (without the pointer).
func publishedFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	ents, err := os.ReadDir(publish.Dir(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.Name() != publish.CurrentFile {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestRun(t *testing.T) {
	dsn := extracttest.New(t)
	cfg := testConfig(t, dsn)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 4; i++ {
		rec, err := nightly.Run(ctx, cfg)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		ids = append(ids, rec.ID)
		if rec.Status != runlog.StatusSucceeded || rec.Snapshot != rec.ID+".duckdb" {
			t.Errorf("run %d record: status %q snapshot %q", i, rec.Status, rec.Snapshot)
		}
	}
	runID, areas := currentSnapshot(t, cfg.DataDir)
	if runID != ids[3] {
		t.Errorf("current snapshot is run %s, want the last run %s", runID, ids[3])
	}
	// nation, municipality 0180, two organisers, two school units
	if areas != 6 {
		t.Errorf("areas = %d, want 6", areas)
	}
	if got, want := publishedFiles(t, cfg.DataDir), []string{ids[1] + ".duckdb", ids[2] + ".duckdb", ids[3] + ".duckdb"}; !slices.Equal(got, want) {
		t.Errorf("published after keep=3: %v, want %v", got, want)
	}
	runs, err := runlog.List(cfg.DataDir)
	if err != nil || len(runs) != 4 {
		t.Fatalf("runs = %d, %v; want 4", len(runs), err)
	}
	r := runs[0]
	if !r.Full || r.Rows["attendance"] != extracttest.Pupils*extracttest.Days || r.Loaded["pupils"] != extracttest.Pupils ||
		r.ExtractedAt == nil || r.Notes["excluded_protected_identity_pupils"] != 1 {
		t.Errorf("first run record = %+v", r)
	}
	if runs[1].Full {
		t.Errorf("second run was a full reload, want incremental")
	}
}

func TestRun_locked(t *testing.T) {
	cfg := testConfig(t, "postgres://unused")
	l, err := publish.Acquire(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	rec, err := nightly.Run(context.Background(), cfg)
	if !errors.Is(err, publish.ErrLocked) {
		t.Fatalf("Run while locked: got %v, want ErrLocked", err)
	}
	if rec.Status != runlog.StatusFailed {
		t.Errorf("status = %q, want failed", rec.Status)
	}
}

func TestRun_blocked(t *testing.T) {
	dsn := extracttest.New(t)
	cfg := testConfig(t, dsn)
	ctx := context.Background()
	first, err := nightly.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Builder = nightly.BuilderFunc(func(ctx context.Context, wh *sql.DB, run nightly.RunInfo) (*nightly.Content, error) {
		return nil, fmt.Errorf("cell 17 can be pinned to [3, 3]: %w", nightly.ErrReleaseBlocked)
	})
	rec, err := nightly.Run(ctx, cfg)
	if !errors.Is(err, nightly.ErrReleaseBlocked) {
		t.Fatalf("Run: got %v, want nightly.ErrReleaseBlocked", err)
	}
	if rec.Status != runlog.StatusBlocked || !strings.Contains(rec.Error, "pinned") {
		t.Errorf("record: status %q error %q, want blocked with the reason", rec.Status, rec.Error)
	}
	if runID, _ := currentSnapshot(t, cfg.DataDir); runID != first.ID {
		t.Errorf("current = %s, want the previous %s", runID, first.ID)
	}
	if got := publishedFiles(t, cfg.DataDir); len(got) != 1 {
		t.Errorf("published = %v, want only the previous snapshot", got)
	}
}

// TestRun_connectionCut cuts the source connection while the run waits inside its snapshot
// transaction (attendance locked by another session, earlier tables already read).
func TestRun_connectionCut(t *testing.T) {
	dsn := extracttest.New(t)
	cfg := testConfig(t, dsn)
	ctx := context.Background()
	first, err := nightly.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	locker, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	extracttest.Exec(t, locker, "BEGIN", "LOCK TABLE export.attendance IN ACCESS EXCLUSIVE MODE")

	type result struct {
		rec runlog.Run
		err error
	}
	done := make(chan result, 1)
	cfg.Full = true
	go func() {
		rec, err := nightly.Run(ctx, cfg)
		done <- result{rec, err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY%attendance%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never reached the attendance table")
		}
		time.Sleep(10 * time.Millisecond)
	}
	extracttest.Exec(t, locker, "ROLLBACK")
	res := <-done
	if res.err == nil {
		t.Fatal("run with a cut connection succeeded")
	}
	if !strings.Contains(res.err.Error(), "attendance") {
		t.Errorf("error %q does not say where it failed", res.err)
	}
	if res.rec.Status != runlog.StatusFailed {
		t.Errorf("status = %q, want failed", res.rec.Status)
	}
	if runID, _ := currentSnapshot(t, cfg.DataDir); runID != first.ID {
		t.Errorf("current = %s, want the previous %s", runID, first.ID)
	}
	if got := publishedFiles(t, cfg.DataDir); len(got) != 1 {
		t.Errorf("published = %v, want only the previous snapshot", got)
	}
	next, err := nightly.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("next run: %v", err)
	}
	if runID, areas := currentSnapshot(t, cfg.DataDir); runID != next.ID || areas != 6 {
		t.Errorf("after the next run: current %s with %d areas, want %s with 6", runID, areas, next.ID)
	}
}

// TestCrashHelper is the child process of TestRun_killedWhilePublishing.
func TestCrashHelper(t *testing.T) {
	point := os.Getenv("NIGHTLY_CRASH_AT")
	if point == "" {
		t.Skip("helper process for TestRun_killedWhilePublishing")
	}
	cfg := testConfig(t, os.Getenv("NIGHTLY_CRASH_PG"))
	cfg.DataDir = os.Getenv("NIGHTLY_CRASH_DATA")
	kill := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} }
	switch point {
	case "during_write":
		cfg = nightly.WithHooks(cfg, kill, nil)
	case "before_current":
		cfg = nightly.WithHooks(cfg, nil, kill)
	}
	nightly.Run(context.Background(), cfg)
	t.Fatal("not killed")
}

func TestRun_killedWhilePublishing(t *testing.T) {
	for _, point := range []string{"during_write", "before_current"} {
		t.Run(point, func(t *testing.T) {
			dsn := extracttest.New(t)
			cfg := testConfig(t, dsn)
			ctx := context.Background()
			first, err := nightly.Run(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
			cmd.Env = append(os.Environ(), "NIGHTLY_CRASH_AT="+point, "NIGHTLY_CRASH_PG="+dsn, "NIGHTLY_CRASH_DATA="+cfg.DataDir)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed: %v\n%s", err, out)
			}
			// Killed: the previous snapshot is still current and complete; the crash left files.
			if runID, areas := currentSnapshot(t, cfg.DataDir); runID != first.ID || areas != 6 {
				t.Errorf("after the kill: current %s with %d areas, want %s with 6", runID, areas, first.ID)
			}
			if got := publishedFiles(t, cfg.DataDir); len(got) < 2 {
				t.Errorf("the crash left no files (%v): the kill came too late to test anything", got)
			}
			// Restart: the next run cleans up and publishes.
			next, err := nightly.Run(ctx, cfg)
			if err != nil {
				t.Fatalf("run after restart: %v", err)
			}
			if runID, areas := currentSnapshot(t, cfg.DataDir); runID != next.ID || areas != 6 {
				t.Errorf("after restart: current %s with %d areas, want %s with 6", runID, areas, next.ID)
			}
			want := []string{first.ID + ".duckdb", next.ID + ".duckdb"}
			if got := publishedFiles(t, cfg.DataDir); !slices.Equal(got, want) {
				t.Errorf("after restart: published %v, want %v (leftovers cleaned)", got, want)
			}
		})
	}
}

func TestPublish_filledWarehouse(t *testing.T) {
	dir := t.TempDir()
	cfg := nightly.Config{DataDir: dir, Builder: testBuilder()}
	ctx := context.Background()
	wh, err := cfg.OpenWarehouse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := wh.Exec(`INSERT INTO organisers VALUES ('K0180', 'Stockholms kommun', 'municipal', '0180');
		INSERT INTO school_units VALUES ('11111111', 'Norra', 'K0180', '0180');
		INSERT INTO subjects VALUES ('MA', 'Matematik', 'Mathematics')`); err != nil {
		t.Fatal(err)
	}
	rec, err := nightly.Publish(ctx, cfg, wh, "synthetic", time.Date(2025, 6, 1, 2, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	path, err := publish.Current(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := duck.Open(ctx, path, duck.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var source, runID, name string
	if err := db.QueryRow("SELECT source, run_id FROM snapshot").Scan(&source, &runID); err != nil || source != "synthetic" || runID != rec.ID {
		t.Errorf("snapshot meta = %q %q %v", source, runID, err)
	}
	if err := db.QueryRow("SELECT name FROM areas WHERE area_level = ? AND area_code = '0180'", snapshot.LevelMunicipality).Scan(&name); err != nil || name != reports.MunicipalityName("0180") {
		t.Errorf("municipality name = %q, %v", name, err)
	}
}
