// Package pages renders the dashboards' server-side pages (Min skola, Jämför skolor, Granskning,
// platform use) with Gin and embedded templates, in Swedish by default and English on request.
package pages

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm on machines without a zoneinfo database

	"github.com/gin-gonic/gin"
	"github.com/skolstat/skolstat/dashboards/assets"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config is what the pages need from the server.
type Config struct {
	// Current returns the snapshot a request reads; it is called once per request.
	Current func() (Data, error)
	// Note records what a request showed in the access log; nil means accesslog.Note.
	Note func(c *gin.Context, filters map[string][]string, returned, hidden int)
	// Logger receives rendering errors; nil discards them.
	Logger *slog.Logger
}

// Validate reports a missing part of the configuration.
func (c Config) Validate() error {
	if c.Current == nil {
		return errors.New("pages: Current is required")
	}
	return nil
}

// FromStore adapts the server's store to Config.Current.
func FromStore(st *store.Store) func() (Data, error) {
	return func() (Data, error) {
		s, err := st.Current()
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// Pages renders the pages; it implements the server's Pages interface.
type Pages struct {
	cfg    Config
	assets *assets.Assets
	tmpl   map[string]*template.Template
	zone   *time.Location
	log    *slog.Logger
	// styles and scripts are the assets' URLs, fixed at start.
	styles, scripts []string
	cache           pageCache
	// userMark and csrfMark stand for the signed-in user and the CSRF token in a cached
	// page; random, so no content can hold them.
	userMark, csrfMark string
}

// pageFiles are the page templates, each executed inside layout.html.
var pageFiles = []string{"school.html", "compare.html", "review.html", "usage.html", "error.html"}

// New parses the templates and loads the assets once; a failure is a start-up error.
func New(cfg Config) (*Pages, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := assets.New()
	if err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return nil, fmt.Errorf("pages: load time zone: %w", err)
	}
	funcs := template.FuncMap{
		"sec": func(p *pageData, s Section) sectionData { return sectionData{P: p, S: s} },
		// data inserts a chart's option into its JSON data block as it is: it comes from
		// encoding/json, which escapes <, > and &, so it cannot close the block.
		"data": func(raw json.RawMessage) template.JS { return template.JS(raw) },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/section.html")
	if err != nil {
		return nil, fmt.Errorf("pages: parse templates: %w", err)
	}
	p := &Pages{cfg: cfg, assets: a, tmpl: map[string]*template.Template{}, zone: zone, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	for _, f := range pageFiles {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(templateFS, "templates/"+f)
		}
		if err != nil {
			return nil, fmt.Errorf("pages: parse %s: %w", f, err)
		}
		p.tmpl[f] = t
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("pages: markers: %w", err)
	}
	p.userMark = "user" + hex.EncodeToString(rnd[:8])
	p.csrfMark = "csrf" + hex.EncodeToString(rnd[8:])
	for _, s := range assets.Styles {
		p.styles = append(p.styles, p.assets.URL(s))
	}
	for _, s := range assets.Scripts {
		p.scripts = append(p.scripts, p.assets.URL(s))
	}
	return p, nil
}

// The page routes.
const (
	PathSchool  = "/min-skola"
	PathCompare = "/jamfor"
	PathReview  = "/granskning"
	PathUsage   = "/anvandning"
)

// Register adds the page and asset routes to r, which already authenticates, checks CSRF and
// maps errors put with c.Error.
func (p *Pages) Register(r gin.IRouter) {
	r.GET("/", p.handle(p.home))
	r.GET(PathSchool, p.handle(p.school))
	r.GET(PathCompare, p.handle(p.compare))
	r.GET(PathReview, p.handle(p.review))
	r.GET(PathUsage, p.handle(p.usage))
	// No icon: answer the browser's automatic request without a 404 in its console.
	r.GET("/favicon.ico", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Status(http.StatusNoContent)
	})
	serve := gin.WrapH(p.assets)
	r.GET(assets.Prefix+"*path", serve)
	r.HEAD(assets.Prefix+"*path", serve)
}

// handle runs a page handler and hands its error to the server's one error mapping.
func (p *Pages) handle(h func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			_ = c.Error(err)
			c.Abort()
		}
	}
}

