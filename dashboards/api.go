package dashboards

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/download"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/etl/snapshot"
)

//go:embed openapi.json
var openapiJSON []byte

func (s *Server) loadOpenAPI() error {
	var v map[string]any
	if err := json.Unmarshal(openapiJSON, &v); err != nil {
		return fmt.Errorf("parse embedded openapi.json: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("parse embedded openapi.json: %w", err)
	}
	s.openapi = b
	return nil
}

// registerAPI adds the JSON API and downloads.
func (s *Server) registerAPI(r gin.IRouter) {
	r.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", s.openapi) })
	r.GET("/snapshot", s.apiSnapshot)
	r.GET("/statistics", s.apiStatistics)
	r.GET("/areas", s.apiAreas)
	r.GET("/statistics/:id/cells", s.apiCells(""))
	r.GET("/statistics/:id/cells.csv", s.apiCells(download.FormatCSV))
	r.GET("/statistics/:id/cells.xlsx", s.apiCells(download.FormatXLSX))
}

// request is what every API handler needs: the principal, the snapshot and the visibility.
type request struct {
	p    auth.Principal
	snap *store.Snapshot
	vis  auth.Visibility
}

// begin checks sign-in and the snapshot, and the query parameters against allowed.
func (s *Server) begin(c *gin.Context, allowed ...string) (request, url.Values, bool) {
	p, ok := auth.FromContext(c)
	if !ok {
		c.Error(fmt.Errorf("sign-in required: send a bearer token: %w", auth.ErrUnauthenticated))
		return request{}, nil, false
	}
	q, err := parseQuery(c.Request.URL.RawQuery, allowed)
	if err != nil {
		c.Error(err)
		return request{}, nil, false
	}
	snap, err := s.store.Current()
	if err != nil {
		c.Error(err)
		return request{}, nil, false
	}
	return request{p: p, snap: snap, vis: s.visibility(p, snap)}, q, true
}

// parseQuery parses a query string strictly: every parameter known, none repeated, values
// valid UTF-8 without control characters.
func parseQuery(raw string, allowed []string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("malformed query string: %w", ErrBadRequest)
	}
	for k, v := range q {
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			return nil, fmt.Errorf("unknown query parameter %q: %w", truncate(k), ErrBadRequest)
		}
		if len(v) > 1 {
			return nil, fmt.Errorf("query parameter %q is repeated (use a comma-separated list): %w", k, ErrBadRequest)
		}
		if !utf8.ValidString(v[0]) || strings.ContainsFunc(v[0], func(r rune) bool { return r < 0x20 || r == 0x7f }) || len(v[0]) > 512 {
			return nil, fmt.Errorf("malformed value of query parameter %q: %w", k, ErrBadRequest)
		}
	}
	return q, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// visibility resolves what p may see in snap, cached per principal and snapshot.
func (s *Server) visibility(p auth.Principal, snap *store.Snapshot) auth.Visibility {
	return s.visCache.get(p, snap)
}

func (s *Server) apiSnapshot(c *gin.Context) {
	r, _, ok := s.begin(c)
	if !ok {
		return
	}
	m := r.snap.Meta()
	out := gin.H{
		"run_id":       m.RunID,
		"extracted_at": m.ExtractedAt.UTC().Format(time.RFC3339),
		"published_at": m.PublishedAt.UTC().Format(time.RFC3339),
		"source":       m.Source,
		"policy":       json.RawMessage(policyJSON(m.Policy)),
		"cells":        r.snap.NumCells(),
	}
	if s.cfg.LastRun != nil {
		if run, found := s.cfg.LastRun(); found {
			out["last_run"] = run
		}
	}
	c.JSON(http.StatusOK, out)
}

func policyJSON(p string) []byte {
	if json.Valid([]byte(p)) && strings.TrimSpace(p) != "" {
		return []byte(p)
	}
	b, _ := json.Marshal(p)
	return b
}

// statisticJSON is one catalogue entry of the API.
type statisticJSON struct {
	ID            string   `json:"id"`
	NameSV        string   `json:"name_sv"`
	NameEN        string   `json:"name_en"`
	DescriptionSV string   `json:"description_sv"`
	DescriptionEN string   `json:"description_en"`
	Unit          string   `json:"unit"`
	Measures      []string `json:"measures"`
	Dimensions    []string `json:"dimensions"`
	Population    string   `json:"population"`
	Periods       []string `json:"periods"`
}

