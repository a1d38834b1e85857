package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/skolstat/skolstat/etl/snapshot"
)

// Dimensions are the filterable columns of the published format, in its order.
var Dimensions = []string{"period", "area_level", "area_code", "grade_level", "subject", "gender", "category", "measure"}

// AreaKey identifies an area.
type AreaKey struct{ Level, Code string }

// Snapshot is one loaded published snapshot, immutable and safe for concurrent use. The cells
// it returns share their pointer fields with it: callers must not modify them.
type Snapshot struct {
	path     string
	meta     snapshot.Meta
	areas    []snapshot.Area
	stats    []snapshot.Statistic
	subjects []snapshot.Subject
	cells    []snapshot.Cell

	areaIdx map[AreaKey]int
	statIdx map[string]*statIndex
}

// statIndex locates one statistic's cells: they are contiguous, sorted by area then period.
type statIndex struct {
	pos    int // position in stats
	lo, hi int
	areas  map[AreaKey][2]int
	// periods locates, inside an area's range, each period's cells (sorted by period next).
	periods map[AreaKey]map[string][2]int
	values  map[string][]string // dimension -> sorted distinct values ("" = null)
}

func (s *Snapshot) index() {
	s.areaIdx = make(map[AreaKey]int, len(s.areas))
	for i, a := range s.areas {
		s.areaIdx[AreaKey{a.Level, a.Code}] = i
	}
	s.statIdx = make(map[string]*statIndex, len(s.stats))
	for i, st := range s.stats {
		s.statIdx[st.ID] = &statIndex{pos: i, lo: -1, areas: map[AreaKey][2]int{}, periods: map[AreaKey]map[string][2]int{}}
	}
	seen := map[string]map[string]map[string]bool{}
	for i := 0; i < len(s.cells); {
		c := &s.cells[i]
		j := i
		for j < len(s.cells) && s.cells[j].Statistic == c.Statistic {
			j++
		}
		ix, ok := s.statIdx[c.Statistic]
		if !ok { // a statistic without a catalogue row: serve it under its id
			s.stats = append(s.stats, snapshot.Statistic{ID: c.Statistic, NameSV: c.Statistic, NameEN: c.Statistic})
			ix = &statIndex{pos: len(s.stats) - 1, areas: map[AreaKey][2]int{}, periods: map[AreaKey]map[string][2]int{}}
			s.statIdx[c.Statistic] = ix
		}
		ix.lo, ix.hi = i, j
		vals := map[string]map[string]bool{}
		seen[c.Statistic] = vals
		for _, d := range Dimensions {
			vals[d] = map[string]bool{}
		}
		for k := i; k < j; {
			a := AreaKey{s.cells[k].AreaLevel, s.cells[k].AreaCode}
			m := k
			for m < j && s.cells[m].AreaLevel == a.Level && s.cells[m].AreaCode == a.Code {
				cell := &s.cells[m]
				for di, d := range Dimensions {
					vals[d][dimValue(cell, di)] = true
				}
				m++
			}
			ix.areas[a] = [2]int{k, m}
			pm := map[string][2]int{}
			for p := k; p < m; {
				q := p
				for q < m && s.cells[q].Period == s.cells[p].Period {
					q++
				}
				pm[s.cells[p].Period] = [2]int{p, q}
				p = q
			}
			ix.periods[a] = pm
			k = m
		}
		ix.values = map[string][]string{}
		for d, set := range vals {
			list := make([]string, 0, len(set))
			for v := range set {
				list = append(list, v)
			}
			sort.Strings(list)
			ix.values[d] = list
		}
		i = j
	}
	for _, ix := range s.statIdx {
		if ix.lo < 0 {
			ix.lo, ix.hi = 0, 0
			ix.values = map[string][]string{}
		}
	}
}

