package assets

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAssets_ServeHTTP(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	for _, name := range append(append([]string{}, Scripts...), Styles...) {
		u := a.URL(name)
		if !strings.HasPrefix(u, Prefix) || !strings.HasSuffix(u, "/"+name) || len(u) < len(Prefix)+12+len(name) {
			t.Errorf("URL(%q) = %q, want %s<hash>/%s", name, u, Prefix, name)
		}
	}
	cases := []struct {
		name, method, path string
		want               int
	}{
		{"app.js", http.MethodGet, a.URL("static/app.js"), http.StatusOK},
		{"echarts head", http.MethodHead, a.URL("vendor/echarts.min.js"), http.StatusOK},
		{"stale hash", http.MethodGet, Prefix + "000000000000/static/app.js", http.StatusNotFound},
		{"no hash", http.MethodGet, Prefix + "static/app.js", http.StatusNotFound},
		{"post", http.MethodPost, a.URL("static/app.js"), http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusOK {
				if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
					t.Errorf("Cache-Control = %q", got)
				}
				if got := resp.Header.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
					t.Errorf("Content-Type = %q", got)
				}
			}
		})
	}
}
