// Package extract copies the source contract from PostgreSQL into the DuckDB warehouse in one
// consistent snapshot: streamed, minimised, re-keyed, validated into a quarantine, and
// incremental for the large append-mostly tables.
package extract

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/rekey"
	"github.com/skolstat/skolstat/etl/warehouse"
)

//go:embed schema.sql
var stateSchema string

// ErrTooManyRejects fails a run whose share of rejected rows passes Options.MaxRejectShare.
var ErrTooManyRejects = errors.New("rejected share above the limit")

// Defaults of Options.
const (
	DefaultOverlap        = 48 * time.Hour
	DefaultMaxRejectShare = 0.05
	DefaultBatchRows      = 1 << 16
	// loadThreads caps DuckDB's threads during the load.
	loadThreads = 2
	// maxQuarantineRows caps the rows kept in etl_quarantine per run; the counts stay exact.
	maxQuarantineRows = 100_000
)

// Options tunes one extraction.
type Options struct {
	// RunID tags the quarantine rows.
	RunID string
	// Keyer re-keys pupil and user keys; required.
	Keyer *rekey.Keyer
	// Full reloads attendance and usage_events in full instead of incrementally.
	Full bool
	// Overlap is how far before the watermark an incremental run reads again (late commits).
	Overlap time.Duration
	// MaxRejectShare fails the run when rejected/read rows exceed it; 0 means the default,
	// a negative value disables the check.
	MaxRejectShare float64
	// BatchRows is the Arrow record batch size; 0 means the default.
	BatchRows int
}

// Result describes what an extraction read, loaded and rejected.
type Result struct {
	ExtractedAt time.Time      // the source transaction's now()
	Full        bool           // every table was reloaded in full
	Incremental []string       // the tables loaded incrementally
	Read        map[string]int // source rows read per table
	Rejects     map[string]int // rejected rows per rule
	Loaded      map[string]int // rows in each warehouse table after the run
	TotalRead   int
	TotalReject int
}

// RejectShare is the share of read rows that were rejected.
func (r *Result) RejectShare() float64 {
	if r.TotalRead == 0 {
		return 0
	}
	return float64(r.TotalReject) / float64(r.TotalRead)
}

// qrow is one quarantined row: rule, table and primary key.
type qrow struct{ rule, table, key string }

// run is the state of one extraction.
type run struct {
	opts        Options
	hasher      *rekey.Hasher
	extractedAt time.Time
	clock       clock
	organisers  keySet
	units       keySet
	subjects    keySet
	pupils      pupilMap
	lastPupil   pupilCache
	users       map[string]rekey.ID
	res         *Result
	quarantine  []qrow
	mem         memory.Allocator
}

type keySet map[string]struct{}

func (s keySet) has(f []byte) bool { _, ok := s[string(f)]; return ok }

type pupilMap map[string]rekey.ID

// maxUserCache bounds the cache of re-keyed user keys.
const maxUserCache = 1 << 20

// pupilCache remembers the last pupil key looked up and what was found: a pupil's rows
// usually come together, and one comparison is cheaper than hashing the key into the map
// twice per row (check, then re-key).
type pupilCache struct {
	valid  bool
	key    []byte
	id     rekey.ID
	hashed bool // id is set: the key was loaded, or its HMAC computed
	known  bool
}

// lookupPupil returns the re-keyed pupil key of a loaded pupil and whether it was loaded.
func (x *run) lookupPupil(f []byte) (rekey.ID, bool) {
	c := &x.lastPupil
	if c.valid && string(c.key) == string(f) {
		return c.id, c.known
	}
	id, ok := x.pupils[string(f)]
	c.valid, c.key, c.id, c.hashed, c.known = true, append(c.key[:0], f...), id, ok, ok
	return id, ok
}

// knownPupil reports whether f is the key of a loaded pupil.
func (x *run) knownPupil(f []byte) bool {
	_, ok := x.lookupPupil(f)
	return ok
}

