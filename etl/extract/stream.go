package extract

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/skolstat/skolstat/etl/duck"
)

// epoch2000 is PostgreSQL's date epoch.
var epoch2000 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// stream copies export.<t> (filtered by where, if any) from the source transaction in
// PostgreSQL's binary COPY format, validates and converts each row into Arrow record
// batches, and runs stmt on conn with the batches registered as view: DuckDB pulls them while
// the copy is still running, so memory holds a few batches, whatever the table's size. It
// returns the greatest watermark value read (incremental tables).
func (x *run) stream(ctx context.Context, tx pgx.Tx, conn *sql.Conn, t *table, where, view, stmt string) (time.Time, error) {
	query := "SELECT " + strings.Join(t.source, ", ") + " FROM export." + t.name
	if where != "" {
		query += " WHERE " + where
	}
	copySQL := "COPY (" + query + ") TO STDOUT (FORMAT binary)"

	schema := t.schema()
	bld := array.NewRecordBuilder(x.mem, schema)
	defer bld.Release()
	bld.Reserve(x.opts.BatchRows)
	apps, okb := x.appenders(bld, t)
	var strs []*array.StringBuilder
	for i := range t.cols {
		if sb, ok := bld.Field(i).(*array.StringBuilder); ok {
			strs = append(strs, sb)
		}
	}
	dataLens := make([]int, len(strs))
	ch := make(chan arrow.RecordBatch, 2)
	rdr := newChanReader(schema, ch)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var maxTS int64 = -1 << 63
	rows := 0
	send := func() error {
		// Reserve the next batch's string bytes up front: growing the buffers value by value
		// costs more than the rest of the conversion.
		for i, sb := range strs {
			dataLens[i] = sb.DataLen()
		}
		rec := bld.NewRecordBatch()
		bld.Reserve(x.opts.BatchRows)
		for i, sb := range strs {
			sb.ReserveData(dataLens[i] + dataLens[i]/8)
		}
		select {
		case ch <- rec:
			rows = 0
			return nil
		case <-pctx.Done():
			rec.Release()
			return pctx.Err()
		}
	}
	parser := newCopyParser(func(f [][]byte) error {
		if len(f) != len(t.source) {
			return fmt.Errorf("copy stream: %d fields, want %d", len(f), len(t.source))
		}
		x.res.Read[t.name]++
		x.res.TotalRead++
		rule := t.check(x, f)
		if rule != "" {
			x.reject(t, rule, f)
			if !t.incremental {
				return nil
			}
		} else {
			x.accept(t, f)
		}
		if t.incremental && f[t.watermark] != nil {
			if ts := i64(f[t.watermark]); ts > maxTS {
				maxTS = ts
			}
		}
		for i, c := range t.cols {
			apps[i](f[c.src])
		}
		okb.Append(rule == "")
		rows++
		if rows >= x.opts.BatchRows {
			return send()
		}
		return nil
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := tx.Conn().PgConn().CopyTo(pctx, parser, copySQL)
		if err == nil {
			err = parser.finish()
		}
		if err == nil && rows > 0 {
			err = send()
		}
		if err != nil {
			rdr.err = fmt.Errorf("read source: %w", err)
		}
		close(ch)
	}()

	release, err := duck.RegisterArrowView(ctx, conn, rdr, view)
	if err == nil {
		_, err = conn.ExecContext(ctx, stmt)
		release()
	}
	cancel()
	for rec := range ch {
		rec.Release()
	}
	<-done
	if rdr.err != nil && (err == nil || !errors.Is(rdr.err, context.Canceled)) {
		return time.Time{}, rdr.err
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("write warehouse: %w", err)
	}
	if maxTS == -1<<63 {
		return time.Time{}, nil
	}
	return time.UnixMicro(maxTS + pgEpochMicros).UTC(), nil
}

// insertBatch inserts one in-memory record into table through the Arrow view.
func insertBatch(ctx context.Context, conn *sql.Conn, rec arrow.RecordBatch, view, stmt string) error {
	rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		return err
	}
	defer rdr.Release()
	release, err := duck.RegisterArrowView(ctx, conn, rdr, view)
	if err != nil {
		return err
	}
	defer release()
	_, err = conn.ExecContext(ctx, stmt)
	return err
}

