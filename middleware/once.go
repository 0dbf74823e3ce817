package middleware

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// OnceStore remembers single-use markers: one-time codes that were accepted, pending logins that
// were tried, ceremony and state values that were consumed. It is what makes "use once" hold
// across requests, and across instances when the store is shared.
//
// Keys are opaque to the store and namespaced by the caller ("totp:", "pending:", "passkey:",
// "oidc:"); callers hash anything that identifies a person before it becomes a key.
//
// Implementations must be safe for concurrent use, must decide atomically (of two parallel
// calls with one key, exactly one sees first), must keep a marker at least until its until,
// and must forget it afterwards so that storage does not grow without bound. [MemoryOnce]
// serves one process; the redisstore module shares markers between processes.
type OnceStore interface {
	// Use records key until the given time and reports whether this is the first use of key
	// since any earlier marker for it expired. until must be after now; a call that cannot
	// decide returns an error and callers fail closed (treat the use as refused).
	Use(ctx context.Context, key string, until time.Time) (first bool, err error)
}

// Errors of [OnceStore] implementations.
var (
	// ErrOnceFull: a bounded store holds as many unexpired markers as it may. Refusing is the
	// only safe answer: forgetting a marker early would let its value be used twice.
	ErrOnceFull = errors.New("middleware: single-use store full")

	// ErrOnceKey: the key is empty or longer than [MaxOnceKeyLen], or until is not after now.
	ErrOnceKey = errors.New("middleware: invalid single-use marker")
)

// MaxOnceKeyLen bounds a marker's key. Callers build keys from hashes and random IDs, which are
// far shorter.
const MaxOnceKeyLen = 512

// DefaultOnceEntries bounds a [MemoryOnce] made by [NewMemoryOnce]: at some 150 bytes an entry,
// about 15 MB when full.
const DefaultOnceEntries = 100_000

// MemoryOnce is an [OnceStore] held in the memory of one process. Its zero value is not usable;
// create one with [NewMemoryOnce] or [NewMemoryOnceSize]. It is safe for concurrent use.
//
// It is bounded: markers are forgotten as soon as they expire (each write first drops the
// expired ones, oldest first, in O(log n) each), and when the store holds its maximum of
// unexpired markers, Use fails with [ErrOnceFull] rather than forget one early.
//
// Use it for a single instance. Behind a load balancer, a value used on one instance must be
// refused on every other: use a shared store such as the redisstore module's.
type MemoryOnce struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[string]time.Time
	byUntil onceHeap
}

// NewMemoryOnce returns an empty in-memory single-use store holding at most
// [DefaultOnceEntries] unexpired markers. now is the clock; nil means [time.Now].
func NewMemoryOnce(now func() time.Time) *MemoryOnce {
	return NewMemoryOnceSize(now, DefaultOnceEntries)
}

// NewMemoryOnceSize is [NewMemoryOnce] with another bound; max below 1 means
// [DefaultOnceEntries].
func NewMemoryOnceSize(now func() time.Time, max int) *MemoryOnce {
	if now == nil {
		now = time.Now
	}
	if max < 1 {
		max = DefaultOnceEntries
	}
	return &MemoryOnce{now: now, max: max, entries: make(map[string]time.Time)}
}

// Use implements [OnceStore]. It fails with [ErrOnceKey] for an empty or too long key or an
// until that is not after now, and with [ErrOnceFull] when the store is full.
func (m *MemoryOnce) Use(_ context.Context, key string, until time.Time) (bool, error) {
	now := m.now()
	if err := checkOnce(key, until, now); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Drop what has expired. The heap may hold stale entries for a key whose marker was
	// replaced after it expired; the map tells them apart.
	for len(m.byUntil) > 0 && !now.Before(m.byUntil[0].until) {
		e := heap.Pop(&m.byUntil).(onceEntry)
		if u, ok := m.entries[e.key]; ok && u.Equal(e.until) {
			delete(m.entries, e.key)
		}
	}
	if _, ok := m.entries[key]; ok {
		return false, nil // every remaining entry is unexpired
	}
	if len(m.entries) >= m.max {
		return false, ErrOnceFull
	}
	m.entries[key] = until
	heap.Push(&m.byUntil, onceEntry{key: key, until: until})
	return true, nil
}

// Len reports how many markers the store holds, expired ones not yet dropped included. It is
// meant for tests and metrics.
func (m *MemoryOnce) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// checkOnce refuses what no implementation should store.
func checkOnce(key string, until, now time.Time) error {
	switch {
	case key == "" || len(key) > MaxOnceKeyLen:
		return fmt.Errorf("%w: key of %d bytes", ErrOnceKey, len(key))
	case !until.After(now):
		return fmt.Errorf("%w: until is not in the future", ErrOnceKey)
	}
	return nil
}

// CheckOnce reports whether key and until are acceptable to an [OnceStore] at now: the check
// [MemoryOnce.Use] makes, for other implementations to share. The error matches [ErrOnceKey].
func CheckOnce(key string, until, now time.Time) error { return checkOnce(key, until, now) }

type onceEntry struct {
	key   string
	until time.Time
}

// onceHeap orders markers by expiry, earliest first.
type onceHeap []onceEntry

func (h onceHeap) Len() int           { return len(h) }
func (h onceHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h onceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *onceHeap) Push(x any)        { *h = append(*h, x.(onceEntry)) }
func (h *onceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = onceEntry{}
	*h = old[:len(old)-1]
	return e
}
