package pages

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"strings"
	"sync"

	"github.com/skolstat/skolstat/dashboards/auth"
)

// A published snapshot is immutable, so what a page shows of it depends only on the snapshot,
// the page, the principal's scope (role and scopes, which alone decide visibility), the
// language and the query. The pages render that content once and keep it in a bounded cache
// tied to the snapshot's run id: a new snapshot empties it.

// Bounds of the page cache; when an insert would pass either, the cache starts over.
const (
	cacheMaxEntries  = 2048
	cacheMaxBytes    = 64 << 20
	cacheMaxQueryLen = 1024
)

// pageKey identifies one rendered page content within a snapshot.
type pageKey struct {
	path  string
	scope string // role and scopes in the principal's order, see scopeKey
	lang  Lang
	query string
}

// pageContent is a page's rendered content and what the access log records of it.
type pageContent struct {
	title    string
	body     template.HTML
	filters  map[string][]string
	returned int
	hidden   int
	// whole is the whole page rendered with markers for the two per-request values, split
	// at them: whole[0] + user + whole[1] + csrf token + whole[2]; nil when the markers were
	// not found exactly once each (then the layout is executed per request).
	whole []string
}

// size is about how many bytes the content holds.
func (e *pageContent) size() int {
	n := len(e.body) + 256
	for _, w := range e.whole {
		n += len(w)
	}
	return n
}

// split cuts a page rendered with the user and CSRF markers into the pieces around them;
// ok is false unless each marker occurs exactly once, the user's first.
func split(page, userMark, csrfMark string) (whole []string, ok bool) {
	if strings.Count(page, userMark) != 1 || strings.Count(page, csrfMark) != 1 {
		return nil, false
	}
	i, j := strings.Index(page, userMark), strings.Index(page, csrfMark)
	if i+len(userMark) > j {
		return nil, false
	}
	return []string{page[:i], page[i+len(userMark) : j], page[j+len(csrfMark):]}, true
}

// escapeText escapes s as html/template does a string in HTML text or in a quoted attribute
// value: NUL, quotes, &, +, < and >.
func escapeText(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// pageCache holds the rendered contents of one snapshot's pages.
type pageCache struct {
	mu      sync.Mutex
	run     string
	size    int
	entries map[pageKey]*pageContent
	// flights are the builds under way, so that concurrent first requests for one page (as
	// after a snapshot swap) build it once.
	flights map[flightKey]*flight
}

type flightKey struct {
	run string
	key pageKey
}

// flight is one build under way; done is closed when e and err are set.
type flight struct {
	done chan struct{}
	e    *pageContent
	err  error
}

// do returns the content cached for key in snapshot run, or builds, caches and returns it. A
// request that finds the same page being built waits for that build (or its own context);
// when that build failed it builds the page itself, so that one request's failure (say, its
// client went away) is not another's.
func (pc *pageCache) do(ctx context.Context, run string, key pageKey, build func() (*pageContent, error)) (*pageContent, error) {
	if run == "" || len(key.query) > cacheMaxQueryLen {
		return build()
	}
	fk := flightKey{run, key}
	pc.mu.Lock()
	if e, ok := pc.entries[key]; ok && pc.run == run {
		pc.mu.Unlock()
		return e, nil
	}
	if f, ok := pc.flights[fk]; ok {
		pc.mu.Unlock()
		select {
		case <-f.done:
			if f.err == nil {
				return f.e, nil
			}
			return build()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if pc.flights == nil {
		pc.flights = map[flightKey]*flight{}
	}
	f := &flight{done: make(chan struct{}), err: errors.New("page build did not finish")}
	pc.flights[fk] = f
	pc.mu.Unlock()
	defer func() {
		pc.mu.Lock()
		delete(pc.flights, fk)
		pc.mu.Unlock()
		close(f.done)
	}()
	e, err := build()
	if err != nil {
		f.err = err
		return nil, err
	}
	pc.put(run, key, e)
	f.e, f.err = e, nil
	return e, nil
}

// scopeKey names what a principal may see: Visibility is a function of the role and the
// scopes (their order matters to the comparison page's default area), and of whether the
// principal is valid at all. Two principals with the same key see exactly the same.
func scopeKey(pr auth.Principal) string {
	var b strings.Builder
	if pr.Validate() != nil {
		b.WriteString("invalid|")
	}
	b.WriteString(string(pr.Role))
	for _, s := range pr.Scopes {
		b.WriteString("|")
		b.WriteString(s.Level)
		b.WriteString(":")
		b.WriteString(s.Code)
	}
	return b.String()
}

// put caches content for key in snapshot run; a content of another run replaces the cache.
func (pc *pageCache) put(run string, key pageKey, e *pageContent) {
	if run == "" || len(key.query) > cacheMaxQueryLen {
		return
	}
	n := e.size() + len(key.query) + len(key.scope)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.run != run || len(pc.entries) >= cacheMaxEntries || pc.size+n > cacheMaxBytes {
		pc.run, pc.size, pc.entries = run, 0, map[pageKey]*pageContent{}
	}
	if _, ok := pc.entries[key]; !ok {
		pc.entries[key] = e
		pc.size += n
	}
}

// noteFilters copies a cached content's filters for one request's access-log note, so that
// no request shares (or can change) another's.
func (e *pageContent) noteFilters() map[string][]string {
	m := make(map[string][]string, len(e.filters))
	for k, v := range e.filters {
		m[k] = append([]string(nil), v...)
	}
	return m
}

// bufPool holds render buffers; one too large to keep is dropped.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuf = 4 << 20

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuf {
		bufPool.Put(b)
	}
}
