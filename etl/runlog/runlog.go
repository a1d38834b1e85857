// Package runlog records every ETL run (start, end, rows, rejects, status, error) as JSON
// lines in the data directory.
package runlog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FileName is the run log's file name in the data directory.
const FileName = "runs.jsonl"

// Statuses of a run.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	// StatusBlocked is a run whose audit blocked the release: nothing was made current.
	StatusBlocked = "blocked"
)

// Run is one recorded run. It holds counts and keys of tables and rules, never row content.
type Run struct {
	ID          string         `json:"id"`
	Started     time.Time      `json:"started"`
	Ended       time.Time      `json:"ended"`
	Status      string         `json:"status"`
	Error       string         `json:"error,omitempty"`
	Source      string         `json:"source"`                 // postgres, synthetic
	Full        bool           `json:"full"`                   // a full reload rather than incremental
	ExtractedAt *time.Time     `json:"extracted_at,omitempty"` // the source transaction's instant
	Rows        map[string]int `json:"rows,omitempty"`         // rows read per source table
	Loaded      map[string]int `json:"loaded,omitempty"`       // rows now in each warehouse table
	Rejects     map[string]int `json:"rejects,omitempty"`      // quarantined rows per rule
	Snapshot    string         `json:"snapshot,omitempty"`     // the published file name
	Cells       int            `json:"cells"`
	Notes       map[string]int `json:"notes,omitempty"`
	Pruned      []string       `json:"pruned,omitempty"`
}

// Append adds r to the run log of dataDir and fsyncs it.
func Append(dataDir string, r Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, FileName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record run: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("record run: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// List returns the recorded runs of dataDir, oldest first. A torn last line (a crash while
// appending) is skipped.
func List(dataDir string) ([]Run, error) {
	f, err := os.Open(filepath.Join(dataDir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer f.Close()
	var runs []Run
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var r Run
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		runs = append(runs, r)
	}
	if err := sc.Err(); err != nil {
		return runs, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}
