//go:build duckdb_arrow

package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolstat/skolstat/etl/duck"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// readCells reads every cell through DuckDB's Arrow interface, batch by batch; strings are
// interned (copied once out of the Arrow buffers).
func (s *Snapshot) readCells(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cells`).Scan(&n); err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	s.cells = make([]snapshot.Cell, 0, n)
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	defer conn.Close()
	rr, err := duck.QueryArrow(ctx, conn, cellsQuery)
	if err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	defer rr.Release()
	in := newInterner()
	for rr.Next() {
		rec := rr.RecordBatch()
		if err := s.appendBatch(rec, in); err != nil {
			return fmt.Errorf("read cells: %w", err)
		}
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	return nil
}

// strCol reads a string column of any Arrow string layout.
type strCol struct {
	arr arrow.Array
	val func(int) string
}

func newStrCol(a arrow.Array) (strCol, error) {
	switch t := a.(type) {
	case *array.String:
		return strCol{a, t.Value}, nil
	case *array.LargeString:
		return strCol{a, t.Value}, nil
	case *array.StringView:
		return strCol{a, t.Value}, nil
	}
	return strCol{}, fmt.Errorf("column of type %s, want a string", a.DataType())
}

func (s *Snapshot) appendBatch(rec arrow.RecordBatch, in *interner) error {
	if rec.NumCols() != 13 {
		return fmt.Errorf("%d columns, want 13", rec.NumCols())
	}
	ids, ok := rec.Column(0).(*array.Int64)
	if !ok {
		return fmt.Errorf("cell_id of type %s", rec.Column(0).DataType())
	}
	var str [13]strCol
	for _, i := range []int{1, 2, 3, 4, 6, 7, 8, 9, 11, 12} {
		c, err := newStrCol(rec.Column(i))
		if err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
		str[i] = c
	}
	grades, ok := rec.Column(5).(*array.Int32)
	if !ok {
		return fmt.Errorf("grade_level of type %s", rec.Column(5).DataType())
	}
	values, ok := rec.Column(10).(*array.Float64)
	if !ok {
		return fmt.Errorf("value of type %s", rec.Column(10).DataType())
	}
	get := func(col, row int) string { return in.str(str[col].val(row)) }
	opt := func(col, row int) *string {
		if str[col].arr.IsNull(row) {
			return nil
		}
		return in.ptr(str[col].val(row))
	}
	for r := 0; r < int(rec.NumRows()); r++ {
		c := snapshot.Cell{ID: ids.Value(r), Statistic: get(1, r), Period: get(2, r), AreaLevel: get(3, r),
			AreaCode: get(4, r), Subject: opt(6, r), Gender: opt(7, r), Category: opt(8, r),
			Measure: get(9, r), Display: get(11, r), Status: get(12, r)}
		if !grades.IsNull(r) {
			c.GradeLevel = in.int(int(grades.Value(r)))
		}
		if !values.IsNull(r) && c.Status == snapshot.StatusShown {
			v := values.Value(r)
			c.Value = &v
		}
		s.cells = append(s.cells, c)
	}
	return nil
}
