package accesslog

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skolstat/skolstat/dashboards/auth"
)

const noteKey = "skolstat.accesslog"

// note is what a handler reported about its answer.
type note struct {
	filters  map[string][]string
	returned int
	hidden   int
}

// Note records that the request returned statistics: the filters it applied, the number of
// cells returned and how many of those were hidden (suppressed or coded, shown as "..", bands).
// The middleware writes the line when the handler is done. Every page, API call and download
// of statistics must call it (also when it returns nothing).
func Note(c *gin.Context, filters map[string][]string, returned, hidden int) {
	if prev, ok := c.Get(noteKey); ok { // several notes on one page add up
		p := prev.(*note)
		for k, v := range filters {
			p.filters[k] = append(p.filters[k], v...)
		}
		p.returned += returned
		p.hidden += hidden
		return
	}
	f := make(map[string][]string, len(filters))
	for k, v := range filters {
		f[k] = append([]string(nil), v...)
	}
	c.Set(noteKey, &note{filters: f, returned: returned, hidden: hidden})
}

// Noted returns the cells returned and hidden that the request's handler noted.
func Noted(c *gin.Context) (returned, hidden int, ok bool) {
	v, ok := c.Get(noteKey)
	if !ok {
		return 0, 0, false
	}
	n := v.(*note)
	return n.returned, n.hidden, true
}

// Middleware appends a line for every request whose handler called Note, and for every
// request on a route that always counts as asking for statistics (always reports true);
// failures to write are logged, not shown to the client.
func Middleware(l *Log, log *slog.Logger, always func(route string) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		v, noted := c.Get(noteKey)
		route := c.FullPath()
		if !noted && (always == nil || !always(route)) {
			return
		}
		e := Entry{Time: time.Now().UTC(), Method: c.Request.Method, Route: route,
			Path: c.Request.URL.Path, Status: c.Writer.Status()}
		if p, ok := auth.FromContext(c); ok {
			e.Subject, e.Role, e.Scope = p.Subject, string(p.Role), p.ScopeStrings()
		}
		if noted {
			n := v.(*note)
			e.Filters, e.Returned, e.Hidden = n.filters, n.returned, n.hidden
		}
		if err := l.Append(e); err != nil {
			log.Error("access log", "err", err)
		}
	}
}
