package pages

import (
	"sort"
	"strconv"
	"strings"

	"github.com/skolstat/skolstat/dashboards/charts"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// compare builds the side-by-side view of one statistic over the school units of an area: a
// bar per unit with the gender split at the latest period, a sortable table with quartile
// colouring, and the trend of every unit.
func (b *builder) compare(v view, parent snapshot.Area, units []snapshot.Area) ([]Section, error) {
	title := b.t(v.key)
	s := Section{ID: "jamfor-" + strings.TrimPrefix(v.key, "v."), Title: title + " – " + b.areaName(parent)}
	if b.absent(v, &s) {
		return []Section{s}, nil
	}
	all := append([]snapshot.Area{parent}, units...)
	codes := make([]string, len(all))
	for i, a := range all {
		codes[i] = a.Code
	}
	f := store.Filter{
		Statistic:  v.stat,
		AreaLevel:  []string{parent.Level, snapshot.LevelSchoolUnit},
		AreaCode:   codes,
		GradeLevel: b.sel.expand(v.grades),
		Subject:    b.sel.expand(v.subjects),
		Gender:     []string{"", "F", "M"},
		Category:   dedup([]string{v.category, ""}),
		Measure:    []string{v.measure, "n", "count"},
	}
	set, err := b.query(f, all)
	if err != nil {
		return nil, err
	}
	ps := set.periods(v.measure, v.kinds)
	if len(ps) == 0 || len(units) == 0 {
		s.Empty = true
		return []Section{s}, nil
	}
	gr, sub := grade(set.cells[0].GradeLevel), str(set.cells[0].Subject)
	idx := set.index()
	last := ps[len(ps)-1]
	s.Period = last
	s.Band = b.band(idx, cellKey{last, parent.Level, parent.Code, gr, sub, "", v.category, v.measure}, v.users)
	key := func(p string, a snapshot.Area, gender string) cellKey {
		return cellKey{p, a.Level, a.Code, gr, sub, gender, v.category, v.measure}
	}

	// Quartiles of the units' shown totals at the latest period.
	var vals []float64
	for _, u := range units {
		if c, ok := idx[key(last, u, "")]; ok && c.Status == snapshot.StatusShown && c.Value != nil {
			vals = append(vals, *c.Value)
		}
	}
	sort.Float64s(vals)
	quartile := func(x float64) int {
		if len(vals) < 4 {
			return 0
		}
		q := 1
		for _, cut := range []float64{quantile(vals, 0.25), quantile(vals, 0.5), quantile(vals, 0.75)} {
			if x > cut {
				q++
			}
		}
		return q
	}

	s.Table = Table{Caption: s.Title + ", " + last, Corner: b.t("school-unit"), Sortable: true}
	s.Table.Columns = []Column{{b.t("total") + " " + last}, {b.t("girls") + " " + last}, {b.t("boys") + " " + last}}
	for i := len(ps) - 2; i >= 0; i-- {
		s.Table.Columns = append(s.Table.Columns, Column{b.t("total") + " " + ps[i]})
	}
	s.Table.Columns = append(s.Table.Columns, Column{b.t("quartile")})
	names := make([]string, len(units))
	bar := charts.Spec{Kind: charts.KindBar, Title: s.Title, YName: b.yName(v), Percent: v.measure == "share", HiddenName: b.t("hidden-name")}
	bar.Series = []charts.Series{{Name: b.t("total")}, {Name: b.t("girls")}, {Name: b.t("boys")}}
	line := charts.Spec{Kind: charts.KindLine, Title: title + " – " + b.areaName(parent), YName: b.yName(v),
		Percent: v.measure == "share", HiddenName: b.t("hidden-name")}
	addRow := func(a snapshot.Area, class string, q bool) {
		row := Row{Label: b.areaName(a), Class: class}
		var tot snapshot.Cell
		for _, g := range []string{"", "F", "M"} {
			c, ok := idx[key(last, a, g)]
			if g == "" {
				tot = c
			}
			row.Cells = append(row.Cells, b.fig(c, ok))
		}
		for i := len(ps) - 2; i >= 0; i-- {
			c, ok := idx[key(ps[i], a, "")]
			row.Cells = append(row.Cells, b.fig(c, ok))
		}
		qf := Fig{Display: "–"}
		if q && tot.Status == snapshot.StatusShown && tot.Value != nil {
			if n := quartile(*tot.Value); n > 0 {
				qf = Fig{Display: strconv.Itoa(n), Sort: strconv.Itoa(n)}
				row.Cells[0].Class += " q" + strconv.Itoa(n)
			}
		}
		row.Cells = append(row.Cells, qf)
		s.Table.Rows = append(s.Table.Rows, row)
	}
	for i, u := range units {
		names[i] = b.areaName(u)
		addRow(u, "", true)
		for gi, g := range []string{"", "F", "M"} {
			c, ok := idx[key(last, u, g)]
			bar.Series[gi].Points = append(bar.Series[gi].Points, b.point(c, ok))
		}
	}
	addRow(parent, "reference", false)
	bar.Categories = names
	if err := b.chart(&s, bar); err != nil {
		return nil, err
	}
	out := []Section{s}
	if len(ps) > 1 {
		tr := Section{ID: s.ID + "-trend", Title: line.Title + " – " + b.periodText(ps), Period: b.periodText(ps), Band: s.Band}
		tr.Table = Table{Caption: tr.Title, Corner: b.t("period"), Sortable: false}
		b.grid(&tr.Table, &line, ps, names, func(pi, ui int) (snapshot.Cell, bool) {
			c, ok := idx[key(ps[pi], units[ui], "")]
			return c, ok
		})
		if err := b.chart(&tr, line); err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, nil
}

// quantile is the linear-interpolation quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}
