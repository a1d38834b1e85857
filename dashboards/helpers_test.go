package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skolstat/skolstat/dashboards"
	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
	"github.com/skolstat/skolstat/dashboards/testsnap"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// testServer is a real server on a loopback port over a real snapshot file.
type testServer struct {
	*httptest.Server
	dataDir string
	store   *store.Store
	dev     *auth.DevTokens
	log     *accesslog.Log
}

type serverOpts struct {
	noSnapshot bool
	oidc       *auth.OIDCConfig
	pages      func(tb testing.TB, st *store.Store) dashboards.Pages
}

func newTestServer(tb testing.TB, o serverOpts) *testServer {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	if !o.noSnapshot {
		if _, err := testsnap.Publish(ctx, dir, "run1", 0); err != nil {
			tb.Fatal(err)
		}
	}
	st, err := store.Open(ctx, dir)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := auth.LoadOrCreateKey(filepath.Join(dir, auth.DevKeyFile))
	if err != nil {
		tb.Fatal(err)
	}
	dev := auth.NewDevTokens(key)
	hs := httptest.NewUnstartedServer(nil)
	if o.oidc != nil && o.oidc.RedirectURL == "" {
		o.oidc.RedirectURL = "http://" + hs.Listener.Addr().String() + "/auth/callback"
	}
	authn, err := auth.New(ctx, auth.Config{SessionKey: auth.SessionKey(), Dev: dev, OIDC: o.oidc,
		Areas: func() []snapshot.Area { return currentAreas(st) }})
	if err != nil {
		tb.Fatal(err)
	}
	alog, err := accesslog.Open(filepath.Join(dir, accesslog.FileName), 0)
	if err != nil {
		tb.Fatal(err)
	}
	var pg dashboards.Pages
	if o.pages != nil {
		pg = o.pages(tb, st)
	}
	srv, err := dashboards.New(dashboards.Config{Store: st, Auth: authn, AccessLog: alog, Pages: pg})
	if err != nil {
		tb.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	tb.Cleanup(func() {
		hs.Close()
		alog.Close()
	})
	return &testServer{Server: hs, dataDir: dir, store: st, dev: dev, log: alog}
}

// token issues a development token.
func (ts *testServer) token(tb testing.TB, role auth.Role, scopes ...string) string {
	tb.Helper()
	p := auth.Principal{Subject: "test-" + string(role), Role: role}
	for _, s := range scopes {
		sc, err := auth.ParseScope(s)
		if err != nil {
			tb.Fatal(err)
		}
		p.Scopes = append(p.Scopes, sc)
	}
	tok, err := ts.dev.Issue(p, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// get sends GET path with the bearer token (none when empty) and returns status, body, headers.
func (ts *testServer) get(tb testing.TB, token, path string) (int, []byte, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// errorOf returns the "error" of a JSON error body, failing when the body is anything else.
func errorOf(tb testing.TB, body []byte) string {
	tb.Helper()
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("error body is not JSON: %q", body)
	}
	msg, ok := e["error"].(string)
	if !ok || len(e) != 1 || msg == "" {
		tb.Fatalf("error body = %s, want only {\"error\": reason}", body)
	}
	if strings.Contains(strings.ToLower(msg), "duckdb") || strings.Contains(msg, "/tmp/") {
		tb.Errorf("error message leaks internals: %q", msg)
	}
	return msg
}

type cellsAnswer struct {
	Statistic string `json:"statistic"`
	RunID     string `json:"run_id"`
	Returned  int    `json:"returned"`
	Hidden    int    `json:"hidden"`
	Cells     []struct {
		Period    string   `json:"period"`
		AreaLevel string   `json:"area_level"`
		AreaCode  string   `json:"area_code"`
		Grade     *int     `json:"grade_level"`
		Gender    *string  `json:"gender"`
		Category  *string  `json:"category"`
		Measure   string   `json:"measure"`
		Value     *float64 `json:"value"`
		Display   string   `json:"display"`
		Status    string   `json:"status"`
	} `json:"cells"`
}

// accessLines returns the lines of the server's access log, decoded.
func (ts *testServer) accessLines(tb testing.TB) []map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(ts.dataDir, accesslog.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			tb.Fatalf("access log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func currentAreas(st *store.Store) []snapshot.Area {
	snap, err := st.Current()
	if err != nil {
		return nil
	}
	return snap.Areas()
}
