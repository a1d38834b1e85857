// Package accesslog appends one hash-chained JSON line per request for statistics to
// DATA/access.log and verifies the chain.
package accesslog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// FileName is the access log's name inside the data directory.
const FileName = "access.log"

// genesis is the "previous hash" of the first line.
var genesis = strings.Repeat("0", 64)

// Entry is one access: who asked for what and how much was returned.
type Entry struct {
	Seq      int64               `json:"seq"`
	Time     time.Time           `json:"time"`
	Subject  string              `json:"sub"`
	Role     string              `json:"role"`
	Scope    []string            `json:"scope"`
	Method   string              `json:"method"`
	Route    string              `json:"route"`
	Path     string              `json:"path"`
	Filters  map[string][]string `json:"filters,omitempty"`
	Status   int                 `json:"status"`
	Returned int                 `json:"returned"`
	Hidden   int                 `json:"hidden"`
}

// Log is an append-only, hash-chained access log, safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	f      *os.File
	seq    int64
	prev   string
	dirty  bool
	closed bool
	// syncEach fsyncs after every line instead of periodically.
	syncEach bool
	done     chan struct{}
	wg       sync.WaitGroup
}

// Open opens (creating 0600) the log at path, reads its last line to continue the chain, and
// fsyncs appended lines every syncEvery (0: after every line).
func Open(path string, syncEvery time.Duration) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open access log: %w", err)
	}
	l := &Log{f: f, prev: genesis, done: make(chan struct{})}
	seq, prev, err := tail(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open access log: %w", err)
	}
	if seq > 0 {
		l.seq, l.prev = seq, prev
	}
	if syncEvery > 0 {
		l.wg.Add(1)
		go l.syncLoop(syncEvery)
	}
	l.syncEach = syncEvery <= 0
	return l, nil
}

// tail returns the sequence number and hash of the last line.
func tail(f *os.File) (int64, string, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, "", err
	}
	if st.Size() == 0 {
		return 0, "", nil
	}
	const chunk = 64 << 10
	off := max(st.Size()-chunk, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return 0, "", err
	}
	buf = bytes.TrimRight(buf, "\n")
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		buf = buf[i+1:]
	}
	_, hash, seq, err := splitLine(buf)
	if err != nil {
		return 0, "", fmt.Errorf("last line: %w", err)
	}
	return seq, hash, nil
}

func (l *Log) syncLoop(every time.Duration) {
	defer l.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
			l.mu.Lock()
			if l.dirty && !l.closed {
				l.f.Sync()
				l.dirty = false
			}
			l.mu.Unlock()
		}
	}
}

// Append adds e as the next line of the chain (Seq is set here).
func (l *Log) Append(e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("append access log: closed")
	}
	e.Seq = l.seq + 1
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("append access log: %w", err)
	}
	hash := chain(l.prev, body)
	line := make([]byte, 0, len(body)+80)
	line = append(line, body[:len(body)-1]...)
	line = append(line, `,"hash":"`...)
	line = append(line, hash...)
	line = append(line, "\"}\n"...)
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("append access log: %w", err)
	}
	l.seq, l.prev, l.dirty = e.Seq, hash, true
	if l.syncEach {
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("append access log: %w", err)
		}
		l.dirty = false
	}
	return nil
}

// Close syncs and closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.done)
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.mu.Unlock()
	l.wg.Wait()
	return err
}

// chain returns hex(sha256(prev || body)).
func chain(prev string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// splitLine separates a line into the hashed body, its hash and its sequence number.
func splitLine(line []byte) (body []byte, hash string, seq int64, err error) {
	const marker = `,"hash":"`
	i := bytes.LastIndex(line, []byte(marker))
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) {
		return nil, "", 0, errors.New("line without hash")
	}
	hash = string(line[i+len(marker) : len(line)-2])
	if len(hash) != 64 {
		return nil, "", 0, errors.New("malformed hash")
	}
	body = append(append([]byte{}, line[:i]...), '}')
	var e struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, "", 0, fmt.Errorf("malformed line: %w", err)
	}
	return body, hash, e.Seq, nil
}

// ErrTampered reports a broken chain: a line was edited, deleted, inserted or reordered.
var ErrTampered = errors.New("access log chain is broken")

// Verify reads a log and checks every line's hash against its predecessor's. It returns the
// number of lines verified, and an error wrapping ErrTampered naming the first bad line.
func Verify(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	prev := genesis
	n := 0
	for sc.Scan() {
		n++
		body, hash, seq, err := splitLine(sc.Bytes())
		if err != nil {
			return n - 1, fmt.Errorf("line %d: %v: %w", n, err, ErrTampered)
		}
		if seq != int64(n) {
			return n - 1, fmt.Errorf("line %d: sequence %d out of place (a line was deleted, inserted or moved): %w", n, seq, ErrTampered)
		}
		if chain(prev, body) != hash {
			return n - 1, fmt.Errorf("line %d: hash mismatch (the line or one before it was changed): %w", n, ErrTampered)
		}
		prev = hash
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read access log: %w", err)
	}
	return n, nil
}
