package passkey

import (
	"context"
	"errors"
	"sync"
	"time"
)

// OnceStore remembers single-use markers: Use reports first = true exactly once per key until
// until, and false for every later use of the key before then. The passkey handlers mark each
// ceremony's ID, so that a finished ceremony replayed (the same cookie and response sent again)
// is refused. Keys are opaque and prefixed "passkey:". Implementations must be safe for
// concurrent use and shared by every instance of the application; middleware.OnceStore and its
// Redis implementation satisfy it.
type OnceStore interface {
	Use(ctx context.Context, key string, until time.Time) (first bool, err error)
}

// maxOnceMarkers bounds the in-memory marker set. Every marker is a ceremony that this server
// began and finished within its timeout, so the bound is only reached under a flood; past it,
// finishing a ceremony fails (503) rather than grow memory.
const maxOnceMarkers = 1 << 18

// errOnceFull: the in-memory marker set is full.
var errOnceFull = errors.New("passkey: single-use marker store full")

// memoryOnce is the default [OnceStore], for one process.
type memoryOnce struct {
	now func() time.Time

	mu        sync.Mutex
	until     map[string]time.Time
	nextSweep time.Time
}

func newMemoryOnce(now func() time.Time) *memoryOnce {
	return &memoryOnce{now: now, until: make(map[string]time.Time)}
}

// Use implements [OnceStore].
func (m *memoryOnce) Use(_ context.Context, key string, until time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.until[key]; ok && now.Before(t) {
		return false, nil
	}
	if !now.Before(m.nextSweep) || len(m.until) >= maxOnceMarkers {
		for k, t := range m.until {
			if !now.Before(t) {
				delete(m.until, k)
			}
		}
		m.nextSweep = now.Add(time.Minute)
	}
	if len(m.until) >= maxOnceMarkers {
		return false, errOnceFull
	}
	m.until[key] = until
	return true, nil
}
