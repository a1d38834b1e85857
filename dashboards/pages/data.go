package pages

import (
	"context"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// Data is what the pages read of the current published snapshot. The server's store satisfies
// it; tests use a real snapshot file.
type Data interface {
	// Meta describes the current snapshot (when its data were extracted).
	Meta() snapshot.Meta
	// Areas lists every area of the snapshot.
	Areas() []snapshot.Area
	// Subjects names the subject codes.
	Subjects() []snapshot.Subject
	// Values lists the distinct values ("" = null) of a dimension of a statistic, sorted.
	Values(statistic, dim string) []string
	// Cells returns the published cells that match f.
	Cells(ctx context.Context, f store.Filter) ([]snapshot.Cell, error)
}

// periodKind orders the kinds of period of the published format.
type periodKind int

const (
	kindOther periodKind = iota
	kindSchoolYear
	kindTerm
	kindMonth
	kindWeek
)

var (
	reSchoolYear = regexp.MustCompile(`^\d{4}/\d{2}$`)
	reTerm       = regexp.MustCompile(`^(HT|VT)\d{4}$`)
	reMonth      = regexp.MustCompile(`^\d{4}-\d{2}$`)
	reWeek       = regexp.MustCompile(`^\d{4}-W\d{2}$`)
)

func kindOf(period string) periodKind {
	switch {
	case reSchoolYear.MatchString(period):
		return kindSchoolYear
	case reTerm.MatchString(period):
		return kindTerm
	case reMonth.MatchString(period):
		return kindMonth
	case reWeek.MatchString(period):
		return kindWeek
	}
	return kindOther
}

// periodOrder is a sort key that puts periods in time order: a term by its year and half.
func periodOrder(p string) string {
	if reTerm.MatchString(p) {
		half := "2"
		if strings.HasPrefix(p, "VT") {
			half = "1"
		}
		return p[2:] + half
	}
	return p
}

func sortPeriods(ps []string) {
	sort.Slice(ps, func(i, j int) bool { return periodOrder(ps[i]) < periodOrder(ps[j]) })
}

// str returns the string a nullable dimension holds, "" for null ("all").
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func grade(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// cellSet indexes fetched cells by their dimensions.
type cellSet struct {
	cells []snapshot.Cell
}

type cellKey struct {
	period, level, code, grade, subject, gender, category, measure string
}

func keyOf(c snapshot.Cell) cellKey {
	return cellKey{c.Period, c.AreaLevel, c.AreaCode, grade(c.GradeLevel), str(c.Subject), str(c.Gender), str(c.Category), c.Measure}
}

func (s cellSet) index() map[cellKey]snapshot.Cell {
	m := make(map[cellKey]snapshot.Cell, len(s.cells))
	for _, c := range s.cells {
		m[keyOf(c)] = c
	}
	return m
}

// first returns the first value of prefs that some cell has in the dimension get, or false.
func (s cellSet) first(prefs []string, get func(snapshot.Cell) string) (string, bool) {
	have := map[string]bool{}
	for _, c := range s.cells {
		have[get(c)] = true
	}
	for _, p := range prefs {
		if have[p] {
			return p, true
		}
	}
	return "", false
}

// periods returns the sorted periods of the first kind in kinds that the cells of measure have.
func (s cellSet) periods(measure string, kinds []periodKind) []string {
	for _, k := range kinds {
		seen := map[string]bool{}
		var out []string
		for _, c := range s.cells {
			if c.Measure == measure && kindOf(c.Period) == k && !seen[c.Period] {
				seen[c.Period] = true
				out = append(out, c.Period)
			}
		}
		if len(out) > 0 {
			sortPeriods(out)
			return out
		}
	}
	return nil
}

// categories returns the categories (non-null) the cells of measure have, in order of the
// wanted list first, then the rest sorted.
func (s cellSet) categories(measure string, wanted []string) []string {
	have := map[string]bool{}
	for _, c := range s.cells {
		if c.Measure == measure && c.Category != nil {
			have[*c.Category] = true
		}
	}
	var out []string
	for _, w := range wanted {
		if have[w] {
			out = append(out, w)
			delete(have, w)
		}
	}
	var rest []string
	for c := range have {
		rest = append(rest, c)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// counts returns how many cells were returned and how many of them are hidden (not shown).
func counts(cells []snapshot.Cell) (returned, hidden int) {
	for _, c := range cells {
		if c.Status != snapshot.StatusShown {
			hidden++
		}
	}
	return len(cells), hidden
}

// restrict keeps the values of want (in order) that statistic stat has in dimension dim; the
// store rejects a filter naming a value the statistic does not have.
func restrict(d Data, stat, dim string, want []string) []string {
	have := map[string]bool{}
	for _, v := range d.Values(stat, dim) {
		have[v] = true
	}
	var out []string
	for _, w := range want {
		if have[w] {
			out = append(out, w)
		}
	}
	return out
}

// restrictFilter narrows every dimension list of f to the values its statistic has; ok is false
// when some restricted dimension is left with none (no cell can match).
func restrictFilter(d Data, f *store.Filter) bool {
	for _, dim := range []struct {
		name string
		vals *[]string
	}{{"grade_level", &f.GradeLevel}, {"subject", &f.Subject}, {"gender", &f.Gender},
		{"category", &f.Category}, {"measure", &f.Measure}, {"period", &f.Period}} {
		if *dim.vals == nil {
			continue
		}
		*dim.vals = restrict(d, f.Statistic, dim.name, *dim.vals)
		if len(*dim.vals) == 0 {
			return false
		}
	}
	return true
}
