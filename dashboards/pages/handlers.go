package pages

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// request is one page request: who asks, what they may see, in which language.
type request struct {
	c    *gin.Context
	pr   auth.Principal
	data Data
	vis  auth.Visibility
	lang Lang
	page *pageData
	b    *builder
	seq  int
}

// start signs the request in, picks the snapshot and checks the role and the language; it
// builds only what every request shows (the layout), not the page's content.
func (p *Pages) start(c *gin.Context, path string, roles ...auth.Role) (*request, error) {
	pr, ok := auth.FromContext(c)
	if !ok {
		return nil, auth.ErrUnauthenticated
	}
	allowed := false
	for _, r := range roles {
		allowed = allowed || pr.Role == r
	}
	if !allowed {
		return nil, fmt.Errorf("%s for role %s: %w", path, pr.Role, auth.ErrForbidden)
	}
	data, err := p.cfg.Current()
	if err != nil {
		return nil, err
	}
	if len(c.Request.URL.Query()["lang"]) > 1 {
		return nil, fmt.Errorf("lang given more than once: %w", store.ErrInvalid)
	}
	lang := parseLang(c.Query("lang"))
	r := &request{c: c, pr: pr, data: data, lang: lang}
	meta := data.Meta()
	r.page = &pageData{Lang: lang, Path: path, SwitchURL: switchURL(c, lang), RunID: meta.RunID}
	if !meta.ExtractedAt.IsZero() {
		r.page.Extracted = meta.ExtractedAt.In(p.zone).Format("2006-01-02 15:04 MST")
	}
	r.page.Styles, r.page.Scripts = p.assetURLs()
	r.page.setUser(pr, c)
	return r, nil
}

// prepare resolves what the principal may see and readies the section builder; only a page
// whose content is not cached needs it.
func (r *request) prepare() {
	r.vis = auth.NewVisibility(r.pr, r.data.Areas())
	r.b = &builder{ctx: r.c.Request.Context(), data: r.data, lang: r.lang, seq: &r.seq, visible: r.vis.CanSeeArea}
}

