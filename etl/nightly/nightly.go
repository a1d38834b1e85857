// Package nightly runs the nightly ETL: lock, extract, build, publish a snapshot, make it
// current, prune, record; and schedules it.
package nightly

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/extract"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/rekey"
	"github.com/skolstat/skolstat/etl/runlog"
	"github.com/skolstat/skolstat/etl/snapshot"
	"github.com/skolstat/skolstat/etl/warehouse"
)

// WarehouseFile is the warehouse's file name in the data directory.
const WarehouseFile = "warehouse.duckdb"

// DefaultKeep is how many published snapshots are kept when Config.Keep is 0.
const DefaultKeep = 7

// Config configures runs.
type Config struct {
	// DataDir is the data directory (warehouse, published snapshots, run log, secret).
	DataDir string
	// PG is the source's connection string; Run needs it, Publish does not.
	PG string
	// Full reloads every table instead of loading attendance and usage_events incrementally.
	Full bool
	// Keep is the number of published snapshots kept; 0 means DefaultKeep.
	Keep int
	// MaxRejectShare fails a run whose rejected share of source rows is above it; 0 means
	// extract.DefaultMaxRejectShare.
	MaxRejectShare float64
	// Overlap is the incremental window read again before the watermark; 0 means the default.
	Overlap time.Duration
	// Builder builds the content (statistics, protection, audit; see package etl/build);
	// required.
	Builder Builder
	// Threads and MemoryLimit tune the warehouse's DuckDB (0 and "" leave its defaults).
	Threads     int
	MemoryLimit string
	// Getenv reads SKOLSTAT_SECRET; nil means os.Getenv.
	Getenv func(string) string
	// Logger receives progress; nil discards it. It never receives row content.
	Logger *slog.Logger

	hooks hooks // test hooks: crash points
}

// hooks lets tests stop the process at a chosen point of publishing.
type hooks struct {
	duringWrite   func() // inside the snapshot file, before it is complete
	beforeCurrent func() // the complete snapshot written, not yet current
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("no data directory")
	}
	if c.Builder == nil {
		return errors.New("no builder")
	}
	if c.Keep < 0 {
		return errors.New("keep must not be negative")
	}
	if c.MaxRejectShare < 0 || c.MaxRejectShare > 1 {
		return errors.New("max reject share must lie in [0, 1]")
	}
	return nil
}

func (c Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c.Logger
}

// NewRunID returns a new run id: the UTC time to the microsecond (so that ids sort as the runs
// started, which cleaning up leftovers relies on) and a random suffix.
func NewRunID(now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

// Keyer loads the re-keying secret of the data directory (see rekey.Load); its Key method is
// the func(string) string that a warehouse loader wants.
func (c Config) Keyer() (*rekey.Keyer, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return rekey.Load(c.DataDir, getenv)
}

// OpenWarehouse opens (creating it when missing) the warehouse of the data directory, with
// its schema.
func (c Config) OpenWarehouse(ctx context.Context) (*sql.DB, error) {
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("open warehouse: %w", err)
	}
	wh, err := duck.Open(ctx, filepath.Join(c.DataDir, WarehouseFile), duck.Options{Threads: c.Threads, MemoryLimit: c.MemoryLimit})
	if err != nil {
		return nil, fmt.Errorf("open warehouse: %w", err)
	}
	if err := warehouse.Create(ctx, wh); err != nil {
		wh.Close()
		return nil, fmt.Errorf("open warehouse: %w", err)
	}
	return wh, nil
}

// Run is one nightly run: take the lock, clean up leftovers, extract PostgreSQL into the
// warehouse, build, write the snapshot, make it current, prune old snapshots, and record the
// run. Any failure leaves the previous snapshot current. The returned record is also
// appended to the run log (unless the data directory cannot be written).
func Run(ctx context.Context, cfg Config) (runlog.Run, error) {
	return run(ctx, cfg, nil, "postgres", time.Time{})
}

// Publish runs the steps after extraction on an already-filled warehouse (for example one
// filled by the synthetic generator in `skolstat demo`): take the lock, build, write the
// snapshot, make it current, prune, record. source names where the data came from and
// extractedAt when it was taken.
func Publish(ctx context.Context, cfg Config, wh *sql.DB, source string, extractedAt time.Time) (runlog.Run, error) {
	if wh == nil {
		return runlog.Run{}, errors.New("publish: no warehouse")
	}
	return run(ctx, cfg, wh, source, extractedAt)
}

