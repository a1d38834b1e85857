package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Cleanup removes what an interrupted run left in the published folder: partial snapshots,
// their write-ahead logs, temporary pointer files, and complete snapshots that were never
// made current (newer than the current one, or any when there is no current one: run ids
// sort by time). It returns the names it removed. Call it while holding the run lock.
func Cleanup(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(Dir(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("clean up published: %w", err)
	}
	cur, err := readPointer(dataDir)
	if err != nil {
		return nil, fmt.Errorf("clean up published: %w", err)
	}
	var removed []string
	for _, e := range entries {
		n := e.Name()
		leftover := strings.HasSuffix(n, partialExt) || strings.HasSuffix(n, partialExt+".wal") ||
			(strings.HasPrefix(n, ".") && strings.HasSuffix(n, ".tmp")) ||
			(validName(n) && n > cur) || (strings.HasSuffix(n, Ext+".wal") && n > cur)
		if !leftover {
			continue
		}
		if err := os.Remove(filepath.Join(Dir(dataDir), n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("clean up published: %w", err)
		}
		removed = append(removed, n)
	}
	return removed, nil
}

// List returns the file names of the complete published snapshots, oldest first (run ids sort
// by time).
func List(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(Dir(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list published: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && validName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Prune removes published snapshots beyond the keep newest ones; the current snapshot is never
// removed. keep below 1 is taken as 1. It returns the names removed.
func Prune(dataDir string, keep int) ([]string, error) {
	if keep < 1 {
		keep = 1
	}
	names, err := List(dataDir)
	if err != nil {
		return nil, err
	}
	cur, err := CurrentName(dataDir)
	if err != nil && !errors.Is(err, ErrNoSnapshot) {
		return nil, fmt.Errorf("prune: %w", err)
	}
	var removed []string
	for i := 0; i < len(names)-keep; i++ {
		if names[i] == cur {
			continue
		}
		p := filepath.Join(Dir(dataDir), names[i])
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("prune: %w", err)
		}
		os.Remove(p + ".wal")
		removed = append(removed, names[i])
	}
	return removed, nil
}