// rekeyPupil returns the re-keyed pupil key, from the map of loaded pupils when present; the
// HMAC of an unknown key is computed once per run of equal keys.
func (x *run) rekeyPupil(f []byte) rekey.ID {
	id, ok := x.lookupPupil(f)
	if ok {
		return id
	}
	c := &x.lastPupil
	if !c.hashed {
		c.id, c.hashed = x.hasher.ID(f), true
	}
	return c.id
}

func (x *run) rekeyUser(f []byte) rekey.ID {
	if id, ok := x.users[string(f)]; ok {
		return id
	}
	if len(x.users) >= maxUserCache {
		clear(x.users)
	}
	id := x.hasher.ID(f)
	x.users[string(f)] = id
	return id
}

// Run extracts the source contract from src into the warehouse wh. Every table is read inside
// one REPEATABLE READ, READ ONLY transaction, and the warehouse is changed in one DuckDB
// transaction: a failed run leaves the warehouse (and its watermarks) as they were. The
// Result is returned, with what was counted so far, also when the run fails.
func Run(ctx context.Context, src *pgx.Conn, wh *sql.DB, opts Options) (*Result, error) {
	if opts.Keyer == nil {
		return nil, errors.New("extract: no keyer")
	}
	if opts.Overlap <= 0 {
		opts.Overlap = DefaultOverlap
	}
	if opts.MaxRejectShare == 0 {
		opts.MaxRejectShare = DefaultMaxRejectShare
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	res := &Result{Read: map[string]int{}, Rejects: map[string]int{}, Loaded: map[string]int{}}
	if err := warehouse.Create(ctx, wh); err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	if _, err := wh.ExecContext(ctx, stateSchema); err != nil {
		return res, fmt.Errorf("extract: create state tables: %w", err)
	}

	tx, err := src.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return res, fmt.Errorf("extract: begin source transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var now time.Time
	if err := tx.QueryRow(ctx, "SELECT now()").Scan(&now); err != nil {
		return res, fmt.Errorf("extract: read source time: %w", err)
	}
	res.ExtractedAt = now.UTC()

	x := &run{
		opts: opts, hasher: opts.Keyer.Hasher(), extractedAt: res.ExtractedAt, clock: newClock(res.ExtractedAt),
		organisers: keySet{}, units: keySet{}, subjects: keySet{}, pupils: pupilMap{},
		users: map[string]rekey.ID{}, res: res, mem: newPoolAllocator(),
	}

	conn, err := wh.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("extract: warehouse connection: %w", err)
	}
	defer conn.Close()
	// One Arrow stream feeds the load. Two DuckDB threads, pulling batches from it in turn,
	// insert and compress row groups side by side once they need not keep the insertion order
	// (the warehouse tables have none); with the order kept, a second thread only costs CPU
	// (measured: about 1.5 times the CPU for the same rows). The settings are the database's,
	// restored afterwards.
	var threads int
	var order bool
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('threads'), current_setting('preserve_insertion_order')").Scan(&threads, &order); err != nil {
		return res, fmt.Errorf("extract: read settings: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d; SET preserve_insertion_order = false", min(threads, loadThreads))); err != nil {
		return res, fmt.Errorf("extract: set threads: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET threads = %d; SET preserve_insertion_order = %t", threads, order))
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, fmt.Errorf("extract: begin warehouse transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := x.load(ctx, tx, conn); err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	if opts.MaxRejectShare > 0 && res.RejectShare() > opts.MaxRejectShare {
		return res, fmt.Errorf("extract: %d of %d rows rejected (%.2f %%, limit %.2f %%): %w",
			res.TotalReject, res.TotalRead, 100*res.RejectShare(), 100*opts.MaxRejectShare, ErrTooManyRejects)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("extract: commit warehouse: %w", err)
	}
	committed = true
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("extract: end source transaction: %w", err)
	}
	if err := countLoaded(ctx, wh, res); err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	return res, nil
}

