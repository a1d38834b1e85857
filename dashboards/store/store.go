package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/publish"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// Error kinds a caller maps to a status.
var (
	// ErrNoSnapshot reports that no snapshot is loaded yet (the server is not ready).
	ErrNoSnapshot = errors.New("no snapshot loaded")
	// ErrNotFound reports an unknown statistic or area; a foreign area gets the same answer.
	ErrNotFound = errors.New("not found")
	// ErrInvalid reports a filter value that the snapshot does not know, or a malformed one.
	ErrInvalid = errors.New("invalid")
)

// Store serves the current published snapshot of one data directory from memory. It is safe
// for concurrent use; Reload switches to a new snapshot atomically.
type Store struct {
	dataDir string
	log     *slog.Logger
	cur     atomic.Pointer[Snapshot]
	mu      sync.Mutex // serialises Reload
}

// Option configures Open.
type Option func(*Store)

// WithLogger sets the logger for reloads.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// Open returns a store over the current snapshot of dataDir. A data directory without a
// snapshot is not an error: the store is then not ready (Current returns ErrNoSnapshot) until
// a Reload finds one.
func Open(ctx context.Context, dataDir string, opts ...Option) (*Store, error) {
	s := &Store{dataDir: dataDir, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	if err := s.Reload(ctx); err != nil && !errors.Is(err, ErrNoSnapshot) {
		return nil, err
	}
	return s, nil
}

// Reload loads the data directory's current snapshot when it differs from the one served and
// swaps it in. Requests in flight keep the snapshot they started with; none fails. When
// loading fails the old snapshot stays current.
func (s *Store) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, err := publish.Current(s.dataDir)
	if errors.Is(err, publish.ErrNoSnapshot) {
		return fmt.Errorf("reload: %w", ErrNoSnapshot)
	}
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	if old := s.cur.Load(); old != nil && old.path == path {
		return nil
	}
	start := time.Now()
	snap, err := Load(ctx, path)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	s.cur.Store(snap)
	s.log.Info("snapshot loaded", "file", filepath.Base(path), "run_id", snap.meta.RunID,
		"cells", len(snap.cells), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// Current returns the snapshot being served, or ErrNoSnapshot. Hold on to the returned value
// for the whole request so that a swap does not mix two snapshots in one answer.
func (s *Store) Current() (*Snapshot, error) {
	snap := s.cur.Load()
	if snap == nil {
		return nil, ErrNoSnapshot
	}
	return snap, nil
}

// Ready reports whether a snapshot is loaded.
func (s *Store) Ready() bool { return s.cur.Load() != nil }

// DataDir returns the data directory the store reads.
func (s *Store) DataDir() string { return s.dataDir }

// Load reads a published snapshot file into memory. The file is opened read-only and closed
// before Load returns: every cell is held in memory, indexed by statistic and area.
func Load(ctx context.Context, path string) (*Snapshot, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	db, err := duck.Open(ctx, path, duck.Options{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	defer db.Close()
	snap := &Snapshot{path: path}
	if err := snap.read(ctx, db); err != nil {
		return nil, fmt.Errorf("load snapshot %s: %w", filepath.Base(path), err)
	}
	snap.index()
	return snap, nil
}

func (s *Snapshot) read(ctx context.Context, db *sql.DB) error {
	row := db.QueryRowContext(ctx, `SELECT run_id, extracted_at, published_at, policy, source FROM snapshot LIMIT 1`)
	if err := row.Scan(&s.meta.RunID, &s.meta.ExtractedAt, &s.meta.PublishedAt, &s.meta.Policy, &s.meta.Source); err != nil {
		return fmt.Errorf("read meta: %w", err)
	}
	if err := s.readAreas(ctx, db); err != nil {
		return err
	}
	if err := s.readStatistics(ctx, db); err != nil {
		return err
	}
	if err := s.readSubjects(ctx, db); err != nil {
		return err
	}
	return s.readCells(ctx, db)
}

func (s *Snapshot) readAreas(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT area_level, area_code, name, organiser_id, municipality_code
		FROM areas ORDER BY CASE area_level WHEN 'nation' THEN 0 WHEN 'municipality' THEN 1
		WHEN 'organiser' THEN 2 ELSE 3 END, area_code`)
	if err != nil {
		return fmt.Errorf("read areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a snapshot.Area
		var org, mun sql.NullString
		if err := rows.Scan(&a.Level, &a.Code, &a.Name, &org, &mun); err != nil {
			return fmt.Errorf("read areas: %w", err)
		}
		a.OrganiserID, a.MunicipalityCode = org.String, mun.String
		s.areas = append(s.areas, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read areas: %w", err)
	}
	return nil
}

func (s *Snapshot) readStatistics(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT id, name_sv, name_en, description_sv, description_en, unit,
		array_to_string(measures, chr(31)), array_to_string(dimensions, chr(31)), population
		FROM statistics ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read statistics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st snapshot.Statistic
		var measures, dims sql.NullString
		if err := rows.Scan(&st.ID, &st.NameSV, &st.NameEN, &st.DescriptionSV, &st.DescriptionEN,
			&st.Unit, &measures, &dims, &st.Population); err != nil {
			return fmt.Errorf("read statistics: %w", err)
		}
		st.Measures = splitList(measures.String)
		st.Dimensions = splitList(dims.String)
		s.stats = append(s.stats, st)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read statistics: %w", err)
	}
	return nil
}

func (s *Snapshot) readSubjects(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT subject_code, name_sv, name_en FROM subjects ORDER BY subject_code`)
	if err != nil {
		return fmt.Errorf("read subjects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sub snapshot.Subject
		if err := rows.Scan(&sub.Code, &sub.NameSV, &sub.NameEN); err != nil {
			return fmt.Errorf("read subjects: %w", err)
		}
		s.subjects = append(s.subjects, sub)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read subjects: %w", err)
	}
	return nil
}

// cellsQuery reads every cell in the order the index relies on: statistic, area, period, ...
const cellsQuery = `SELECT cell_id, statistic, period, area_level, area_code, grade_level,
	subject, gender, category, measure, value, display, status FROM cells
	ORDER BY statistic, area_level, area_code, period, grade_level NULLS FIRST, subject NULLS FIRST,
	gender NULLS FIRST, category NULLS FIRST, measure, cell_id`

// interner shares the many repeated strings of a cube.
type interner struct {
	strs map[string]string
	ptrs map[string]*string
	ints map[int]*int
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, ptrs: map[string]*string{}, ints: map[int]*int{}}
}

// str returns the shared copy of s; s itself may point into memory that is reused later
// (Arrow buffers), so a new string is cloned before it is kept.
func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	v := strings.Clone(s)
	in.strs[v] = v
	return v
}

func (in *interner) ptr(s string) *string {
	if p, ok := in.ptrs[s]; ok {
		return p
	}
	v := in.str(s)
	in.ptrs[v] = &v
	return &v
}

func (in *interner) int(i int) *int {
	if p, ok := in.ints[i]; ok {
		return p
	}
	v := i
	in.ints[i] = &v
	return &v
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 31 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