// flushQuarantine writes the kept quarantine rows into etl_quarantine.
func (x *run) flushQuarantine(ctx context.Context, conn *sql.Conn) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "run_id", Type: arrow.BinaryTypes.String},
		{Name: "rule", Type: arrow.BinaryTypes.String},
		{Name: "table_name", Type: arrow.BinaryTypes.String},
		{Name: "row_key", Type: arrow.BinaryTypes.String},
	}, nil)
	for start := 0; start < len(x.quarantine); start += x.opts.BatchRows {
		end := min(start+x.opts.BatchRows, len(x.quarantine))
		b := array.NewRecordBuilder(x.mem, schema)
		for _, q := range x.quarantine[start:end] {
			b.Field(0).(*array.StringBuilder).Append(x.opts.RunID)
			b.Field(1).(*array.StringBuilder).Append(q.rule)
			b.Field(2).(*array.StringBuilder).Append(q.table)
			b.Field(3).(*array.StringBuilder).Append(q.key)
		}
		rec := b.NewRecordBatch()
		b.Release()
		err := insertBatch(ctx, conn, rec, "src_quarantine", "INSERT INTO etl_quarantine SELECT * FROM src_quarantine")
		rec.Release()
		if err != nil {
			return fmt.Errorf("write quarantine: %w", err)
		}
	}
	return nil
}

// quarantineSQL moves the warehouse rows that query selects (as row_key, plus the table's
// delete condition) into the quarantine under rule and deletes them; it counts them.
func (x *run) quarantineSQL(ctx context.Context, conn *sql.Conn, rule, tableName, keysQuery, deleteWhere string) error {
	tmp := "q_" + rule
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS %s", tmp, keysQuery)); err != nil {
		return fmt.Errorf("rule %s: %w", rule, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+tmp).Scan(&n); err != nil {
		return fmt.Errorf("rule %s: %w", rule, err)
	}
	if n == 0 {
		return nil
	}
	stmts := []string{
		fmt.Sprintf("INSERT INTO etl_quarantine SELECT '%s', '%s', '%s', row_key FROM %s LIMIT %d",
			strings.ReplaceAll(x.opts.RunID, "'", "''"), rule, tableName, tmp, maxQuarantineRows),
		fmt.Sprintf("DELETE FROM %s WHERE %s", tableName, strings.ReplaceAll(deleteWhere, "$tmp", tmp)),
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("rule %s: %w", rule, err)
		}
	}
	x.res.Rejects[rule] += n
	x.res.TotalReject += n
	return nil
}

// crossRowRules applies the rules that compare rows with each other.
func (x *run) crossRowRules(ctx context.Context, conn *sql.Conn) error {
	if err := x.quarantineSQL(ctx, conn, RuleDuplicateFinalGrade, "grades",
		`SELECT grade_id::VARCHAR AS row_key, grade_id FROM (
		   SELECT grade_id, count(*) OVER (PARTITION BY pupil_id, subject_code) AS n
		   FROM grades WHERE is_final) WHERE n > 1`,
		"grade_id IN (SELECT grade_id FROM $tmp)"); err != nil {
		return err
	}
	return x.quarantineSQL(ctx, conn, RuleOverlappingPlacement, "placements",
		`SELECT DISTINCT a.placement_id::VARCHAR AS row_key, a.placement_id
		 FROM placements a JOIN placements b
		   ON a.pupil_id = b.pupil_id AND a.placement_id <> b.placement_id
		  AND a.start_date < coalesce(b.end_date, DATE '9999-12-31')
		  AND b.start_date < coalesce(a.end_date, DATE '9999-12-31')`,
		"placement_id IN (SELECT placement_id FROM $tmp)")
}

