package synth

import (
	"fmt"
	"time"
)

// boxes holds values boxed once, so that generating hundreds of millions of rows does not
// allocate for every integer and date.
type boxes struct {
	ints    []any   // int32 0..1023
	days    [][]any // per school year: the school days as time.Time
	dayUpd  [][]any // per school year: attendance updated_at of each day
	trueV   any
	falseV  any
	strings map[string]any
}

func newBoxes(g *Generator) boxes {
	b := boxes{ints: make([]any, 1024), trueV: true, falseV: false, strings: map[string]any{}}
	for i := range b.ints {
		b.ints[i] = int32(i)
	}
	for _, sy := range g.years {
		days := make([]any, len(sy.days))
		upd := make([]any, len(sy.days))
		for i, d := range sy.days {
			days[i] = d
			upd[i] = stockholm(d, 17, 30, 0)
		}
		b.days = append(b.days, days)
		b.dayUpd = append(b.dayUpd, upd)
	}
	return b
}

// int boxes a small non-negative integer without allocating.
func (b *boxes) int(v int) any {
	if v >= 0 && v < len(b.ints) {
		return b.ints[v]
	}
	return int32(v)
}

func (b *boxes) bool(v bool) any {
	if v {
		return b.trueV
	}
	return b.falseV
}

// str boxes one of a small set of constant strings once.
func (b *boxes) str(s string) any {
	v, ok := b.strings[s]
	if !ok {
		v = s
		b.strings[s] = v
	}
	return v
}

// batch holds the rows generated for one entity (a pupil, a school unit), reused.
type batch struct {
	width int
	vals  []any
	rows  int
}

// row returns the next row's cells to fill in.
func (b *batch) row() []any {
	n := (b.rows + 1) * b.width
	if n > len(b.vals) {
		b.vals = append(b.vals, make([]any, n-len(b.vals)+b.width*64)...)
	}
	b.rows++
	return b.vals[n-b.width : n : n]
}

// Source yields the rows of one table in the contract's column order. It is a
// pgx.CopyFromSource; its values are valid until the next call of Next.
type Source struct {
	table    string
	columns  []string
	entities int
	fill     func(e int, b *batch)
	next     int
	b        batch
	pos      int
	count    int64
}

// Next advances to the next row.
func (s *Source) Next() bool {
	for s.pos >= s.b.rows {
		if s.next >= s.entities {
			return false
		}
		s.b.rows = 0
		s.pos = 0
		s.fill(s.next, &s.b)
		s.next++
	}
	s.pos++
	s.count++
	return true
}

// Values returns the current row.
func (s *Source) Values() ([]any, error) {
	return s.b.vals[(s.pos-1)*s.b.width : s.pos*s.b.width], nil
}

// Err is always nil: generation cannot fail once planned.
func (s *Source) Err() error { return nil }

// Table is the contract table the rows belong to.
func (s *Source) Table() string { return s.table }

// Columns are the column names, in the order of Values.
func (s *Source) Columns() []string { return s.columns }

// Rows is the number of rows yielded so far.
func (s *Source) Rows() int64 { return s.count }

// Rows returns a fresh source of the rows of the contract table named table.
func (g *Generator) Rows(table string) (*Source, error) {
	for _, t := range g.tables() {
		if t.name == table {
			s := &Source{table: t.name, columns: t.columns, entities: t.entities, fill: t.newFill()}
			s.b.width = len(t.columns)
			return s, nil
		}
	}
	return nil, fmt.Errorf("synth: no table %q", table)
}

// Tables names the generated tables in load order (all of the contract's).
func (g *Generator) Tables() []string {
	var names []string
	for _, t := range g.tables() {
		names = append(names, t.name)
	}
	return names
}

// tableGen describes how to generate one table.
type tableGen struct {
	name     string
	columns  []string
	entities int
	newFill  func() func(e int, b *batch)
}

// ts is a deterministic timestamp.
func ts(t time.Time) any { return t }
