// Package assets embeds the dashboards' browser files (ECharts from npm, its Swedish locale, the
// one application script and the style sheet) and serves them under content-hashed URLs with
// long cache headers.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// files holds ECharts and its Swedish locale (copied from node_modules by `make assets`) and
// our own script and style sheet.
//
//go:embed vendor/echarts.min.js vendor/langSV.js static/app.js static/app.css
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/assets/"

// Scripts lists the scripts every page loads, in order: ECharts, its Swedish locale, app.js.
var Scripts = []string{"vendor/echarts.min.js", "vendor/langSV.js", "static/app.js"}

// Styles lists the style sheets every page loads.
var Styles = []string{"static/app.css"}

type asset struct {
	body  []byte
	ctype string
}

// Assets serves the embedded files; each file's URL carries a hash of its content, so it may be
// cached for a year.
type Assets struct {
	byURL  map[string]asset  // "/assets/<hash>/<name>" → file
	byName map[string]string // "static/app.js" → URL
}

// New reads and hashes the embedded files.
func New() (*Assets, error) {
	a := &Assets{byURL: map[string]asset{}, byName: map[string]string{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		url := Prefix + hex.EncodeToString(sum[:6]) + "/" + p
		ctype := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		}
		a.byURL[url] = asset{body: b, ctype: ctype}
		a.byName[p] = url
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load assets: %w", err)
	}
	for _, n := range append(append([]string{}, Scripts...), Styles...) {
		if _, ok := a.byName[n]; !ok {
			return nil, fmt.Errorf("load assets: %s missing (run make assets)", n)
		}
	}
	return a, nil
}

// URL returns the content-hashed URL of an embedded file such as "static/app.js", or "" if
// there is none.
func (a *Assets) URL(name string) string { return a.byName[name] }

// ServeHTTP serves an asset by its hashed URL with a one-year immutable cache header; any
// other path under Prefix is 404.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, ok := a.byURL[r.URL.Path]
	if !ok || !strings.HasPrefix(r.URL.Path, Prefix) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", fmt.Sprint(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(f.body)
	}
}