// ErrorPage renders an error in the pages' layout; the message must be safe for a user to see.
func (p *Pages) ErrorPage(c *gin.Context, status int, message string) {
	lang := parseLang(c.Query("lang"))
	d := &pageData{Lang: lang, Title: T(lang, "site"), Message: message, Status: status}
	d.Styles, d.Scripts = p.assetURLs()
	if pr, ok := auth.FromContext(c); ok {
		d.setUser(pr, c)
	}
	buf := getBuf()
	defer putBuf(buf)
	if err := p.tmpl["error.html"].ExecuteTemplate(buf, "layout.html", d); err != nil {
		p.log.Error("render error page", "err", err)
		c.String(status, message)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// assetURLs returns the pages' style sheets and scripts; the slices are shared, read only.
func (p *Pages) assetURLs() (styles, scripts []string) {
	return p.styles, p.scripts
}

// render executes a page template into a pooled buffer and writes it only when it succeeded.
func (p *Pages) render(c *gin.Context, file string, d *pageData) error {
	buf := getBuf()
	defer putBuf(buf)
	if err := p.tmpl[file].ExecuteTemplate(buf, "layout.html", d); err != nil {
		return fmt.Errorf("render %s: %w", file, err)
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// navItem is a link of the main menu.
type navItem struct {
	Label   string
	URL     string
	Current bool
}

// pageData is what layout.html and the page templates show.
type pageData struct {
	Lang      Lang
	Title     string
	Path      string
	Nav       []navItem
	SwitchURL string
	User      string
	CSRF      string
	Styles    []string
	Scripts   []string
	Extracted string
	RunID     string
	Status    int
	Message   string
	// Body is the page's content rendered already (from the page cache); when empty the
	// layout executes the page's "content" template.
	Body template.HTML

	Sections  []Section
	Form      *form
	Downloads []download
	Compare   *navItem
	Quartiles bool
}

// T returns the text of key in the page's language.
func (d *pageData) T(key string) string { return T(d.Lang, key) }

// sectionData is what section.html gets: the page (for texts) and the section.
type sectionData struct {
	P *pageData
	S Section
}

// form is the page's selection form (GET, so it changes nothing and needs no CSRF token).
type form struct {
	Action string
	Lang   Lang
	Fields []field
}

type field struct {
	Name    string
	Label   string
	Options []option
}

type option struct {
	Value    string
	Label    string
	Group    string
	Selected bool
}

// download is a pair of download links for one statistic.
type download struct {
	Label string
	CSV   string
	XLSX  string
}

func (d *pageData) setUser(pr auth.Principal, c *gin.Context) {
	d.User = pr.Subject + " (" + T(d.Lang, "role."+string(pr.Role)) + ")"
	d.CSRF = auth.CSRFToken(c)
	var items []navItem
	add := func(path, key string) {
		items = append(items, navItem{Label: T(d.Lang, key), URL: withLang(path, d.Lang), Current: path == d.Path})
	}
	switch pr.Role {
	case auth.RolePrincipal:
		add(PathSchool, "min-skola")
	case auth.RoleOrganiser:
		add(PathCompare, "jamfor")
	case auth.RoleInspector:
		add(PathReview, "granskning")
		add(PathCompare, "jamfor")
	case auth.RolePlatformStaff:
		add(PathUsage, "anvandning")
	}
	d.Nav = items
}

// withLang adds lang=en to a local URL for English pages.
func withLang(path string, lang Lang) string {
	if lang != English {
		return path
	}
	if strings.Contains(path, "?") {
		return path + "&lang=en"
	}
	return path + "?lang=en"
}

// switchURL is the current URL in the other language.
func switchURL(c *gin.Context, lang Lang) string {
	q := c.Request.URL.Query()
	if lang == English {
		q.Del("lang")
	} else {
		q.Set("lang", "en")
	}
	u := url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