// removeOrphans quarantines the rows of an incrementally loaded table whose references have
// gone from the (fully reloaded) reference tables, as a full reload would.
func (x *run) removeOrphans(ctx context.Context, conn *sql.Conn, t *table) error {
	switch t.name {
	case "attendance":
		if err := x.quarantineSQL(ctx, conn, RuleUnknownPupil, "attendance",
			`SELECT pupil_id || '|' || school_unit_code || '|' || strftime(day, '%Y-%m-%d') AS row_key, pupil_id
			 FROM attendance WHERE pupil_id NOT IN (SELECT pupil_id FROM pupils)`,
			"pupil_id IN (SELECT pupil_id FROM $tmp)"); err != nil {
			return err
		}
		return x.quarantineSQL(ctx, conn, RuleUnknownSchoolUnit, "attendance",
			`SELECT pupil_id || '|' || school_unit_code || '|' || strftime(day, '%Y-%m-%d') AS row_key, school_unit_code
			 FROM attendance WHERE school_unit_code NOT IN (SELECT school_unit_code FROM school_units)`,
			"school_unit_code IN (SELECT school_unit_code FROM $tmp)")
	case "usage_events":
		return x.quarantineSQL(ctx, conn, RuleUnknownSchoolUnit, "usage_events",
			`SELECT event_id::VARCHAR AS row_key, event_id FROM usage_events
			 WHERE school_unit_code IS NOT NULL AND school_unit_code NOT IN (SELECT school_unit_code FROM school_units)`,
			"event_id IN (SELECT event_id FROM $tmp)")
	}
	return nil
}

// Tombstone row keys (export.deletions.row_key): the primary key of the deleted row, composite
// keys joined with "|" in key order, dates as YYYY-MM-DD.
//   attendance:   pupil_key|school_unit_code|day
//   usage_events: event_id

// TombstoneKey renders the row_key of a deleted attendance row.
func TombstoneKey(pupilKey, schoolUnitCode string, day time.Time) string {
	return pupilKey + "|" + schoolUnitCode + "|" + day.Format("2006-01-02")
}

// applyTombstones deletes from t the rows named by tombstones since since.
func (x *run) applyTombstones(ctx context.Context, tx pgx.Tx, conn *sql.Conn, t *table, since time.Time) error {
	rows, err := tx.Query(ctx, `SELECT row_key FROM export.deletions
		WHERE table_name = $1 AND deleted_at >= $2 AND row_key IS NOT NULL`, t.name, since)
	if err != nil {
		return fmt.Errorf("read deletions: %w", err)
	}
	defer rows.Close()
	var fields []arrow.Field
	for _, k := range t.keyCols {
		switch k {
		case "event_id":
			fields = append(fields, arrow.Field{Name: k, Type: arrow.PrimitiveTypes.Int64})
		case "day":
			fields = append(fields, arrow.Field{Name: k, Type: arrow.FixedWidthTypes.Date32})
		case "pupil_id":
			fields = append(fields, arrow.Field{Name: k, Type: uuidType})
		default:
			fields = append(fields, arrow.Field{Name: k, Type: arrow.BinaryTypes.String})
		}
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(x.mem, schema)
	defer b.Release()
	on := ""
	for i, k := range t.keyCols {
		if i > 0 {
			on += " AND "
		}
		on += fmt.Sprintf("%s.%s = d.%s", t.name, k, k)
	}
	stmt := fmt.Sprintf("DELETE FROM %s USING src_deleted d WHERE %s", t.name, on)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		n = 0
		return insertBatch(ctx, conn, rec, "src_deleted", stmt)
	}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return fmt.Errorf("read deletions: %w", err)
		}
		if !x.appendTombstone(b, t, key) {
			x.res.Rejects[RuleMalformedTombstone]++
			if len(x.quarantine) < maxQuarantineRows {
				x.quarantine = append(x.quarantine, qrow{rule: RuleMalformedTombstone, table: "deletions", key: t.name})
			}
			continue
		}
		n++
		if n >= x.opts.BatchRows {
			if err := flush(); err != nil {
				return fmt.Errorf("apply deletions: %w", err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read deletions: %w", err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("apply deletions: %w", err)
	}
	return nil
}

func (x *run) appendTombstone(b *array.RecordBuilder, t *table, key string) bool {
	switch t.name {
	case "usage_events":
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return false
		}
		b.Field(0).(*array.Int64Builder).Append(id)
		return true
	case "attendance":
		i := strings.LastIndexByte(key, '|')
		if i < 0 {
			return false
		}
		day, err := time.Parse("2006-01-02", key[i+1:])
		if err != nil {
			return false
		}
		rest := key[:i]
		j := strings.LastIndexByte(rest, '|')
		if j <= 0 {
			return false
		}
		id := x.rekeyPupil([]byte(rest[:j]))
		uuidBuilder(b.Field(0)).Append(id[:])
		b.Field(1).(*array.StringBuilder).Append(rest[j+1:])
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32FromTime(day))
		return true
	}
	return false
}