// dimValue returns dimension number di of Dimensions as a string, "" for null.
func dimValue(c *snapshot.Cell, di int) string {
	switch di {
	case 0:
		return c.Period
	case 1:
		return c.AreaLevel
	case 2:
		return c.AreaCode
	case 3:
		if c.GradeLevel == nil {
			return ""
		}
		return strconv.Itoa(*c.GradeLevel)
	case 4:
		return deref(c.Subject)
	case 5:
		return deref(c.Gender)
	case 6:
		return deref(c.Category)
	default:
		return c.Measure
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Path returns the snapshot file's path.
func (s *Snapshot) Path() string { return s.path }

// Meta returns the snapshot's description.
func (s *Snapshot) Meta() snapshot.Meta { return s.meta }

// Age returns how long ago the data was extracted.
func (s *Snapshot) Age(now time.Time) time.Duration { return now.Sub(s.meta.ExtractedAt) }

// Areas returns every area of the snapshot: the nation, municipalities, organisers, school
// units, each level sorted by code. The slice is shared: do not modify it.
func (s *Snapshot) Areas() []snapshot.Area { return s.areas }

// Area returns the area of level and code.
func (s *Snapshot) Area(level, code string) (snapshot.Area, bool) {
	i, ok := s.areaIdx[AreaKey{level, code}]
	if !ok {
		return snapshot.Area{}, false
	}
	return s.areas[i], true
}

// Statistics returns the catalogue, sorted by id. The slice is shared: do not modify it.
func (s *Snapshot) Statistics() []snapshot.Statistic { return s.stats }

// Statistic returns the catalogue row of id.
func (s *Snapshot) Statistic(id string) (snapshot.Statistic, bool) {
	ix, ok := s.statIdx[id]
	if !ok {
		return snapshot.Statistic{}, false
	}
	return s.stats[ix.pos], true
}

// Subjects returns the subject names. The slice is shared: do not modify it.
func (s *Snapshot) Subjects() []snapshot.Subject { return s.subjects }

// Values returns the sorted distinct values of dimension dim (one of Dimensions) among the
// cells of statistic id; "" stands for null ("all").
func (s *Snapshot) Values(id, dim string) []string {
	ix, ok := s.statIdx[id]
	if !ok {
		return nil
	}
	return ix.values[dim]
}

// NumCells returns the number of cells in the snapshot.
func (s *Snapshot) NumCells() int { return len(s.cells) }

// AllCells returns every cell in a stable order (statistic, area, period, ...). The slice is
// shared: do not modify it.
func (s *Snapshot) AllCells() []snapshot.Cell { return s.cells }

// Cells returns the cells of f.Statistic that match f. It returns ErrNotFound (wrapped) for an
// unknown statistic or area code and ErrInvalid for a value the statistic does not have.
func (s *Snapshot) Cells(ctx context.Context, f Filter) ([]snapshot.Cell, error) {
	var out []snapshot.Cell
	err := s.Scan(ctx, f, func(c *snapshot.Cell) { out = append(out, *c) })
	return out, err
}

// Scan calls fn for each cell of f.Statistic that matches f, with the errors of Cells. fn must
// not keep or modify the cell.
func (s *Snapshot) Scan(ctx context.Context, f Filter, fn func(*snapshot.Cell)) error {
	ix, ok := s.statIdx[f.Statistic]
	if !ok {
		return fmt.Errorf("unknown statistic %q: %w", f.Statistic, ErrNotFound)
	}
	if err := s.validate(ix, f); err != nil {
		return err
	}
	if len(f.Period) > 1 { // snapshot order, each period once
		f.Period = slices.Compact(slices.Sorted(slices.Values(f.Period)))
	}
	if len(f.AreaCode) > 1 {
		f.AreaCode = slices.Compact(slices.Sorted(slices.Values(f.AreaCode)))
	}
	match := func(lo, hi int) {
		if len(f.Period) > 0 && lo < hi {
			// Only the filter's periods of this area's range.
			pm := ix.periods[AreaKey{s.cells[lo].AreaLevel, s.cells[lo].AreaCode}]
			for _, p := range f.Period {
				r, ok := pm[p]
				if !ok {
					continue
				}
				for i := r[0]; i < r[1]; i++ {
					if c := &s.cells[i]; f.matches(c) {
						fn(c)
					}
				}
			}
			return
		}
		for i := lo; i < hi; i++ {
			c := &s.cells[i]
			if f.matches(c) {
				fn(c)
			}
		}
	}
	visible := func(level, code string) bool {
		return f.Visible == nil || f.Visible(level, code)
	}
	if len(f.AreaCode) > 0 {
		for _, code := range f.AreaCode {
			for _, lvl := range levels(f.AreaLevel) {
				r, ok := ix.areas[AreaKey{lvl, code}]
				if ok && visible(lvl, code) {
					match(r[0], r[1])
				}
			}
		}
		return ctx.Err()
	}
	for i := ix.lo; i < ix.hi; {
		c := &s.cells[i]
		r := ix.areas[AreaKey{c.AreaLevel, c.AreaCode}]
		if (len(f.AreaLevel) == 0 || slices.Contains(f.AreaLevel, c.AreaLevel)) && visible(c.AreaLevel, c.AreaCode) {
			match(r[0], r[1])
		}
		i = r[1]
	}
	return ctx.Err()
}

var allLevels = []string{snapshot.LevelNation, snapshot.LevelMunicipality, snapshot.LevelOrganiser, snapshot.LevelSchoolUnit}

func levels(filter []string) []string {
	if len(filter) == 0 {
		return allLevels
	}
	return filter
}

// validate checks every filter value against what the statistic has.
func (s *Snapshot) validate(ix *statIndex, f Filter) error {
	for _, l := range f.AreaLevel {
		if !slices.Contains(allLevels, l) {
			return fmt.Errorf("unknown area_level %q: %w", l, ErrInvalid)
		}
	}
	for _, code := range f.AreaCode {
		found := false
		for _, lvl := range levels(f.AreaLevel) {
			if _, ok := s.areaIdx[AreaKey{lvl, code}]; ok && (f.Visible == nil || f.Visible(lvl, code)) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("unknown area %q: %w", code, ErrNotFound)
		}
	}
	for _, g := range f.GradeLevel {
		if g == "" {
			continue
		}
		if _, err := strconv.Atoi(g); err != nil {
			return fmt.Errorf("grade_level %q is not a number: %w", g, ErrInvalid)
		}
	}
	checks := []struct {
		dim  string
		vals []string
	}{
		{"period", f.Period}, {"grade_level", f.GradeLevel}, {"subject", f.Subject},
		{"gender", f.Gender}, {"category", f.Category}, {"measure", f.Measure},
	}
	for _, c := range checks {
		known := ix.values[c.dim]
		for _, v := range c.vals {
			if _, ok := slices.BinarySearch(known, v); !ok {
				if v == "" {
					return fmt.Errorf("statistic %s has no %s total (all): %w", f.Statistic, c.dim, ErrInvalid)
				}
				return fmt.Errorf("statistic %s has no %s %q: %w", f.Statistic, c.dim, v, ErrInvalid)
			}
		}
	}
	return nil
}

// matches reports whether c matches the filter's dimensions other than area.
func (f *Filter) matches(c *snapshot.Cell) bool {
	if len(f.Period) > 0 && !slices.Contains(f.Period, c.Period) {
		return false
	}
	if len(f.Measure) > 0 && !slices.Contains(f.Measure, c.Measure) {
		return false
	}
	if len(f.GradeLevel) > 0 {
		g := ""
		if c.GradeLevel != nil {
			g = strconv.Itoa(*c.GradeLevel)
		}
		if !slices.Contains(f.GradeLevel, g) {
			return false
		}
	}
	if len(f.Subject) > 0 && !slices.Contains(f.Subject, deref(c.Subject)) {
		return false
	}
	if len(f.Gender) > 0 && !slices.Contains(f.Gender, deref(c.Gender)) {
		return false
	}
	if len(f.Category) > 0 && !slices.Contains(f.Category, deref(c.Category)) {
		return false
	}
	return true
}
