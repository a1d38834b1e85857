package dashboards

import (
	"strings"
	"sync"

	"github.com/skolstat/skolstat/dashboards/auth"
	"github.com/skolstat/skolstat/dashboards/store"
)

// cellsAnswer is one encoded JSON answer of the cells route, with what its access-log line
// records. It is shared between requests and read only.
type cellsAnswer struct {
	body             []byte
	filters          map[string][]string
	returned, hidden int
}

// cellsCache keeps the JSON answers of the cells route for the current snapshot. A published
// snapshot never changes, so the answer to the same query from the same visibility (role and
// scopes: the subject does not change what is visible) is the same bytes; caching them saves
// the store scan and the encoding, which are most of an API call's CPU. It empties when the
// snapshot changes and when it holds cellsCacheMaxEntries answers or cellsCacheMaxBytes bytes.
type cellsCache struct {
	mu    sync.RWMutex
	snap  *store.Snapshot
	m     map[string]*cellsAnswer
	bytes int
}

const (
	cellsCacheMaxEntries = 4096
	cellsCacheMaxBytes   = 64 << 20
	// cellsCacheMaxAnswer is the largest answer kept; a bigger one is encoded every time.
	cellsCacheMaxAnswer = 1 << 20
)

// cellsKey is the cache key of a cells query: visibility, statistic and the raw query string
// (already checked: every parameter known, none repeated).
func cellsKey(p auth.Principal, id, rawQuery string) string {
	var b strings.Builder
	b.Grow(64 + len(id) + len(rawQuery))
	if p.Validate() != nil {
		b.WriteString("invalid\x00")
	}
	b.WriteString(string(p.Role))
	b.WriteByte(0)
	b.WriteString(strings.Join(p.ScopeStrings(), " "))
	b.WriteByte(0)
	b.WriteString(id)
	b.WriteByte(0)
	b.WriteString(rawQuery)
	return b.String()
}

// get returns the cached answer of key in snap, or nil.
func (cc *cellsCache) get(snap *store.Snapshot, key string) *cellsAnswer {
	cc.mu.RLock()
	defer cc.mu.RUnlock()
	if cc.snap != snap {
		return nil
	}
	return cc.m[key]
}

// put keeps an answer of key in snap.
func (cc *cellsCache) put(snap *store.Snapshot, key string, a *cellsAnswer) {
	size := len(a.body) + len(key)
	if size > cellsCacheMaxAnswer {
		return
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.snap != snap || len(cc.m) >= cellsCacheMaxEntries || cc.bytes+size > cellsCacheMaxBytes {
		cc.snap, cc.m, cc.bytes = snap, map[string]*cellsAnswer{}, 0
	}
	if _, ok := cc.m[key]; !ok {
		cc.m[key] = a
		cc.bytes += size
	}
}
