//go:build !duckdb_arrow

package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// readCells reads every cell row by row (builds without the Arrow interface).
func (s *Snapshot) readCells(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cells`).Scan(&n); err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	s.cells = make([]snapshot.Cell, 0, n)
	rows, err := db.QueryContext(ctx, cellsQuery)
	if err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	defer rows.Close()
	in := newInterner()
	for rows.Next() {
		var c snapshot.Cell
		var grade sql.NullInt64
		var subject, gender, category sql.NullString
		var value sql.NullFloat64
		if err := rows.Scan(&c.ID, &c.Statistic, &c.Period, &c.AreaLevel, &c.AreaCode, &grade,
			&subject, &gender, &category, &c.Measure, &value, &c.Display, &c.Status); err != nil {
			return fmt.Errorf("read cells: %w", err)
		}
		c.Statistic, c.Period = in.str(c.Statistic), in.str(c.Period)
		c.AreaLevel, c.AreaCode = in.str(c.AreaLevel), in.str(c.AreaCode)
		c.Measure, c.Display, c.Status = in.str(c.Measure), in.str(c.Display), in.str(c.Status)
		if grade.Valid {
			c.GradeLevel = in.int(int(grade.Int64))
		}
		if subject.Valid {
			c.Subject = in.ptr(subject.String)
		}
		if gender.Valid {
			c.Gender = in.ptr(gender.String)
		}
		if category.Valid {
			c.Category = in.ptr(category.String)
		}
		if value.Valid && c.Status == snapshot.StatusShown {
			v := value.Float64
			c.Value = &v
		}
		s.cells = append(s.cells, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cells: %w", err)
	}
	return nil
}
