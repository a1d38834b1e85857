package dashboards

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
)

// ErrBadRequest marks a malformed request (400); wrap it with the reason.
var ErrBadRequest = errors.New("bad request")

// contentSecurityPolicy allows nothing but the own origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the security headers on every response.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.Next()
}

// limits rejects oversized request targets and bodies.
func (s *Server) limits(c *gin.Context) {
	if len(c.Request.RequestURI) > s.cfg.MaxURLBytes {
		s.fail(c, http.StatusRequestURITooLong, "request URL too long")
		return
	}
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.fail(c, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

// recover turns a panic into a 500 with a generic message, the stack only in the log.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("panic", "path", c.Request.URL.Path, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.fail(c, http.StatusInternalServerError, "internal error")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// handleErrors is the one place that maps handler errors (c.Error) to a status and a message.
// Internal errors get a generic message; their details go to the server log only.
func (s *Server) handleErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 || c.Writer.Written() {
		return
	}
	err := c.Errors.Last().Err
	status, msg := classify(err)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	} else {
		s.log.Info("request refused", "method", c.Request.Method, "path", c.Request.URL.Path, "status", status, "reason", msg)
	}
	if status == http.StatusUnauthorized && c.Request.Method == http.MethodGet && !isAPI(c) {
		c.Redirect(http.StatusFound, auth.LoginURL(c.Request.URL.RequestURI()))
		return
	}
	s.fail(c, status, msg)
}

// classify maps an error to its status and the message a client may see.
func classify(err error) (int, string) {
	reason := func(kind error) string {
		return strings.TrimSuffix(err.Error(), ": "+kind.Error())
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, reason(store.ErrNotFound)
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, reason(store.ErrInvalid)
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest, reason(ErrBadRequest)
	case errors.Is(err, store.ErrNoSnapshot):
		return http.StatusServiceUnavailable, "no snapshot published yet"
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, reason(auth.ErrUnauthenticated)
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, reason(auth.ErrForbidden)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "request body too large"
	}
	return http.StatusInternalServerError, "internal error"
}

func isAPI(c *gin.Context) bool {
	p := c.Request.URL.Path
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/auth/") || p == "/metrics" ||
		p == "/healthz" || p == "/readyz" || strings.Contains(c.GetHeader("Accept"), "application/json") &&
		!strings.Contains(c.GetHeader("Accept"), "text/html")
}

// fail writes an error response: JSON {"error": msg} for the API, the pages' error page (or
// plain text) for browsers.
func (s *Server) fail(c *gin.Context, status int, msg string) {
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "60")
	}
	if !isAPI(c) && s.errPage != nil {
		s.errPage.ErrorPage(c, status, msg)
		c.Abort()
		return
	}
	if !isAPI(c) {
		c.Header("Content-Type", "text/plain; charset=utf-8")
		c.AbortWithStatus(status)
		c.Writer.WriteString(msg + "\n")
		return
	}
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}
