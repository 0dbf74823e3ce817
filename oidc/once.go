package oidc

import (
	"context"
	"errors"
	"sync"
	"time"
)

// OnceStore remembers single-use keys: Use reports first == true exactly once per key until
// until has passed. The callback marks each state token's ID ("oidc:" + jti) with it, so that
// a replayed callback is refused even when the replayer kept a copy of the state cookie.
// [middleware.OnceStore] and the Redis store of the redisstore module satisfy it.
// Implementations must be safe for concurrent use and forget keys after until.
type OnceStore interface {
	Use(ctx context.Context, key string, until time.Time) (first bool, err error)
}

// maxOnceEntries bounds the memory store. Each entry needs a state cookie this package issued,
// and the login route issues one to anybody, so an attacker could fill the store; past the
// bound it refuses (the callback answers 503) rather than forget keys that are still live, which
// would let a replay through.
const maxOnceEntries = 100_000

// errOnceFull is returned by the memory store when it holds maxOnceEntries live keys.
var errOnceFull = errors.New("oidc: once store full")

// memoryOnce is the default [OnceStore], in this process's memory. Expired keys are swept on
// writes, at most once a second.
type memoryOnce struct {
	now func() time.Time

	mu      sync.Mutex
	used    map[string]time.Time
	sweptAt time.Time
}

func newMemoryOnce(now func() time.Time) *memoryOnce {
	return &memoryOnce{now: now, used: make(map[string]time.Time)}
}

// Use implements [OnceStore].
func (m *memoryOnce) Use(_ context.Context, key string, until time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.sweptAt) >= time.Second {
		for k, exp := range m.used {
			if !now.Before(exp) {
				delete(m.used, k)
			}
		}
		m.sweptAt = now
	}
	if exp, ok := m.used[key]; ok && now.Before(exp) {
		return false, nil
	}
	if len(m.used) >= maxOnceEntries {
		return false, errOnceFull
	}
	m.used[key] = until
	return true, nil
}