// load runs every step inside the two open transactions.
func (x *run) load(ctx context.Context, tx pgx.Tx, conn *sql.Conn) error {
	full, err := x.forceFull(ctx, conn)
	if err != nil {
		return err
	}
	x.res.Full = full
	if _, err := conn.ExecContext(ctx, "DELETE FROM etl_quarantine"); err != nil {
		return fmt.Errorf("clear quarantine: %w", err)
	}
	for _, t := range tables() {
		wm, ok, err := x.watermark(ctx, conn, t.name)
		if err != nil {
			return err
		}
		if t.incremental && !full && ok {
			x.res.Incremental = append(x.res.Incremental, t.name)
			if err := x.loadIncremental(ctx, tx, conn, t, wm.Add(-x.opts.Overlap)); err != nil {
				return fmt.Errorf("load %s: %w", t.name, err)
			}
			continue
		}
		if err := x.loadFull(ctx, tx, conn, t); err != nil {
			return fmt.Errorf("load %s: %w", t.name, err)
		}
	}
	if err := x.crossRowRules(ctx, conn); err != nil {
		return err
	}
	return x.flushQuarantine(ctx, conn)
}

// forceFull reports whether every table must be reloaded: asked for, or the re-keying secret
// changed since the warehouse was filled (hashes would not match).
func (x *run) forceFull(ctx context.Context, conn *sql.Conn) (bool, error) {
	fp := x.hasher.Key("skolstat key fingerprint")
	var old sql.NullString
	err := conn.QueryRowContext(ctx, "SELECT note FROM etl_state WHERE name = 'secret'").Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("read state: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO etl_state VALUES ('secret', NULL, ?)", fp); err != nil {
		return false, fmt.Errorf("save state: %w", err)
	}
	return x.opts.Full || !old.Valid || old.String != fp, nil
}

func (x *run) watermark(ctx context.Context, conn *sql.Conn, name string) (time.Time, bool, error) {
	var wm sql.NullTime
	err := conn.QueryRowContext(ctx, "SELECT watermark FROM etl_state WHERE name = ?", name).Scan(&wm)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !wm.Valid) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read watermark of %s: %w", name, err)
	}
	return wm.Time, true, nil
}

func (x *run) setWatermark(ctx context.Context, conn *sql.Conn, name string, wm time.Time) error {
	if _, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO etl_state VALUES (?, ?, NULL)", name, wm.UTC()); err != nil {
		return fmt.Errorf("save watermark of %s: %w", name, err)
	}
	return nil
}

// loadFull replaces the warehouse table by every valid source row.
func (x *run) loadFull(ctx context.Context, tx pgx.Tx, conn *sql.Conn, t *table) error {
	if _, err := conn.ExecContext(ctx, "DELETE FROM "+t.name); err != nil {
		return err
	}
	view := "src_" + t.name
	stmt := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE ok", t.name, t.colNames(), t.colNames(), view)
	maxTS, err := x.stream(ctx, tx, conn, t, "", view, stmt)
	if err != nil {
		return err
	}
	if t.incremental {
		return x.setWatermark(ctx, conn, t.name, x.capWatermark(maxTS))
	}
	return nil
}

// loadIncremental applies the tombstones since the watermark, then merges the rows changed
// since it (deleting the warehouse rows with the same keys, inserting the valid ones).
func (x *run) loadIncremental(ctx context.Context, tx pgx.Tx, conn *sql.Conn, t *table, since time.Time) error {
	if err := x.applyTombstones(ctx, tx, conn, t, since); err != nil {
		return err
	}
	view := "src_" + t.name
	stage := "stage_" + t.name
	stmt := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s", stage, view)
	where := fmt.Sprintf("%s >= '%s' OR %s IS NULL", t.source[t.watermark], since.UTC().Format(time.RFC3339Nano),
		t.source[t.watermark])
	maxTS, err := x.stream(ctx, tx, conn, t, where, view, stmt)
	if err != nil {
		return err
	}
	on := ""
	for i, k := range t.keyCols {
		if i > 0 {
			on += " AND "
		}
		on += fmt.Sprintf("%s.%s = s.%s", t.name, k, k)
	}
	for _, q := range []string{
		fmt.Sprintf("DELETE FROM %s USING %s s WHERE %s", t.name, stage, on),
		fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE ok", t.name, t.colNames(), t.colNames(), stage),
		"DROP TABLE " + stage,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("merge: %w", err)
		}
	}
	if err := x.removeOrphans(ctx, conn, t); err != nil {
		return err
	}
	if !maxTS.IsZero() {
		return x.setWatermark(ctx, conn, t.name, x.capWatermark(maxTS))
	}
	return nil
}

