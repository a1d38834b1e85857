package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/skolstat/skolstat/etl/duck"
)

// Content is everything a published snapshot holds besides its meta row.
type Content struct {
	Cells      []Cell
	Areas      []Area
	Statistics []Statistic
	Subjects   []Subject
	// Relations are the additive relations; relation i gets relation_id i+1.
	Relations [][]Term
	Bounds    []Bound
}

// Write appends content and the meta row to a database that already has Schema, through
// DuckDB's appender (a cube can hold millions of cells).
func Write(ctx context.Context, db *sql.DB, c Content, m Meta) error {
	steps := []struct {
		table string
		n     int
		row   func(i int) []driver.Value
	}{
		{"cells", len(c.Cells), func(i int) []driver.Value { return cellRow(c.Cells[i]) }},
		{"areas", len(c.Areas), func(i int) []driver.Value {
			a := c.Areas[i]
			return []driver.Value{a.Level, a.Code, a.Name, nullString(a.OrganiserID), nullString(a.MunicipalityCode)}
		}},
		{"statistics", len(c.Statistics), func(i int) []driver.Value {
			s := c.Statistics[i]
			return []driver.Value{s.ID, s.NameSV, s.NameEN, s.DescriptionSV, s.DescriptionEN, s.Unit,
				stringList(s.Measures), stringList(s.Dimensions), s.Population}
		}},
		{"subjects", len(c.Subjects), func(i int) []driver.Value {
			s := c.Subjects[i]
			return []driver.Value{s.Code, s.NameSV, s.NameEN}
		}},
		{"bounds", len(c.Bounds), func(i int) []driver.Value {
			b := c.Bounds[i]
			var upper driver.Value
			if b.Upper != nil {
				upper = *b.Upper
			}
			return []driver.Value{b.CellID, b.Lower, upper}
		}},
	}
	for _, s := range steps {
		if err := appendRows(ctx, db, s.table, s.n, s.row); err != nil {
			return err
		}
	}
	if err := writeRelations(ctx, db, c.Relations); err != nil {
		return err
	}
	if err := appendRows(ctx, db, "snapshot", 1, func(int) []driver.Value {
		return []driver.Value{m.RunID, m.ExtractedAt.UTC(), m.PublishedAt.UTC(), m.Policy, m.Source}
	}); err != nil {
		return err
	}
	return nil
}

func writeRelations(ctx context.Context, db *sql.DB, rels [][]Term) error {
	if len(rels) == 0 {
		return nil
	}
	app, err := duck.NewAppender(ctx, db, "relations")
	if err != nil {
		return fmt.Errorf("write relations: %w", err)
	}
	for i, r := range rels {
		for _, t := range r {
			if err := app.Append(int64(i+1), t.CellID, t.Coef); err != nil {
				app.Close()
				return fmt.Errorf("write relations: %w", err)
			}
		}
	}
	if err := app.Close(); err != nil {
		return fmt.Errorf("write relations: %w", err)
	}
	return nil
}

func appendRows(ctx context.Context, db *sql.DB, table string, n int, row func(int) []driver.Value) error {
	if n == 0 {
		return nil
	}
	app, err := duck.NewAppender(ctx, db, table)
	if err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	for i := 0; i < n; i++ {
		if i%65536 == 0 {
			if err := ctx.Err(); err != nil {
				app.Close()
				return fmt.Errorf("write %s: %w", table, err)
			}
		}
		if err := app.Append(row(i)...); err != nil {
			app.Close()
			return fmt.Errorf("write %s: %w", table, err)
		}
	}
	if err := app.Close(); err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	return nil
}

func cellRow(c Cell) []driver.Value {
	var grade, subject, gender, category, value driver.Value
	if c.GradeLevel != nil {
		grade = int32(*c.GradeLevel)
	}
	if c.Subject != nil {
		subject = *c.Subject
	}
	if c.Gender != nil {
		gender = *c.Gender
	}
	if c.Category != nil {
		category = *c.Category
	}
	if c.Value != nil {
		value = *c.Value
	}
	return []driver.Value{c.ID, c.Statistic, c.Period, c.AreaLevel, c.AreaCode, grade, subject,
		gender, category, c.Measure, value, c.Display, c.Status}
}

func nullString(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func stringList(s []string) driver.Value {
	if s == nil {
		s = []string{}
	}
	return s
}
