package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// FileName returns the file name of the snapshot of runID.
func FileName(runID string) string { return runID + Ext }

// partialPath is where the snapshot of runID is written before it is complete.
func partialPath(dataDir, runID string) string {
	return filepath.Join(Dir(dataDir), FileName(runID)+partialExt)
}

// Prepare creates the published folder when missing and checks that it and the data directory
// are writable, so that a run fails early with a clear error rather than after extraction.
func Prepare(dataDir string) error {
	dir := Dir(dataDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("prepare data directory: %w", err)
	}
	for _, d := range []string{dataDir, dir} {
		if err := probe(d); err != nil {
			return fmt.Errorf("%s is not writable: %w", d, err)
		}
	}
	return nil
}

// probe creates and removes a file in dir.
func probe(dir string) error {
	f, err := os.CreateTemp(dir, ".probe.*.tmp")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Write writes the snapshot of runID: it creates a new DuckDB file beside the published ones
// under a partial name, creates the snapshot schema, lets fill write the content, checkpoints,
// closes and fsyncs it, renames it to <runID>.duckdb and fsyncs the folder. It does not make
// the snapshot current (see SetCurrent). On any failure the partial file is removed and the
// current snapshot is untouched.
func Write(ctx context.Context, dataDir, runID string, fill func(ctx context.Context, db *sql.DB) error) (path string, err error) {
	if !validName(FileName(runID)) {
		return "", fmt.Errorf("write snapshot: invalid run id %q", runID)
	}
	if err := Prepare(dataDir); err != nil {
		return "", err
	}
	final := filepath.Join(Dir(dataDir), FileName(runID))
	if _, err := os.Stat(final); err == nil {
		return "", fmt.Errorf("write snapshot: %s already exists", FileName(runID))
	}
	partial := partialPath(dataDir, runID)
	removePartial(partial)
	defer func() {
		if err != nil {
			removePartial(partial)
		}
	}()
	db, err := duck.Open(ctx, partial, duck.Options{})
	if err != nil {
		return "", fmt.Errorf("write snapshot: %w", err)
	}
	closed := false
	defer func() {
		if !closed {
			db.Close()
		}
	}()
	if _, err := db.ExecContext(ctx, snapshot.Schema); err != nil {
		return "", fmt.Errorf("write snapshot: create schema: %w", err)
	}
	if err := fill(ctx, db); err != nil {
		return "", fmt.Errorf("write snapshot: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return "", fmt.Errorf("write snapshot: checkpoint: %w", err)
	}
	closed = true
	if err := db.Close(); err != nil {
		return "", fmt.Errorf("write snapshot: close: %w", err)
	}
	if _, err := os.Stat(partial + ".wal"); err == nil {
		return "", errors.New("write snapshot: write-ahead log left after checkpoint")
	}
	if err := syncFile(partial); err != nil {
		return "", fmt.Errorf("write snapshot: sync: %w", err)
	}
	if err := os.Chmod(partial, 0o444); err != nil {
		return "", fmt.Errorf("write snapshot: %w", err)
	}
	if err := os.Rename(partial, final); err != nil {
		return "", fmt.Errorf("write snapshot: %w", err)
	}
	if err := syncDir(Dir(dataDir)); err != nil {
		os.Remove(final)
		return "", fmt.Errorf("write snapshot: %w", err)
	}
	return final, nil
}

// Discard removes the snapshot of runID when it exists and is not current: for a run that
// wrote its file but then failed before making it current.
func Discard(dataDir, runID string) error {
	removePartial(partialPath(dataDir, runID))
	name := FileName(runID)
	if cur, err := CurrentName(dataDir); err == nil && cur == name {
		return nil
	}
	err := os.Remove(filepath.Join(Dir(dataDir), name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("discard snapshot: %w", err)
	}
	return nil
}

func removePartial(partial string) {
	os.Remove(partial)
	os.Remove(partial + ".wal")
}