// capWatermark keeps a watermark from running ahead of the source's clock.
func (x *run) capWatermark(ts time.Time) time.Time {
	if ts.IsZero() || ts.After(x.extractedAt) {
		return x.extractedAt
	}
	return ts
}

// reject counts a rejected row and keeps its key for the quarantine table.
func (x *run) reject(t *table, rule string, f [][]byte) {
	x.res.Rejects[rule]++
	x.res.TotalReject++
	if len(x.quarantine) < maxQuarantineRows {
		x.quarantine = append(x.quarantine, qrow{rule: rule, table: t.name, key: t.key(x, f)})
	}
}

// accept remembers a valid reference row so that later tables can be checked against it.
func (x *run) accept(t *table, f [][]byte) {
	switch t.name {
	case "organisers":
		x.organisers[string(f[0])] = struct{}{}
	case "school_units":
		x.units[string(f[0])] = struct{}{}
	case "subjects":
		x.subjects[string(f[0])] = struct{}{}
	case "pupils":
		x.pupils[string(f[0])] = x.hasher.ID(f[0])
		x.lastPupil.valid = false
	}
}

func countLoaded(ctx context.Context, wh *sql.DB, res *Result) error {
	for _, t := range tables() {
		var n int
		if err := wh.QueryRowContext(ctx, "SELECT count(*) FROM "+t.name).Scan(&n); err != nil {
			return fmt.Errorf("count %s: %w", t.name, err)
		}
		res.Loaded[t.name] = n
	}
	return nil
}

// TableNames lists the warehouse tables extract fills, in load order.
func TableNames() []string {
	var names []string
	for _, t := range tables() {
		names = append(names, t.name)
	}
	return names
}

// RulesHit returns the rules with rejects, sorted.
func (r *Result) RulesHit() []string {
	var rules []string
	for k := range r.Rejects {
		rules = append(rules, k)
	}
	sort.Strings(rules)
	return rules
}

// appender appends one source field (nil for NULL) to one column builder.
type appender func(v []byte)

// appenders binds each warehouse column of t, and the ok flag, to its typed builder in b, so
// that the per-row work has no type switches.
func (x *run) appenders(b *array.RecordBuilder, t *table) ([]appender, *array.BooleanBuilder) {
	out := make([]appender, len(t.cols))
	for i, c := range t.cols {
		fb := b.Field(i)
		var app appender
		switch c.kind {
		case kText:
			sb := fb.(*array.StringBuilder).BinaryBuilder
			app = func(v []byte) { sb.Append(v) }
		case kPupil:
			ub := uuidBuilder(fb)
			app = func(v []byte) { id := x.rekeyPupil(v); ub.Append(id[:]) }
		case kUser:
			ub := uuidBuilder(fb)
			app = func(v []byte) { id := x.rekeyUser(v); ub.Append(id[:]) }
		case kInt32:
			ib := fb.(*array.Int32Builder)
			app = func(v []byte) { ib.Append(i32(v)) }
		case kInt64:
			ib := fb.(*array.Int64Builder)
			app = func(v []byte) { ib.Append(i64(v)) }
		case kBool:
			bb := fb.(*array.BooleanBuilder)
			app = func(v []byte) { bb.Append(boolean(v)) }
		case kDate:
			db := fb.(*array.Date32Builder)
			app = func(v []byte) { db.Append(arrow.Date32(i32(v) + pgEpochDays)) }
		case kTimestamp:
			tb := fb.(*array.TimestampBuilder)
			app = func(v []byte) { tb.Append(arrow.Timestamp(i64(v) + pgEpochMicros)) }
		}
		out[i] = func(f []byte) {
			if f == nil {
				fb.AppendNull()
				return
			}
			app(f)
		}
	}
	return out, b.Field(len(t.cols)).(*array.BooleanBuilder)
}
