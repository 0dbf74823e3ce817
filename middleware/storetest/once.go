// Package storetest holds the conformance suites that every implementation of a keycard store
// interface runs, so that the in-memory stores and the shared ones (redisstore) are held to one
// contract instead of being compared with each other.
package storetest

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// Clock is the settable clock a suite hands to the store under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time. Safe for concurrent use.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d. Safe for concurrent use.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// onceStart is the suite's fixed start, with a fraction of a second to catch rounding.
var onceStart = time.Date(2030, time.March, 4, 5, 6, 7, 300_000_000, time.UTC)

// RunOnce runs the [middleware.OnceStore] conformance suite. open returns an empty store that
// reads the time from now; each subtest opens its own. Stores whose expiry follows a server's
// clock must compare the untils they recorded with now, so that the suite can move time
// without waiting.
func RunOnce(t *testing.T, open func(t *testing.T, now func() time.Time) middleware.OnceStore) {
	setup := func(t *testing.T) (middleware.OnceStore, *Clock) {
		clk := NewClock(onceStart)
		return open(t, clk.Now), clk
	}
	use := func(t *testing.T, s middleware.OnceStore, key string, until time.Time) bool {
		t.Helper()
		first, err := s.Use(t.Context(), key, until)
		if err != nil {
			t.Fatalf("Use(%q): %v", key, err)
		}
		return first
	}

	t.Run("first use only", func(t *testing.T) {
		s, clk := setup(t)
		until := clk.Now().Add(time.Minute)
		if !use(t, s, "a", until) {
			t.Fatal("first Use = false, want true")
		}
		for i := range 3 {
			if use(t, s, "a", until.Add(time.Duration(i)*time.Hour)) {
				t.Fatalf("Use %d of a used key = true, want false", i+2)
			}
		}
		if !use(t, s, "b", until) {
			t.Error("another key: Use = false, want true")
		}
	})

	t.Run("kept until until, forgotten after", func(t *testing.T) {
		s, clk := setup(t)
		until := clk.Now().Add(90 * time.Second)
		use(t, s, "k", until)
		clk.Advance(90*time.Second - time.Millisecond)
		if use(t, s, "k", clk.Now().Add(time.Minute)) {
			t.Fatal("a millisecond before until: Use = true, want false")
		}
		clk.Advance(time.Millisecond)
		if !use(t, s, "k", clk.Now().Add(time.Minute)) {
			t.Fatal("at until: Use = false, want true (the marker has expired)")
		}
		if use(t, s, "k", clk.Now().Add(time.Minute)) {
			t.Fatal("the renewed marker: Use = true, want false")
		}
	})

	t.Run("a refused use does not extend the marker", func(t *testing.T) {
		s, clk := setup(t)
		use(t, s, "k", clk.Now().Add(time.Minute))
		use(t, s, "k", clk.Now().Add(time.Hour))
		clk.Advance(time.Minute)
		if !use(t, s, "k", clk.Now().Add(time.Minute)) {
			t.Error("after the first until: Use = false, want true")
		}
	})

	t.Run("keys are opaque", func(t *testing.T) {
		s, clk := setup(t)
		until := clk.Now().Add(time.Minute)
		keys := []string{"totp:1:2", "totp:1:20", "totp:12", "pending:x", "PENDING:x", "é:\x00:\xff", " ", strings.Repeat("k", middleware.MaxOnceKeyLen)}
		for _, k := range keys {
			if !use(t, s, k, until) {
				t.Errorf("Use(%q) = false on first use: keys must not collide", k)
			}
		}
		for _, k := range keys {
			if use(t, s, k, until) {
				t.Errorf("Use(%q) = true on second use", k)
			}
		}
	})

	t.Run("invalid markers are refused", func(t *testing.T) {
		s, clk := setup(t)
		now := clk.Now()
		for name, c := range map[string]struct {
			key   string
			until time.Time
		}{
			"empty key":    {"", now.Add(time.Minute)},
			"key too long": {strings.Repeat("k", middleware.MaxOnceKeyLen+1), now.Add(time.Minute)},
			"until now":    {"k", now},
			"until past":   {"k", now.Add(-time.Second)},
			"zero until":   {"k", time.Time{}},
		} {
			first, err := s.Use(t.Context(), c.key, c.until)
			if !errors.Is(err, middleware.ErrOnceKey) || first {
				t.Errorf("%s: Use = %v, %v; want false, ErrOnceKey", name, first, err)
			}
		}
		if !use(t, s, "k", now.Add(time.Minute)) {
			t.Error("a refused marker was stored")
		}
	})

	t.Run("parallel uses of one key: exactly one first", func(t *testing.T) {
		s, clk := setup(t)
		until := clk.Now().Add(time.Minute)
		const n = 32
		var firsts, fails atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				first, err := s.Use(t.Context(), "race", until)
				switch {
				case err != nil:
					fails.Add(1)
				case first:
					firsts.Add(1)
				}
			})
		}
		wg.Wait()
		if firsts.Load() != 1 || fails.Load() != 0 {
			t.Errorf("%d parallel uses: %d first, %d errors; want exactly 1 first and no error", n, firsts.Load(), fails.Load())
		}
	})

	t.Run("many keys", func(t *testing.T) {
		s, clk := setup(t)
		until := clk.Now().Add(time.Minute)
		for i := range 200 {
			if !use(t, s, "many:"+strconv.Itoa(i), until) {
				t.Fatalf("key %d: first Use = false", i)
			}
		}
		clk.Advance(time.Minute)
		for i := range 200 {
			if !use(t, s, "many:"+strconv.Itoa(i), clk.Now().Add(time.Minute)) {
				t.Fatalf("key %d after expiry: Use = false", i)
			}
		}
	})
}