// serve answers a page request: the page's content comes from the cache of the current
// snapshot or is built by build and rendered once, and every request is noted in the access
// log with what its page showed.
func (p *Pages) serve(c *gin.Context, path, file string, roles []auth.Role, build func(r *request) error) error {
	r, err := p.start(c, path, roles...)
	if err != nil {
		return err
	}
	run := r.page.RunID
	key := pageKey{path: c.Request.URL.Path, scope: scopeKey(r.pr), lang: r.lang, query: c.Request.URL.RawQuery}
	e, err := p.cache.do(c.Request.Context(), run, key, func() (*pageContent, error) { return p.build(r, file, build) })
	if err != nil {
		return err
	}
	p.note(c, e)
	if e.whole == nil || r.page.User == "" {
		page := *r.page
		page.Title, page.Body = e.title, e.body
		return p.render(c, file, &page)
	}
	buf := getBuf()
	defer putBuf(buf)
	buf.WriteString(e.whole[0])
	escapeText(buf, r.page.User)
	buf.WriteString(e.whole[1])
	escapeText(buf, r.page.CSRF)
	buf.WriteString(e.whole[2])
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// build builds a page's content for r and renders it: the content alone, and the whole
// page with markers where the user and the CSRF token go.
func (p *Pages) build(r *request, file string, build func(r *request) error) (*pageContent, error) {
	r.prepare()
	if err := build(r); err != nil {
		return nil, err
	}
	buf := getBuf()
	defer putBuf(buf)
	if err := p.tmpl[file].ExecuteTemplate(buf, "content", r.page); err != nil {
		return nil, fmt.Errorf("render %s: %w", file, err)
	}
	e := &pageContent{title: r.page.Title, body: template.HTML(buf.String()), filters: filterMap(r.b.filters),
		returned: r.b.returned, hidden: r.b.hidden}
	page := *r.page
	page.Body, page.User, page.CSRF = e.body, p.userMark, p.csrfMark
	buf.Reset()
	if err := p.tmpl[file].ExecuteTemplate(buf, "layout.html", &page); err != nil {
		return nil, fmt.Errorf("render %s: %w", file, err)
	}
	e.whole, _ = split(buf.String(), p.userMark, p.csrfMark)
	return e, nil
}

// one returns the single value of query parameter name, or an error if it is repeated.
func (r *request) one(name string) (string, error) {
	vs := r.c.Request.URL.Query()[name]
	if len(vs) > 1 {
		return "", fmt.Errorf("%s given more than once: %w", name, store.ErrInvalid)
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

// note records what the request's page showed in the access log.
func (p *Pages) note(c *gin.Context, e *pageContent) {
	note := p.cfg.Note
	if note == nil {
		note = accesslog.Note
	}
	note(c, e.noteFilters(), e.returned, e.hidden)
}

// filterMap merges the filters a page used into the access log's form.
func filterMap(fs []store.Filter) map[string][]string {
	m := map[string][]string{}
	add := func(k string, vs []string) {
		for _, v := range vs {
			found := false
			for _, x := range m[k] {
				found = found || x == v
			}
			if !found {
				m[k] = append(m[k], v)
			}
		}
	}
	for _, f := range fs {
		add("statistic", []string{f.Statistic})
		add("area_level", f.AreaLevel)
		add("area_code", f.AreaCode)
		add("grade_level", f.GradeLevel)
		add("subject", f.Subject)
		add("gender", f.Gender)
		add("category", f.Category)
		add("measure", f.Measure)
	}
	return m
}

// home sends a signed-in user to the page of their role.
func (p *Pages) home(c *gin.Context) error {
	pr, ok := auth.FromContext(c)
	if !ok {
		return auth.ErrUnauthenticated
	}
	target := map[auth.Role]string{
		auth.RolePrincipal:     PathSchool,
		auth.RoleOrganiser:     PathCompare,
		auth.RoleInspector:     PathReview,
		auth.RolePlatformStaff: PathUsage,
	}[pr.Role]
	if target == "" {
		return auth.ErrForbidden
	}
	c.Redirect(http.StatusSeeOther, withLang(target, parseLang(c.Query("lang"))))
	return nil
}

// parseArea reads "level:code"; an unknown or foreign area is ErrNotFound, the same answer.
func (r *request) parseArea(s string) (snapshot.Area, error) {
	level, code, ok := strings.Cut(s, ":")
	if !ok || level == "" || code == "" {
		return snapshot.Area{}, fmt.Errorf("area %q is not level:code: %w", s, store.ErrInvalid)
	}
	for _, a := range r.data.Areas() {
		if a.Level == level && a.Code == code && r.vis.CanSee(a) {
			return a, nil
		}
	}
	return snapshot.Area{}, fmt.Errorf("area %s: %w", s, store.ErrNotFound)
}

// area returns a visible area by level and code.
func (r *request) area(level, code string) (snapshot.Area, bool) {
	for _, a := range r.data.Areas() {
		if a.Level == level && a.Code == code && r.vis.CanSee(a) {
			return a, true
		}
	}
	return snapshot.Area{}, false
}

func areaParam(a snapshot.Area) string { return a.Level + ":" + a.Code }

// parents returns the visible aggregates an area is compared with: organiser, municipality,
// nation.
func (r *request) parents(a snapshot.Area) []snapshot.Area {
	var out []snapshot.Area
	find := func(level, code string) {
		if code == "" {
			return
		}
		for _, x := range r.data.Areas() {
			if x.Level == level && x.Code == code && r.vis.CanSee(x) {
				out = append(out, x)
				return
			}
		}
	}
	switch a.Level {
	case snapshot.LevelSchoolUnit:
		find(snapshot.LevelOrganiser, a.OrganiserID)
		find(snapshot.LevelMunicipality, a.MunicipalityCode)
	case snapshot.LevelOrganiser:
		find(snapshot.LevelMunicipality, a.MunicipalityCode)
	}
	if a.Level != snapshot.LevelNation {
		find(snapshot.LevelNation, snapshot.NationCode)
	}
	return out
}

// selection reads the subject and grade level choices and builds their form fields.
func (r *request) selection(action string, extra ...field) (*form, error) {
	subject, err := r.one("amne")
	if err != nil {
		return nil, err
	}
	grade, err := r.one("ak")
	if err != nil {
		return nil, err
	}
	// The choices come from the grade distribution, or when this run does not publish it from
	// the other statistics by subject, so the form still works without it.
	subjects := r.choices("subject", "grade_distribution", "test_vs_grade", "assessment_not_reached")
	if subject == "" {
		subject = "MA"
		if !contains(subjects, subject) && len(subjects) > 0 {
			subject = subjects[0]
			if subject == "" && len(subjects) > 1 {
				subject = subjects[1]
			}
		}
	} else if !contains(subjects, subject) {
		return nil, fmt.Errorf("unknown subject %q: %w", subject, store.ErrInvalid)
	}
	grades := r.choices("grade_level", "grade_distribution", "test_vs_grade")
	if grade != "" && !contains(grades, grade) {
		return nil, fmt.Errorf("unknown grade level %q: %w", grade, store.ErrInvalid)
	}
	r.b.sel = selection{subject: subject, grade: grade}
	f := &form{Action: action, Lang: r.lang, Fields: extra}
	sf := field{Name: "amne", Label: T(r.lang, "subject")}
	for _, s := range subjects {
		if s == "" {
			continue
		}
		sf.Options = append(sf.Options, option{Value: s, Label: r.b.subjectName(s) + " (" + s + ")", Selected: s == subject})
	}
	gf := field{Name: "ak", Label: T(r.lang, "grade-level"), Options: []option{{Value: "", Label: T(r.lang, "grade-default"), Selected: grade == ""}}}
	for _, g := range grades {
		if g != "" {
			gf.Options = append(gf.Options, option{Value: g, Label: g, Selected: g == grade})
		}
	}
	f.Fields = append(f.Fields, sf, gf)
	return f, nil
}

// choices returns the values of dimension dim of the first of stats that has one other than
// null ("all"); nil when none has.
func (r *request) choices(dim string, stats ...string) []string {
	for _, st := range stats {
		vs := r.data.Values(st, dim)
		for _, v := range vs {
			if v != "" {
				return vs
			}
		}
	}
	return nil
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// areaSections builds the views of one area compared with its aggregates.
func (r *request) areaSections(focus snapshot.Area) ([]Section, error) {
	areas := append([]snapshot.Area{focus}, r.parents(focus)...)
	var out []Section
	for _, v := range schoolViews {
		if !r.vis.CanSeeStatistic(v.stat) {
			continue
		}
		var s Section
		var err error
		if v.cats != nil {
			s, err = r.b.distribution(v, areas)
		} else {
			s, err = r.b.trend(v, areas)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if r.vis.CanSeeStatistic(vActive.stat) {
		// Platform use is published for the nation only; show the area's own when it has any.
		s, err := r.b.usage(vActive, focus)
		if err == nil && s.Empty && focus.Level != snapshot.LevelNation {
			if nation, ok := r.area(snapshot.LevelNation, snapshot.NationCode); ok {
				s, err = r.b.usage(vActive, nation)
			}
		}
		if err != nil {
			return nil, err
		}
		s.Title = T(r.lang, "anvandning") + ": " + s.Title
		out = append(out, s)
	}
	return out, nil
}

// school is "Min skola": one of the principal's school units beside its aggregates.
func (p *Pages) school(c *gin.Context) error {
	return p.serve(c, PathSchool, "school.html", []auth.Role{auth.RolePrincipal}, buildSchool)
}

// buildSchool builds the content of the page.
func buildSchool(r *request) error {
	var err error
	var units []snapshot.Area
	for _, a := range auth.VisibleAreas(r.vis, r.data.Areas()) {
		if a.Level == snapshot.LevelSchoolUnit {
			units = append(units, a)
		}
	}
	if len(units) == 0 {
		return fmt.Errorf("no school unit in scope: %w", auth.ErrForbidden)
	}
	code, err := r.one("enhet")
	if err != nil {
		return err
	}
	focus := units[0]
	if code != "" {
		if focus, err = r.parseArea(snapshot.LevelSchoolUnit + ":" + code); err != nil {
			return err
		}
	}
	uf := field{Name: "enhet", Label: T(r.lang, "school-unit")}
	for _, u := range units {
		uf.Options = append(uf.Options, option{Value: u.Code, Label: u.Name + " (" + u.Code + ")", Selected: u.Code == focus.Code})
	}
	var extra []field
	if len(units) > 1 {
		extra = append(extra, uf)
	}
	if r.page.Form, err = r.selection(PathSchool, extra...); err != nil {
		return err
	}
	if r.page.Sections, err = r.areaSections(focus); err != nil {
		return err
	}
	r.page.Title = T(r.lang, "min-skola") + ": " + focus.Name
	return nil
}

// review is "Granskning": any area in the reviewer's scope, the same views, and downloads.
func (p *Pages) review(c *gin.Context) error {
	return p.serve(c, PathReview, "review.html", []auth.Role{auth.RoleInspector}, buildReview)
}

// buildReview builds the content of the page.
func buildReview(r *request) error {
	var err error
	visible := auth.VisibleAreas(r.vis, r.data.Areas())
	if len(visible) == 0 {
		return fmt.Errorf("no area in scope: %w", auth.ErrForbidden)
	}
	sel, err := r.one("omrade")
	if err != nil {
		return err
	}
	focus := visible[0]
	for _, a := range visible {
		if a.Level == snapshot.LevelNation {
			focus = a
		}
	}
	if sel != "" {
		if focus, err = r.parseArea(sel); err != nil {
			return err
		}
	}
	af := field{Name: "omrade", Label: T(r.lang, "area")}
	sorted := append([]snapshot.Area(nil), visible...)
	order := map[string]int{snapshot.LevelNation: 0, snapshot.LevelMunicipality: 1, snapshot.LevelOrganiser: 2, snapshot.LevelSchoolUnit: 3}
	sort.SliceStable(sorted, func(i, j int) bool { return order[sorted[i].Level] < order[sorted[j].Level] })
	for _, a := range sorted {
		af.Options = append(af.Options, option{Value: areaParam(a), Label: r.b.areaName(a) + " (" + a.Code + ")",
			Group: T(r.lang, "level."+a.Level), Selected: a == focus})
	}
	if r.page.Form, err = r.selection(PathReview, af); err != nil {
		return err
	}
	if r.page.Sections, err = r.areaSections(focus); err != nil {
		return err
	}
	if focus.Level == snapshot.LevelOrganiser || focus.Level == snapshot.LevelMunicipality {
		r.page.Compare = &navItem{Label: T(r.lang, "jamfor") + ": " + focus.Name,
			URL: withLang(PathCompare+"?omrade="+url.QueryEscape(areaParam(focus)), r.lang)}
	}
	for _, v := range schoolViews {
		if !r.vis.CanSeeStatistic(v.stat) || r.data.Values(v.stat, "measure") == nil {
			continue
		}
		q := url.Values{"area_level": {focus.Level}, "area_code": {focus.Code}}.Encode()
		base := "/api/v1/statistics/" + url.PathEscape(v.stat) + "/cells"
		csv, xlsx := base+".csv?"+q, base+".xlsx?"+q
		dup := false
		for _, d := range r.page.Downloads {
			dup = dup || d.CSV == csv
		}
		if !dup {
			r.page.Downloads = append(r.page.Downloads, download{Label: r.statName(v.stat), CSV: csv, XLSX: xlsx})
		}
	}
	r.page.Title = T(r.lang, "granskning") + ": " + r.b.areaName(focus)
	return nil
}

// statName is a statistic's name from the catalogue, or its id.
func (r *request) statName(id string) string {
	type cat interface {
		Statistic(id string) (snapshot.Statistic, bool)
	}
	if cd, ok := r.data.(cat); ok {
		if s, ok := cd.Statistic(id); ok {
			if r.lang == English && s.NameEN != "" {
				return s.NameEN
			}
			if s.NameSV != "" {
				return s.NameSV
			}
		}
	}
	return id
}

// compare is "Jämför skolor": the school units of an organiser or municipality side by side.
func (p *Pages) compare(c *gin.Context) error {
	return p.serve(c, PathCompare, "compare.html", []auth.Role{auth.RoleOrganiser, auth.RoleInspector}, buildCompare)
}

// buildCompare builds the content of the page.
func buildCompare(r *request) error {
	var err error
	sel, err := r.one("omrade")
	if err != nil {
		return err
	}
	statKey, err := r.one("statistik")
	if err != nil {
		return err
	}
	var parents []snapshot.Area
	for _, a := range auth.VisibleAreas(r.vis, r.data.Areas()) {
		if a.Level == snapshot.LevelOrganiser || a.Level == snapshot.LevelMunicipality {
			parents = append(parents, a)
		}
	}
	if len(parents) == 0 {
		return fmt.Errorf("no organiser or municipality in scope: %w", auth.ErrForbidden)
	}
	parent := parents[0]
	for _, s := range r.pr.Scopes {
		for _, a := range parents {
			if a.Level == s.Level && a.Code == s.Code {
				parent = a
			}
		}
	}
	if sel != "" {
		if parent, err = r.parseArea(sel); err != nil {
			return err
		}
		if parent.Level != snapshot.LevelOrganiser && parent.Level != snapshot.LevelMunicipality {
			return fmt.Errorf("compare needs an organiser or municipality: %w", store.ErrInvalid)
		}
	}
	// By default the first statistic this run publishes (one may be withheld from it).
	v := compareViews[0]
	for i := len(compareViews) - 1; i >= 0; i-- {
		if len(r.data.Values(compareViews[i].stat, "measure")) > 0 {
			v = compareViews[i]
		}
	}
	if statKey != "" {
		found := false
		for _, cv := range compareViews {
			if strings.TrimPrefix(cv.key, "v.") == statKey {
				v, found = cv, true
			}
		}
		if !found {
			return fmt.Errorf("unknown statistic %q: %w", statKey, store.ErrInvalid)
		}
	}
	var units []snapshot.Area
	for _, a := range r.data.Areas() {
		if a.Level != snapshot.LevelSchoolUnit || !r.vis.CanSee(a) {
			continue
		}
		if (parent.Level == snapshot.LevelOrganiser && a.OrganiserID == parent.Code) ||
			(parent.Level == snapshot.LevelMunicipality && a.MunicipalityCode == parent.Code) {
			units = append(units, a)
		}
	}
	pf := field{Name: "omrade", Label: T(r.lang, "area")}
	for _, a := range parents {
		pf.Options = append(pf.Options, option{Value: areaParam(a), Label: a.Name + " (" + a.Code + ")",
			Group: T(r.lang, "level."+a.Level), Selected: a == parent})
	}
	sf := field{Name: "statistik", Label: T(r.lang, "statistic")}
	for _, cv := range compareViews {
		sf.Options = append(sf.Options, option{Value: strings.TrimPrefix(cv.key, "v."), Label: T(r.lang, cv.key), Selected: cv.key == v.key})
	}
	r.page.Form = &form{Action: PathCompare, Lang: r.lang, Fields: []field{pf, sf}}
	if r.vis.CanSeeStatistic(v.stat) {
		if r.page.Sections, err = r.b.compare(v, parent, units); err != nil {
			return err
		}
	}
	r.page.Quartiles = true
	r.page.Title = T(r.lang, "jamfor") + ": " + parent.Name
	return nil
}

// usage is the platform staff's page: active users and feature use in the nation.
func (p *Pages) usage(c *gin.Context) error {
	return p.serve(c, PathUsage, "usage.html", []auth.Role{auth.RolePlatformStaff, auth.RoleInspector}, buildUsage)
}

// buildUsage builds the content of the page.
func buildUsage(r *request) error {
	var err error
	nation, err := r.parseArea(snapshot.LevelNation + ":" + snapshot.NationCode)
	if err != nil {
		return err
	}
	for _, v := range []view{vActive, vFeatures} {
		if !r.vis.CanSeeStatistic(v.stat) {
			continue
		}
		s, err := r.b.usage(v, nation)
		if err != nil {
			return err
		}
		r.page.Sections = append(r.page.Sections, s)
	}
	r.page.Title = T(r.lang, "anvandning")
	return nil
}
