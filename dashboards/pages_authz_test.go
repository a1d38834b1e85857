package dashboards_test

import (
	"net/http"
	"testing"

	"github.com/skolstat/skolstat/dashboards"
	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/pages"
	"github.com/skolstat/skolstat/dashboards/store"
)

// TestServer_pagesAuthorization runs the page routes through the whole server (auth, error
// mapping) for every role with own, foreign and nonexistent areas.
func TestServer_pagesAuthorization(t *testing.T) {
	ts := newTestServer(t, serverOpts{pages: func(tb testing.TB, st *store.Store) dashboards.Pages {
		pg, err := pages.New(pages.Config{Current: pages.FromStore(st), Note: accesslog.Note})
		if err != nil {
			tb.Fatal(err)
		}
		return pg
	}})
	principal := ts.token(t, auth.RolePrincipal, "school_unit:10000001")
	organiser := ts.token(t, auth.RoleOrganiser, "organiser:K0180")
	inspector := ts.token(t, auth.RoleInspector, "municipality:0180")
	staff := ts.token(t, auth.RolePlatformStaff, "all")
	tests := []struct {
		who, token, path string
		want             int
	}{
		{"principal", principal, "/min-skola?enhet=10000001", 200},
		{"principal", principal, "/min-skola?enhet=20000001", 404},
		{"principal", principal, "/min-skola?enhet=99999999", 404},
		{"principal", principal, "/jamfor", 403},
		{"principal", principal, "/granskning", 403},
		{"principal", principal, "/anvandning", 403},
		{"organiser", organiser, "/min-skola", 403},
		{"organiser", organiser, "/jamfor?omrade=organiser:K0180", 200},
		{"organiser", organiser, "/jamfor?omrade=organiser:K1480", 404},
		{"organiser", organiser, "/jamfor?omrade=organiser:K9999", 404},
		{"organiser", organiser, "/granskning", 403},
		{"organiser", organiser, "/anvandning", 403},
		{"inspector", inspector, "/min-skola", 403},
		{"inspector", inspector, "/granskning?omrade=school_unit:10000001", 200},
		{"inspector", inspector, "/granskning?omrade=school_unit:20000001", 404},
		{"inspector", inspector, "/granskning?omrade=school_unit:99999999", 404},
		{"staff", staff, "/min-skola", 403},
		{"staff", staff, "/jamfor", 403},
		{"staff", staff, "/granskning", 403},
		{"staff", staff, "/anvandning", 200},
	}
	for _, tt := range tests {
		t.Run(tt.who+tt.path, func(t *testing.T) {
			status, body, _ := ts.get(t, tt.token, tt.path)
			if status != tt.want {
				t.Errorf("status %d, want %d: %.300s", status, tt.want, body)
			}
		})
	}
	t.Run("anonymous is sent to sign in", func(t *testing.T) {
		c := *ts.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for _, p := range []string{"/min-skola", "/jamfor", "/granskning", "/anvandning"} {
			resp, err := c.Get(ts.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: status %d, want a redirect to sign-in", p, resp.StatusCode)
			}
		}
	})
}
