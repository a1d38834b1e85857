package dashboards_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/skolstat/skolstat/dashboards"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
)

// failingPages registers routes that fail the ways a handler can.
type failingPages struct{}

func (failingPages) Register(r gin.IRouter) {
	r.GET("/api/v1/test/internal", func(c *gin.Context) {
		c.Error(errors.New("query /tmp/secret/run1.duckdb: duckdb: value 41.5 for pupil 9f8e"))
	})
	r.GET("/api/v1/test/panic", func(c *gin.Context) { panic("pupil 9f8e") })
	r.GET("/api/v1/test/notfound", func(c *gin.Context) { c.Error(errors.Join(store.ErrNotFound)) })
}

func TestServer_internalErrors(t *testing.T) {
	ts := newTestServer(t, serverOpts{pages: func(testing.TB, *store.Store) dashboards.Pages { return failingPages{} }})
	tok := ts.token(t, auth.RoleInspector, "all")
	for _, path := range []string{"/api/v1/test/internal", "/api/v1/test/panic"} {
		t.Run(path, func(t *testing.T) {
			status, body, h := ts.get(t, tok, path)
			if status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", status)
			}
			if msg := errorOf(t, body); msg != "internal error" {
				t.Errorf("message %q, want the generic one", msg)
			}
			if strings.Contains(string(body), "9f8e") || strings.Contains(string(body), "41") {
				t.Errorf("body leaks details: %s", body)
			}
			if h.Get("Content-Security-Policy") == "" {
				t.Error("no CSP on an error")
			}
		})
	}
	if status, _, _ := ts.get(t, tok, "/api/v1/test/notfound"); status != http.StatusNotFound {
		t.Errorf("ErrNotFound mapped to %d", status)
	}
}

func TestServer_secureCookies(t *testing.T) {
	ts := newTestServer(t, serverOpts{})
	for _, tt := range []struct {
		host       string
		wantSecure bool
	}{{"", false}, {"localhost:8080", false}, {"skolstat.example.se", true}} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/auth/dev", nil)
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cks := resp.Cookies()
		if len(cks) == 0 {
			t.Fatalf("host %q: no cookie", tt.host)
		}
		for _, ck := range cks {
			if ck.Secure != tt.wantSecure || !ck.HttpOnly || ck.SameSite == http.SameSiteNoneMode {
				t.Errorf("host %q: cookie %s Secure=%v HttpOnly=%v SameSite=%v", tt.host, ck.Name, ck.Secure, ck.HttpOnly, ck.SameSite)
			}
		}
	}
}
