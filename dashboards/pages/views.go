package pages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/skolstat/skolstat/dashboards/charts"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// view is one statistic as the pages show it: which cells, and how to draw them.
type view struct {
	key      string // i18n key of the title, also the section's anchor
	stat     string
	measure  string
	grades   []string // grade levels in order of preference; "" = all
	subjects []string // subjects in order of preference; "$subject" = the one chosen
	category string   // the category of a trend ("" = the total)
	cats     []string // a distribution's categories, in order; nil = a trend
	kinds    []periodKind
	users    bool // the group is users, not pupils
}

var (
	yearly  = []periodKind{kindSchoolYear, kindTerm}
	monthly = []periodKind{kindMonth, kindTerm, kindSchoolYear}
	weekly  = []periodKind{kindWeek, kindMonth, kindTerm, kindSchoolYear}
	grades  = []string{"A", "B", "C", "D", "E", "F", "-"}
)

// The views of "Min skola" and "Granskning", in page order.
var (
	vGrades  = view{key: "v.grades", stat: "grade_distribution", measure: "share", grades: []string{"$grade", "9", ""}, subjects: []string{"$subject"}, cats: grades, kinds: []periodKind{kindTerm, kindSchoolYear}}
	vPassed6 = view{key: "v.passed6", stat: "passed_all_subjects", measure: "share", grades: []string{"6"}, subjects: []string{""}, category: "passed", kinds: yearly}
	vPassed9 = view{key: "v.passed9", stat: "passed_all_subjects", measure: "share", grades: []string{"9"}, subjects: []string{""}, category: "passed", kinds: yearly}
	vMerit   = view{key: "v.merit", stat: "merit_value", measure: "mean", grades: []string{"9", ""}, subjects: []string{""}, kinds: yearly}
	// Eligibility for upper secondary school: one trend per kind the statistic publishes (its
	// categories overlap, so each is its own share of the same pupils).
	vEligibility = []view{eligibilityView("vocational", "vocational"), eligibilityView("economics", "preparatory_economics"),
		eligibilityView("arts", "preparatory_arts"), eligibilityView("science", "preparatory_science")}
	vTests       = view{key: "v.tests", stat: "test_vs_grade", measure: "share", grades: []string{"$grade", "9", "6", ""}, subjects: []string{"$subject", ""}, cats: []string{"lower", "equal", "higher"}, kinds: yearly}
	vAbsence     = view{key: "v.absence", stat: "absence", measure: "share", grades: []string{"", "$grade"}, subjects: []string{""}, kinds: monthly}
	vHighAbsence = view{key: "v.highabsence", stat: "high_absence", measure: "share", grades: []string{"", "$grade"}, subjects: []string{""}, category: "high", kinds: yearly}
	vNotReached  = view{key: "v.notreached", stat: "assessment_not_reached", measure: "share", grades: []string{"", "$grade"}, subjects: []string{"", "$subject"}, category: "not_reached", kinds: yearly}
	vActive      = view{key: "v.active", stat: "active_users", measure: "count", grades: []string{""}, subjects: []string{""}, cats: []string{}, kinds: weekly, users: true}
	vFeatures    = view{key: "v.features", stat: "feature_use", measure: "count", grades: []string{""}, subjects: []string{""}, cats: []string{}, kinds: weekly, users: true}

	schoolViews = concat([]view{vGrades, vPassed6, vPassed9, vMerit}, vEligibility, []view{vTests, vAbsence, vHighAbsence, vNotReached})
	// compareViews can be compared across school units (a trend of one figure).
	compareViews = concat([]view{vPassed9, vPassed6, vMerit}, vEligibility, []view{vAbsence, vHighAbsence, vNotReached})
)

// eligibilityView is the year-9 trend of one kind of eligibility; its key is
// "v.eligibility-" + name.
func eligibilityView(name, category string) view {
	return view{key: "v.eligibility-" + name, stat: "eligibility", measure: "share", grades: []string{"9", ""},
		subjects: []string{""}, category: category, kinds: yearly}
}

