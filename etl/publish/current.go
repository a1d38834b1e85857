// Package publish writes published snapshots into the data directory, makes one current
// atomically, prunes old ones and guards a run with a lock.
package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoSnapshot reports that the data directory has no current snapshot yet.
var ErrNoSnapshot = errors.New("no published snapshot")

// Layout names inside the data directory.
const (
	// PublishedDir is the folder of published snapshots under the data directory.
	PublishedDir = "published"
	// CurrentFile is the pointer file, under PublishedDir, naming the current snapshot.
	CurrentFile = "CURRENT"
	// Ext is the file extension of a published snapshot.
	Ext = ".duckdb"
	// partialExt marks a snapshot still being written; such files are leftovers after a crash.
	partialExt = ".partial"
)

// Dir returns the published folder of dataDir.
func Dir(dataDir string) string { return filepath.Join(dataDir, PublishedDir) }

// Current returns the path of the current published snapshot of dataDir, or ErrNoSnapshot
// when none has been published.
func Current(dataDir string) (string, error) {
	name, err := CurrentName(dataDir)
	if err != nil {
		return "", err
	}
	return filepath.Join(Dir(dataDir), name), nil
}

// CurrentName returns the file name (not the path) of the current snapshot, or ErrNoSnapshot.
func CurrentName(dataDir string) (string, error) {
	name, err := readPointer(dataDir)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", ErrNoSnapshot
	}
	if _, err := os.Stat(filepath.Join(Dir(dataDir), name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("current snapshot %s is missing: %w", name, ErrNoSnapshot)
		}
		return "", fmt.Errorf("stat current snapshot: %w", err)
	}
	return name, nil
}

// readPointer returns the name in CURRENT, or "" when there is none.
func readPointer(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(Dir(dataDir), CurrentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read current snapshot pointer: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if !validName(name) {
		return "", fmt.Errorf("current snapshot pointer holds an invalid name %q", name)
	}
	return name, nil
}

// validName accepts a bare snapshot file name: no separators, the snapshot extension.
func validName(name string) bool {
	return name != "" && filepath.Base(name) == name && !strings.HasPrefix(name, ".") &&
		strings.HasSuffix(name, Ext)
}

// SetCurrent makes the snapshot file name (inside the published folder, already complete and
// synced) current: the pointer is written to a temporary file, fsynced, renamed over CURRENT
// and the folder fsynced, so a reader sees either the old or the new pointer, never a mix.
func SetCurrent(dataDir, name string) error {
	if !validName(name) {
		return fmt.Errorf("set current snapshot: invalid name %q", name)
	}
	dir := Dir(dataDir)
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("set current snapshot: %w", err)
	}
	if err := writeFileAtomic(dir, CurrentFile, []byte(name+"\n")); err != nil {
		return fmt.Errorf("set current snapshot: %w", err)
	}
	return nil
}

// writeFileAtomic replaces dir/name with data: temp file, fsync, rename, fsync dir.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	ok = true
	return syncDir(dir)
}

// syncDir fsyncs a folder so that a rename inside it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// syncFile fsyncs one file.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
