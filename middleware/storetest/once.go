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

// TestOnceStore checks a [middleware.OnceStore]: the first use of a key only, markers kept until
// their until and forgotten after, refused uses that extend nothing, opaque keys, refused
// invalid markers, exactly one first among parallel uses. newStore must return a fresh, empty
// store that reads clock.Now; it is called once per subtest. A store whose records expire on a
// server's clock (Redis) must compare the untils it recorded with the clock it is given, so that
// its answers follow the suite's clock exactly (its own expiry then only removes records late).
func TestOnceStore(t *testing.T, newStore func(t *testing.T, clock *Clock) middleware.OnceStore) {
	t.Helper()
	setup := func(t *testing.T) (middleware.OnceStore, *Clock) {
		clk := NewClock(start())
		return newStore(t, clk), clk
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
