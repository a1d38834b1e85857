package pages

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/etl/snapshot"
)

// getAs fetches path as principal pr and returns status and body.
func (ts *testServer) getAs(tb testing.TB, pr auth.Principal, path string) (int, string) {
	tb.Helper()
	tok, err := ts.dev.Issue(pr, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestEscapeText(t *testing.T) {
	tmpl := template.Must(template.New("t").Parse(`<span>{{.}}</span><input value="{{.}}">`))
	for _, s := range []string{"rektor-1", `<b>"a'b"</b> & c+d`, "nul\x00x", "åäö ✓", "bad \xff utf8", ""} {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		var esc bytes.Buffer
		escapeText(&esc, s)
		got := "<span>" + esc.String() + `</span><input value="` + esc.String() + `">`
		if got != want.String() {
			t.Errorf("escapeText(%q) gives %q, want %q", s, got, want.String())
		}
	}
}

// TestPages_cache checks that a cached page shows each user their own name and only what
// their scope allows, and that every request is noted in the access log.
func TestPages_cache(t *testing.T) {
	ts := newTestServer(t)
	school := func(subject, code string) auth.Principal {
		return auth.Principal{Subject: subject, Role: auth.RolePrincipal, Scopes: []auth.Scope{{Level: snapshot.LevelSchoolUnit, Code: code}}}
	}
	cases := []struct {
		pr              auth.Principal
		want, wantShown string
		notWant         string
	}{
		{school("rektor-1", "11111111"), "Ekskolan", "rektor-1", "Björkskolan"},
		{school(`<b>"o'k"+&</b>`, "11111111"), "Ekskolan", "&lt;b&gt;&#34;o&#39;k&#34;&#43;&amp;&lt;/b&gt;", "rektor-1"},
		{school("rektor-2", "22222222"), "Björkskolan", "rektor-2", "Ekskolan"},
		{school("rektor-1", "11111111"), "Ekskolan", "rektor-1", "Björkskolan"},
	}
	var bodies []string
	for i, c := range cases {
		status, body := ts.getAs(t, c.pr, "/min-skola")
		if status != http.StatusOK {
			t.Fatalf("request %d: status %d", i, status)
		}
		title := body[strings.Index(body, "<h1>"):strings.Index(body, "</h1>")]
		if !strings.Contains(title, c.want) {
			t.Errorf("request %d: heading %q, want %q", i, title, c.want)
		}
		if !strings.Contains(body, "<span>") || !strings.Contains(body, c.wantShown+" (") {
			t.Errorf("request %d: page does not show the user %q", i, c.wantShown)
		}
		if strings.Contains(body, c.notWant) {
			t.Errorf("request %d: page shows %q", i, c.notWant)
		}
		bodies = append(bodies, body)
	}
	// The same scope sees the same page but for the user; another scope another page.
	strip := func(s string) string {
		s = s[:strings.Index(s, `<div class="user">`)] + s[strings.Index(s, "</header>"):]
		return s
	}
	if strip(bodies[0]) != strip(bodies[1]) || strip(bodies[0]) != strip(bodies[3]) {
		t.Error("the same scope got different pages")
	}
	if strip(bodies[0]) == strip(bodies[2]) {
		t.Error("different scopes got the same page")
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.notes) != len(cases) {
		t.Fatalf("%d access-log notes, want %d", len(ts.notes), len(cases))
	}
	if !reflect.DeepEqual(ts.notes[0], ts.notes[3]) || !reflect.DeepEqual(ts.notes[0], ts.notes[1]) {
		t.Errorf("the same page noted differently: %+v, %+v", ts.notes[0], ts.notes[3])
	}
	if reflect.DeepEqual(ts.notes[0].filters, ts.notes[2].filters) {
		t.Error("different schools noted the same filters")
	}
}

func TestPageCache_do(t *testing.T) {
	var pc pageCache
	ctx := context.Background()
	var builds atomic.Int64
	build := func() (*pageContent, error) {
		builds.Add(1)
		time.Sleep(20 * time.Millisecond)
		return &pageContent{body: "x"}, nil
	}
	get := func(run string, k pageKey) *pageContent {
		t.Helper()
		e, err := pc.do(ctx, run, k, build)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	k := pageKey{path: PathSchool, scope: "principal|school_unit:1"}
	t.Run("concurrent first requests build once", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]*pageContent, 20)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _ = pc.do(ctx, "run-1", k, build)
			}()
		}
		wg.Wait()
		if n := builds.Load(); n != 1 {
			t.Errorf("%d builds, want 1", n)
		}
		for i, e := range got {
			if e == nil || e != got[0] {
				t.Errorf("request %d got %p, want %p", i, e, got[0])
			}
		}
	})
	t.Run("a new snapshot builds anew", func(t *testing.T) {
		before := builds.Load()
		e1 := get("run-1", k)
		get("run-2", k)
		if n := builds.Load() - before; n != 1 {
			t.Errorf("%d builds, want 1 (for run-2)", n)
		}
		if e := get("run-1", k); e == e1 {
			t.Error("the old snapshot's page is still cached after a new snapshot's")
		}
	})
	t.Run("no run id, no cache", func(t *testing.T) {
		before := builds.Load()
		get("", k)
		get("", k)
		if n := builds.Load() - before; n != 2 {
			t.Errorf("%d builds, want 2", n)
		}
	})
	t.Run("a failed build is not cached", func(t *testing.T) {
		fail := errors.New("boom")
		if _, err := pc.do(ctx, "run-3", k, func() (*pageContent, error) { return nil, fail }); !errors.Is(err, fail) {
			t.Fatalf("err = %v, want %v", err, fail)
		}
		before := builds.Load()
		get("run-3", k)
		if n := builds.Load() - before; n != 1 {
			t.Errorf("%d builds after a failure, want 1", n)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		e := &pageContent{body: "x"}
		for i := 0; i < cacheMaxEntries+10; i++ {
			pc.put("run-4", pageKey{query: strconv.Itoa(i)}, e)
		}
		if n := len(pc.entries); n > cacheMaxEntries {
			t.Errorf("%d entries, want at most %d", n, cacheMaxEntries)
		}
	})
}
