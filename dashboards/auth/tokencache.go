package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// tokenCache remembers verified bearer tokens (by their SHA-256) until they expire.
type tokenCache struct {
	mu sync.RWMutex
	m  map[[32]byte]cachedToken
}

type cachedToken struct {
	p   Principal
	exp time.Time
}

const tokenCacheMax = 10000

func (tc *tokenCache) get(tok string, now time.Time) (Principal, bool) {
	k := sha256.Sum256([]byte(tok))
	tc.mu.RLock()
	e, ok := tc.m[k]
	tc.mu.RUnlock()
	if !ok || !now.Before(e.exp) {
		return Principal{}, false
	}
	return e.p, true
}

func (tc *tokenCache) put(tok string, p Principal, exp time.Time) {
	k := sha256.Sum256([]byte(tok))
	tc.mu.Lock()
	if tc.m == nil || len(tc.m) >= tokenCacheMax {
		tc.m = make(map[[32]byte]cachedToken)
	}
	tc.m[k] = cachedToken{p, exp}
	tc.mu.Unlock()
}
