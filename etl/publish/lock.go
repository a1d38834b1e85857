package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrLocked reports that another run holds the data directory's run lock.
var ErrLocked = errors.New("another run holds the lock")

// LockFile is the name of the run lock file in the data directory.
const LockFile = "etl.lock"

// Lock is a held run lock: an exclusive flock on DATA/etl.lock. The kernel releases it when the
// process dies, so a killed run never leaves a stale lock.
type Lock struct {
	f *os.File
}

// Acquire takes the run lock of dataDir without waiting; it returns ErrLocked when another run
// (in this or another process) holds it.
func Acquire(dataDir string) (*Lock, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("run lock: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, LockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("run lock: %w", err)
	}
	return &Lock{f: f}, nil
}

// Release lets the next run take the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