// concat joins lists of views.
func concat(parts ...[]view) []view {
	var out []view
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Section is one chart with its table, as a template shows it.
type Section struct {
	ID          string
	Title       string
	Period      string
	Band        string
	ChartID     string
	ChartKind   string
	Option      json.RawMessage
	Alt         string
	Table       Table
	Empty       bool
	SubSections []Section
	// Notice, when set, says why the section has no figures: its statistic is not in the
	// snapshot (withheld from this run, or not built). It is shown in place of chart and table.
	Notice string
}

// Table is the accessible table beside a chart.
type Table struct {
	Caption  string
	Corner   string
	Columns  []Column
	Rows     []Row
	Sortable bool
}

// Column is a table column heading.
type Column struct{ Label string }

// Row is one table row: a heading cell and figures.
type Row struct {
	Label string
	Class string
	Cells []Fig
}

// Fig is one figure in a table: its display text, a numeric sort key, and for a hidden figure
// the explanation read out with it.
type Fig struct {
	Display string
	Sort    string
	Note    string
	Class   string
}

// selection is what the user chose on the page.
type selection struct {
	subject string
	grade   string
}

func (s selection) expand(prefs []string) []string {
	out := make([]string, 0, len(prefs))
	seen := map[string]bool{}
	for _, p := range prefs {
		switch p {
		case "$subject":
			p = s.subject
		case "$grade":
			p = s.grade
			if p == "" {
				continue
			}
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// builder builds sections for one request.
type builder struct {
	ctx      context.Context
	data     Data
	lang     Lang
	sel      selection
	seq      *int
	returned int
	hidden   int
	filters  []store.Filter
	visible  func(level, code string) bool
}

func (b *builder) t(key string) string { return T(b.lang, key) }

// absent reports whether the snapshot publishes no cell of v's statistic: the build withheld it
// from this run (its protection did not finish in time) or did not make it. It then marks s as
// empty with a notice that says so, shown in place of the chart and table.
func (b *builder) absent(v view, s *Section) bool {
	if len(b.data.Values(v.stat, "measure")) > 0 {
		return false
	}
	s.Empty = true
	s.Notice = absentNotice(b.lang, v.stat, b.t(v.key))
	return true
}

func (b *builder) fetch(v view, areas []snapshot.Area, measures []string) (cellSet, error) {
	codes := make([]string, 0, len(areas))
	levels := map[string]bool{}
	for _, a := range areas {
		codes = append(codes, a.Code)
		levels[a.Level] = true
	}
	lv := make([]string, 0, len(levels))
	for l := range levels {
		lv = append(lv, l)
	}
	sort.Strings(lv)
	f := store.Filter{
		Statistic:  v.stat,
		AreaLevel:  lv,
		AreaCode:   codes,
		GradeLevel: b.sel.expand(v.grades),
		Subject:    b.sel.expand(v.subjects),
		Gender:     []string{""},
		Measure:    measures,
	}
	if v.cats == nil {
		f.Category = dedup([]string{v.category, ""})
	}
	return b.query(f, areas)
}

// query returns the cells of f in areas, of the most preferred grade level and subject (in the
// order of f.GradeLevel and f.Subject) that have cells, and counts them for the access log.
func (b *builder) query(f store.Filter, areas []snapshot.Area) (cellSet, error) {
	want := make(map[[2]string]bool, len(areas))
	for _, a := range areas {
		want[[2]string{a.Level, a.Code}] = true
	}
	f.Visible = b.visible
	if !restrictFilter(b.data, &f) {
		return cellSet{}, nil
	}
	cells, err := b.data.Cells(b.ctx, f)
	if err != nil {
		return cellSet{}, fmt.Errorf("cells of %s: %w", f.Statistic, err)
	}
	kept := cells[:0:0]
	for _, c := range cells {
		if want[[2]string{c.AreaLevel, c.AreaCode}] {
			kept = append(kept, c)
		}
	}
	b.filters = append(b.filters, f)
	r, h := counts(kept)
	b.returned += r
	b.hidden += h
	s := cellSet{cells: kept}
	g, _ := s.first(f.GradeLevel, func(c snapshot.Cell) string { return grade(c.GradeLevel) })
	sub, _ := s.first(f.Subject, func(c snapshot.Cell) string { return str(c.Subject) })
	var pick []snapshot.Cell
	for _, c := range kept {
		if grade(c.GradeLevel) == g && str(c.Subject) == sub {
			pick = append(pick, c)
		}
	}
	return cellSet{cells: pick}, nil
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (b *builder) nextID(prefix string) string {
	*b.seq++
	return fmt.Sprintf("%s-%d", prefix, *b.seq)
}

// fig turns a cell (or its absence) into a table figure, printed in the page's language.
func (b *builder) fig(c snapshot.Cell, ok bool) Fig {
	if !ok {
		return Fig{Display: "–", Note: b.t("no-data"), Class: "missing", Sort: ""}
	}
	f := Fig{Display: figureText(b.lang, c)}
	switch {
	case c.Status == snapshot.StatusShown && c.Value != nil:
		f.Sort = strconv.FormatFloat(*c.Value, 'g', -1, 64)
	case c.Status == snapshot.StatusMissing:
		// Nothing to report (an empty group): not a hidden figure.
		f.Class = "missing"
		f.Note = b.t("legend.missing")
	case c.Status == snapshot.StatusCoded:
		f.Class = "coded"
		if strings.HasPrefix(c.Display, "~") {
			f.Note = b.t("legend.near")
		} else {
			f.Note = b.t("legend.band")
		}
	default:
		f.Class = "hidden"
		f.Note = b.t("legend.hidden")
	}
	return f
}

// point turns a cell (or its absence) into a chart point; its display (a hidden figure's
// marker in the tooltip and mark, a coded figure's band) is in the page's language.
func (b *builder) point(c snapshot.Cell, ok bool) charts.Point {
	if !ok {
		return charts.Point{Display: "–", Missing: true}
	}
	if c.Status != snapshot.StatusShown {
		return charts.Point{Display: figureText(b.lang, c)}
	}
	return charts.Point{Value: c.Value, Display: figureText(b.lang, c)}
}

// band describes a group's size from its n cell, never the exact hidden n.
func (b *builder) band(idx map[cellKey]snapshot.Cell, k cellKey, users bool) string {
	unit := b.t("pupils")
	if users {
		unit = b.t("users")
	}
	k.category = ""
	k.measure = "n"
	c, ok := idx[k]
	if !ok {
		k.measure = "count"
		c, ok = idx[k]
	}
	if !ok {
		return ""
	}
	if c.Status != snapshot.StatusShown || c.Value == nil {
		return b.t("band.unknown")
	}
	switch n := *c.Value; {
	case n < 10:
		return b.t("band.lt10") + " " + unit
	case n < 20:
		return "10–19 " + unit
	case n < 50:
		return "20–49 " + unit
	default:
		return "50+ " + unit
	}
}

func (b *builder) periodText(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	if len(ps) == 1 {
		return ps[0]
	}
	return ps[0] + "–" + ps[len(ps)-1]
}

func (b *builder) alt(kind charts.Kind, title, period string, series []string) string {
	k := b.t("chart-alt-line")
	if kind == charts.KindBar {
		k = b.t("chart-alt-bar")
	}
	return fmt.Sprintf("%s: %s, %s. %s", k, title, period+" – "+strings.Join(series, ", "), b.t("chart-alt-same"))
}

// areaName is an area's name as a series label.
func (b *builder) areaName(a snapshot.Area) string {
	if a.Level == snapshot.LevelNation {
		return b.t("level.nation")
	}
	return a.Name
}

// catLabel translates a category such as "staff/mobile" or "vocational".
func (b *builder) catLabel(c string) string {
	parts := strings.FieldsFunc(c, func(r rune) bool { return r == '/' || r == ':' || r == '|' || r == ',' })
	for i, p := range parts {
		if t, ok := texts["cat."+p]; ok {
			if b.lang == English {
				parts[i] = t[1]
			} else {
				parts[i] = t[0]
			}
		}
	}
	if len(parts) == 0 {
		return c
	}
	return strings.Join(parts, " – ")
}

// catLabels translates categories.
func (b *builder) catLabels(cats []string) []string {
	out := make([]string, len(cats))
	for i, c := range cats {
		out[i] = b.catLabel(c)
	}
	return out
}

func (b *builder) yName(v view) string {
	return b.t("measure." + v.measure)
}

// grid fills a table and a chart spec from the same cells: one table column and chart series
// per column label, one table row and chart category per row label; at returns the cell of row
// ri and column ci.
func (b *builder) grid(t *Table, spec *charts.Spec, rows, cols []string, at func(ri, ci int) (snapshot.Cell, bool)) {
	spec.Categories = rows
	for _, l := range cols {
		t.Columns = append(t.Columns, Column{Label: l})
		spec.Series = append(spec.Series, charts.Series{Name: l})
	}
	for ri, l := range rows {
		row := Row{Label: l}
		for ci := range cols {
			c, ok := at(ri, ci)
			row.Cells = append(row.Cells, b.fig(c, ok))
			spec.Series[ci].Points = append(spec.Series[ci].Points, b.point(c, ok))
		}
		t.Rows = append(t.Rows, row)
	}
}

func (b *builder) chart(s *Section, spec charts.Spec) error {
	c, err := charts.Build(spec)
	if errors.Is(err, charts.ErrNoData) {
		s.Empty = true
		return nil
	}
	if err != nil {
		return err
	}
	s.ChartID = b.nextID("chart")
	s.ChartKind = string(c.Kind)
	s.Option = c.Option
	names := make([]string, len(spec.Series))
	for i, se := range spec.Series {
		names[i] = se.Name
	}
	s.Alt = b.alt(spec.Kind, spec.Title, s.Period, names)
	return nil
}

// trend builds a line over the periods with one series per area (the first is the focus).
func (b *builder) trend(v view, areas []snapshot.Area) (Section, error) {
	s := Section{ID: strings.TrimPrefix(v.key, "v."), Title: b.t(v.key)}
	if b.absent(v, &s) {
		return s, nil
	}
	set, err := b.fetch(v, areas, []string{v.measure, "n", "count"})
	if err != nil {
		return s, err
	}
	ps := set.periods(v.measure, v.kinds)
	if len(ps) == 0 || len(areas) == 0 {
		s.Empty = true
		return s, nil
	}
	idx := set.index()
	s.Period = b.periodText(ps)
	gr, sub := "", ""
	if len(set.cells) > 0 {
		gr, sub = grade(set.cells[0].GradeLevel), str(set.cells[0].Subject)
	}
	focus := areas[0]
	s.Band = b.band(idx, cellKey{ps[len(ps)-1], focus.Level, focus.Code, gr, sub, "", v.category, v.measure}, v.users)
	spec := charts.Spec{Kind: charts.KindLine, Title: s.Title, YName: b.yName(v), Percent: v.measure == "share",
		HiddenName: b.t("hidden-name")}
	s.Table = Table{Caption: s.Title + ", " + s.Period, Corner: b.t("period")}
	b.grid(&s.Table, &spec, ps, b.areaNames(areas), func(pi, ai int) (snapshot.Cell, bool) {
		a := areas[ai]
		c, ok := idx[cellKey{ps[pi], a.Level, a.Code, gr, sub, "", v.category, v.measure}]
		return c, ok
	})
	return s, b.chart(&s, spec)
}

// areaNames returns the areas' names as series labels.
func (b *builder) areaNames(areas []snapshot.Area) []string {
	names := make([]string, len(areas))
	for i, a := range areas {
		names[i] = b.areaName(a)
	}
	return names
}

// distribution builds bars of the categories at the latest period, one series per area, and a
// trend of the focus area's categories over the periods.
func (b *builder) distribution(v view, areas []snapshot.Area) (Section, error) {
	s := Section{ID: strings.TrimPrefix(v.key, "v."), Title: b.t(v.key)}
	if b.absent(v, &s) {
		return s, nil
	}
	set, err := b.fetch(v, areas, []string{v.measure, "n", "count"})
	if err != nil {
		return s, err
	}
	ps := set.periods(v.measure, v.kinds)
	cats := set.categories(v.measure, v.cats)
	if len(ps) == 0 || len(cats) == 0 || len(areas) == 0 {
		s.Empty = true
		return s, nil
	}
	if sub := str(set.cells[0].Subject); sub != "" {
		s.Title += ", " + b.subjectName(sub)
	}
	if g := grade(set.cells[0].GradeLevel); g != "" {
		s.Title += ", " + b.t("grade-level") + " " + g
	}
	idx := set.index()
	gr, sub := grade(set.cells[0].GradeLevel), str(set.cells[0].Subject)
	last := ps[len(ps)-1]
	focus := areas[0]
	s.Period = last
	s.Band = b.band(idx, cellKey{last, focus.Level, focus.Code, gr, sub, "", "", v.measure}, v.users)
	labels := b.catLabels(cats)
	spec := charts.Spec{Kind: charts.KindBar, Title: s.Title, YName: b.yName(v), Percent: v.measure == "share",
		HiddenName: b.t("hidden-name")}
	s.Table = Table{Caption: s.Title + ", " + last, Corner: b.t("statistic")}
	b.grid(&s.Table, &spec, labels, b.areaNames(areas), func(ci, ai int) (snapshot.Cell, bool) {
		a := areas[ai]
		c, ok := idx[cellKey{last, a.Level, a.Code, gr, sub, "", cats[ci], v.measure}]
		return c, ok
	})
	if err := b.chart(&s, spec); err != nil {
		return s, err
	}
	if len(ps) < 2 {
		return s, nil
	}
	// The trend of the focus area's categories.
	tr := Section{ID: s.ID + "-trend", Title: s.Title + " – " + b.areaName(focus), Period: b.periodText(ps), Band: s.Band}
	tspec := charts.Spec{Kind: charts.KindLine, Title: tr.Title, YName: b.yName(v), Percent: v.measure == "share",
		HiddenName: b.t("hidden-name")}
	tr.Table = Table{Caption: tr.Title + ", " + tr.Period, Corner: b.t("period")}
	b.grid(&tr.Table, &tspec, ps, labels, func(pi, ci int) (snapshot.Cell, bool) {
		c, ok := idx[cellKey{ps[pi], focus.Level, focus.Code, gr, sub, "", cats[ci], v.measure}]
		return c, ok
	})
	if err := b.chart(&tr, tspec); err != nil {
		return s, err
	}
	s.SubSections = []Section{tr}
	return s, nil
}

// usage builds the trend of a usage statistic for one area, one series per simple category
// (a role, a device, an event type) and the total; combined categories ("staff/mobile") are
// drawn as bars of the latest period.
func (b *builder) usage(v view, area snapshot.Area) (Section, error) {
	s := Section{ID: strings.TrimPrefix(v.key, "v."), Title: b.t(v.key) + " – " + b.areaName(area)}
	if b.absent(v, &s) {
		return s, nil
	}
	set, err := b.fetch(v, []snapshot.Area{area}, []string{v.measure})
	if err != nil {
		return s, err
	}
	ps := set.periods(v.measure, v.kinds)
	var simple, combos []string
	for _, c := range set.categories(v.measure, []string{"staff", "guardian", "pupil", "computer", "mobile", "tablet"}) {
		if strings.Contains(c, "/") {
			combos = append(combos, c)
		} else {
			simple = append(simple, c)
		}
	}
	withTotal := false
	for _, c := range set.cells {
		if c.Category == nil {
			withTotal = true
			break
		}
	}
	if len(ps) == 0 || len(set.cells) == 0 {
		s.Empty = true
		return s, nil
	}
	gr, sub := grade(set.cells[0].GradeLevel), str(set.cells[0].Subject)
	keys := simple
	if len(simple) == 0 {
		keys = combos
	}
	if withTotal {
		keys = append([]string{""}, keys...)
	}
	idx := set.index()
	s.Period = b.periodText(ps)
	spec := charts.Spec{Kind: charts.KindLine, Title: s.Title, YName: b.yName(v), HiddenName: b.t("hidden-name")}
	s.Table = Table{Caption: s.Title + ", " + s.Period, Corner: b.t("period")}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = b.t("total")
		if k != "" {
			names[i] = b.catLabel(k)
		}
	}
	b.grid(&s.Table, &spec, ps, names, func(pi, ki int) (snapshot.Cell, bool) {
		c, ok := idx[cellKey{ps[pi], area.Level, area.Code, gr, sub, "", keys[ki], v.measure}]
		return c, ok
	})
	if err := b.chart(&s, spec); err != nil {
		return s, err
	}
	if len(simple) == 0 || len(combos) == 0 {
		return s, nil
	}
	// Combined categories at the latest period: first part on the axis, second as series.
	last := ps[len(ps)-1]
	var firsts, seconds []string
	for _, c := range combos {
		a, z, _ := strings.Cut(c, "/")
		if !contains(firsts, a) {
			firsts = append(firsts, a)
		}
		if !contains(seconds, z) {
			seconds = append(seconds, z)
		}
	}
	bar := Section{ID: s.ID + "-split", Title: b.t(v.key) + " – " + b.areaName(area) + ", " + last, Period: last}
	bspec := charts.Spec{Kind: charts.KindBar, Title: bar.Title, YName: b.yName(v), HiddenName: b.t("hidden-name")}
	bar.Table = Table{Caption: bar.Title, Corner: ""}
	b.grid(&bar.Table, &bspec, b.catLabels(firsts), b.catLabels(seconds), func(fi, zi int) (snapshot.Cell, bool) {
		c, ok := idx[cellKey{last, area.Level, area.Code, gr, sub, "", firsts[fi] + "/" + seconds[zi], v.measure}]
		return c, ok
	})
	if err := b.chart(&bar, bspec); err != nil {
		return s, err
	}
	s.SubSections = []Section{bar}
	return s, nil
}

func (b *builder) subjectName(code string) string {
	for _, s := range b.data.Subjects() {
		if s.Code == code {
			if b.lang == English {
				return s.NameEN
			}
			return s.NameSV
		}
	}
	return code
}