func run(ctx context.Context, cfg Config, wh *sql.DB, source string, extractedAt time.Time) (rec runlog.Run, err error) {
	if err := cfg.Validate(); err != nil {
		return rec, fmt.Errorf("config: %w", err)
	}
	log := cfg.logger()
	rec = runlog.Run{ID: NewRunID(time.Now()), Started: time.Now().UTC(), Source: source, Full: cfg.Full}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return rec, fmt.Errorf("data directory: %w", err)
	}
	finish := func(err error) (runlog.Run, error) {
		rec.Ended = time.Now().UTC()
		switch {
		case err == nil:
			rec.Status = runlog.StatusSucceeded
		case errors.Is(err, ErrReleaseBlocked):
			rec.Status = runlog.StatusBlocked
			rec.Error = err.Error()
		default:
			rec.Status = runlog.StatusFailed
			rec.Error = err.Error()
		}
		if lerr := runlog.Append(cfg.DataDir, rec); lerr != nil {
			err = errors.Join(err, lerr)
		}
		log.Info("etl run", "run", rec.ID, "status", rec.Status, "snapshot", rec.Snapshot,
			"duration", rec.Ended.Sub(rec.Started).Round(time.Millisecond))
		return rec, err
	}

	lock, err := publish.Acquire(cfg.DataDir)
	if err != nil {
		return finish(err)
	}
	defer lock.Release()
	if removed, err := publish.Cleanup(cfg.DataDir); err != nil {
		return finish(err)
	} else if len(removed) > 0 {
		log.Info("removed leftovers of an interrupted run", "files", len(removed))
	}
	if err := publish.Prepare(cfg.DataDir); err != nil {
		return finish(err)
	}

	if wh == nil {
		wh, err = cfg.OpenWarehouse(ctx)
		if err != nil {
			return finish(err)
		}
		defer wh.Close()
		res, err := extractPG(ctx, cfg, wh, rec.ID)
		if res != nil {
			t := res.ExtractedAt
			rec.ExtractedAt = &t
			rec.Rows, rec.Loaded, rec.Rejects, rec.Full = res.Read, res.Loaded, res.Rejects, res.Full
			extractedAt = t
		}
		if err != nil {
			return finish(err)
		}
	} else {
		if extractedAt.IsZero() {
			extractedAt = time.Now()
		}
		t := extractedAt.UTC()
		rec.ExtractedAt = &t
		if rec.Loaded, err = countTables(ctx, wh); err != nil {
			return finish(err)
		}
	}

	info := RunInfo{ID: rec.ID, DataDir: cfg.DataDir, ExtractedAt: extractedAt.UTC(), Source: source}
	content, err := cfg.Builder.Build(ctx, wh, info)
	if err != nil {
		return finish(fmt.Errorf("build: %w", err))
	}
	if content == nil {
		return finish(errors.New("build: no content"))
	}
	rec.Notes = content.Notes
	rec.Cells = len(content.Cells)

	if err := publishContent(ctx, cfg, info, content); err != nil {
		publish.Discard(cfg.DataDir, rec.ID)
		return finish(err)
	}
	rec.Snapshot = publish.FileName(rec.ID)
	pruned, err := publish.Prune(cfg.DataDir, cfg.keep())
	rec.Pruned = pruned
	if err != nil {
		// The new snapshot is current; a pruning failure is reported but does not undo it.
		log.Warn("prune published snapshots", "err", err)
	}
	return finish(nil)
}

func (c Config) keep() int {
	if c.Keep == 0 {
		return DefaultKeep
	}
	return c.Keep
}

func extractPG(ctx context.Context, cfg Config, wh *sql.DB, runID string) (*extract.Result, error) {
	if cfg.PG == "" {
		return nil, errors.New("no PostgreSQL connection string")
	}
	keyer, err := cfg.Keyer()
	if err != nil {
		return nil, err
	}
	src, err := pgx.Connect(ctx, cfg.PG)
	if err != nil {
		return nil, fmt.Errorf("connect to source: %w", err)
	}
	defer src.Close(context.WithoutCancel(ctx))
	return extract.Run(ctx, src, wh, extract.Options{
		RunID: runID, Keyer: keyer, Full: cfg.Full, Overlap: cfg.Overlap, MaxRejectShare: cfg.MaxRejectShare,
	})
}

// publishContent writes the snapshot file and makes it current.
func publishContent(ctx context.Context, cfg Config, info RunInfo, c *Content) error {
	policy := c.Policy
	if policy == "" {
		policy = "{}"
	}
	meta := snapshot.Meta{RunID: info.ID, ExtractedAt: info.ExtractedAt, PublishedAt: time.Now().UTC(),
		Policy: policy, Source: info.Source}
	content := snapshot.Content{Cells: c.Cells, Areas: c.Areas, Statistics: c.Statistics,
		Subjects: c.Subjects, Relations: c.Relations, Bounds: c.Bounds}
	_, err := publish.Write(ctx, cfg.DataDir, info.ID, func(ctx context.Context, db *sql.DB) error {
		if err := snapshot.Write(ctx, db, content, meta); err != nil {
			return err
		}
		if cfg.hooks.duringWrite != nil {
			cfg.hooks.duringWrite()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cfg.hooks.beforeCurrent != nil {
		cfg.hooks.beforeCurrent()
	}
	return publish.SetCurrent(cfg.DataDir, publish.FileName(info.ID))
}

func countTables(ctx context.Context, wh *sql.DB) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range extract.TableNames() {
		var n int
		if err := wh.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}