func (s *Server) apiStatistics(c *gin.Context) {
	r, _, ok := s.begin(c)
	if !ok {
		return
	}
	out := []statisticJSON{}
	for _, st := range r.snap.Statistics() {
		if !r.vis.CanSeeStatistic(st.ID) {
			continue
		}
		out = append(out, statisticJSON{st.ID, st.NameSV, st.NameEN, st.DescriptionSV, st.DescriptionEN,
			st.Unit, nonNil(st.Measures), nonNil(st.Dimensions), st.Population, nonNil(r.snap.Values(st.ID, "period"))})
	}
	c.JSON(http.StatusOK, gin.H{"statistics": out})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// areaJSON is one area of the API.
type areaJSON struct {
	Level            string `json:"area_level"`
	Code             string `json:"area_code"`
	Name             string `json:"name"`
	OrganiserID      string `json:"organiser_id,omitempty"`
	MunicipalityCode string `json:"municipality_code,omitempty"`
}

func (s *Server) apiAreas(c *gin.Context) {
	r, q, ok := s.begin(c, "area_level")
	if !ok {
		return
	}
	levels := splitValues(q.Get("area_level"))
	for _, l := range levels {
		switch l {
		case snapshot.LevelNation, snapshot.LevelMunicipality, snapshot.LevelOrganiser, snapshot.LevelSchoolUnit:
		default:
			c.Error(fmt.Errorf("unknown area_level %q: %w", truncate(l), ErrBadRequest))
			return
		}
	}
	out := []areaJSON{}
	for _, a := range r.snap.Areas() {
		if !r.vis.CanSee(a) || (len(levels) > 0 && !contains(levels, a.Level)) {
			continue
		}
		out = append(out, areaJSON{a.Level, a.Code, a.Name, a.OrganiserID, a.MunicipalityCode})
	}
	c.JSON(http.StatusOK, gin.H{"areas": out})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// splitValues splits a comma-separated parameter; "all" and an empty value stand for null.
func splitValues(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "all" {
			p = ""
		}
		parts[i] = p
	}
	return parts
}

var cellParams = []string{"period", "area_level", "area_code", "grade_level", "subject", "gender", "category", "measure", "format"}

// apiCells serves the cells of a statistic in scope as JSON, CSV or XLSX.
func (s *Server) apiCells(format string) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, q, ok := s.begin(c, cellParams...)
		if !ok {
			return
		}
		f := format
		if v := q.Get("format"); v != "" {
			if f != "" && v != f {
				c.Error(fmt.Errorf("format %q contradicts the path: %w", truncate(v), ErrBadRequest))
				return
			}
			f = v
		}
		switch f {
		case "", "json", download.FormatCSV, download.FormatXLSX:
		default:
			c.Error(fmt.Errorf("unknown format %q (want json, csv or xlsx): %w", truncate(f), ErrBadRequest))
			return
		}
		id := c.Param("id")
		asJSON := f == "" || f == "json"
		var key string
		if asJSON {
			key = cellsKey(r.p, id, c.Request.URL.RawQuery)
			if a := s.cellsCache.get(r.snap, key); a != nil {
				accesslog.Note(c, a.filters, a.returned, a.hidden)
				writeJSONCells(c, a.body)
				return
			}
		}
		filter := store.Filter{Statistic: id, Visible: r.vis.CanSeeArea}
		filters := map[string][]string{"statistic": {id}}
		dims := []struct {
			name string
			dst  *[]string
		}{
			{"period", &filter.Period}, {"area_level", &filter.AreaLevel}, {"area_code", &filter.AreaCode},
			{"grade_level", &filter.GradeLevel}, {"subject", &filter.Subject}, {"gender", &filter.Gender},
			{"category", &filter.Category}, {"measure", &filter.Measure},
		}
		for _, d := range dims {
			if v, ok := q[d.name]; ok {
				*d.dst = splitValues(v[0])
				if len(*d.dst) == 0 {
					*d.dst = []string{""}
				}
				filters[d.name] = *d.dst
			}
		}
		if !r.vis.CanSeeStatistic(id) {
			accesslog.Note(c, filters, 0, 0)
			c.Error(fmt.Errorf("unknown statistic %q: %w", truncate(id), store.ErrNotFound))
			return
		}
		cells, err := r.snap.Cells(c.Request.Context(), filter)
		if err != nil {
			accesslog.Note(c, filters, 0, 0)
			c.Error(err)
			return
		}
		hidden := 0
		for i := range cells {
			if cells[i].Status != snapshot.StatusShown {
				hidden++
			}
		}
		accesslog.Note(c, filters, len(cells), hidden)
		if asJSON {
			body := appendCellsJSON(make([]byte, 0, 256+len(cells)*160), r.snap, id, cells)
			s.cellsCache.put(r.snap, key, &cellsAnswer{body: body, filters: filters, returned: len(cells), hidden: hidden})
			writeJSONCells(c, body)
			return
		}
		s.writeDownload(c, f, r.snap, id, cells)
	}
}

// writeJSONCells answers with the JSON of a cells query.
func writeJSONCells(c *gin.Context, body []byte) {
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// writeDownload answers with the cells as a CSV or XLSX download.
func (s *Server) writeDownload(c *gin.Context, format string, snap *store.Snapshot, id string, cells []snapshot.Cell) {
	c.Header("Cache-Control", "private, no-store")
	name := fmt.Sprintf("skolstat-%s-%s", id, snap.Meta().RunID)
	var buf bytes.Buffer
	write := download.WriteCSV
	if format == download.FormatXLSX {
		write = download.WriteXLSX
	}
	if err := write(&buf, cells); err != nil {
		c.Error(err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, safeFileName(name), format))
	c.Data(http.StatusOK, download.ContentType(format), buf.Bytes())
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}
