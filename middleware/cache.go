package middleware

import (
	"strings"
	"sync"
	"time"

	"github.com/keycard-go/keycard/token"
)

// DefaultCacheSize is how many verified tokens the middleware remembers by default: enough for
// the active users of a busy instance, at a few hundred bytes each.
const DefaultCacheSize = 10_000

// verifiedCache remembers tokens that verified, keyed by the exact token string, so that the
// next request presenting the same token skips the signature check and the JSON decoding.
//
// What makes it safe: a hit requires the byte-for-byte token that verified before; an entry is
// never served past the token's expiry; an entry made under one key set is never served under
// another (rotation or removal of a key drops the cache); revocation, the absolute lifetime
// and the application's check are not cached here and run on every request.
//
// It is bounded: when full, an arbitrary entry is evicted (Go's map iteration order is
// random), which costs O(1) and needs no bookkeeping on the hit path.
type verifiedCache[T any] struct {
	max int

	mu      sync.RWMutex
	keys    *token.KeySet // the key set the entries were verified under
	entries map[string]*token.Claims[T]
}

func newVerifiedCache[T any](max int) *verifiedCache[T] {
	if max <= 0 {
		return nil
	}
	return &verifiedCache[T]{max: max, entries: make(map[string]*token.Claims[T], min(max, 1024))}
}

// get returns the claims cached for raw if they were verified under keys and have not expired
// at now. A nil cache never hits.
func (c *verifiedCache[T]) get(raw string, keys *token.KeySet, now time.Time) (*token.Claims[T], bool) {
	if c == nil {
		return nil, false
	}
	c.mu.RLock()
	claims, ok := c.entries[raw]
	same := c.keys == keys
	c.mu.RUnlock()
	if !ok || !same || !now.Before(claims.Expiry) {
		return nil, false
	}
	return claims, true
}

// put remembers claims for raw, verified under keys. A put under a different key set than the
// cached entries' drops them all first.
func (c *verifiedCache[T]) put(raw string, keys *token.KeySet, claims *token.Claims[T]) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys != keys {
		clear(c.entries)
		c.keys = keys
	}
	if len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	// Clone: raw points into the request's header, which must not be kept alive.
	c.entries[strings.Clone(raw)] = claims
}
