package redisstore_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
)

func hit(t *testing.T, l middleware.Limiter, key string) time.Duration {
	t.Helper()
	d, err := l.Hit(t.Context(), key)
	if err != nil {
		t.Fatalf("Hit(%q): %v", key, err)
	}
	return d
}

func TestHit(t *testing.T) {
	const max, window = 3, time.Hour
	setup := func(t *testing.T) (*redisstore.Store, *redis.Client, string) {
		client := newClient(t, redisOptions(t))
		s, prefix := newStore(t, client, redisstore.WithLoginLimit(max, window))
		return s, client, prefix
	}

	t.Run("max attempts per window", func(t *testing.T) {
		s, client, prefix := setup(t)
		for i := range max {
			if d := hit(t, s, "k"); d != 0 {
				t.Fatalf("attempt %d: retryAfter = %v, want 0", i+1, d)
			}
		}
		before := pttl(t, client, prefix+"hit:k")
		for i := range 3 {
			d := hit(t, s, "k")
			if d <= 0 || d > window {
				t.Fatalf("blocked attempt %d: retryAfter = %v, want in (0, %v]", i+1, d, window)
			}
		}
		if after := pttl(t, client, prefix+"hit:k"); after > before {
			t.Errorf("window extended by blocked attempts: TTL %v, then %v", before, after)
		}
		if n, err := client.Get(t.Context(), prefix+"hit:k").Int(); err != nil || n != max {
			t.Errorf("counter = %d, %v; want %d: blocked attempts must not count", n, err, max)
		}
		if d := hit(t, s, "other"); d != 0 {
			t.Errorf("other key: retryAfter = %v, want 0", d)
		}
	})

	t.Run("window expires with the counter", func(t *testing.T) {
		s, client, prefix := setup(t)
		hit(t, s, "k")
		if d := pttl(t, client, prefix+"hit:k"); d > window || d < window-time.Minute {
			t.Errorf("TTL = %v, want the window, %v", d, window)
		}
		for range max {
			hit(t, s, "k")
		}
		// End the window the way Redis does, without waiting an hour.
		if err := client.PExpireAt(t.Context(), prefix+"hit:k", time.Unix(1, 0)).Err(); err != nil {
			t.Fatal(err)
		}
		if d := hit(t, s, "k"); d != 0 {
			t.Errorf("new window: retryAfter = %v, want 0", d)
		}
		if d := pttl(t, client, prefix+"hit:k"); d < window-time.Minute {
			t.Errorf("new window: TTL = %v, want %v", d, window)
		}
	})

	t.Run("reset", func(t *testing.T) {
		s, client, prefix := setup(t)
		for range max + 1 {
			hit(t, s, "k")
		}
		if err := s.Reset(t.Context(), "k"); err != nil {
			t.Fatal(err)
		}
		if ks := keys(t, client, prefix); len(ks) != 0 {
			t.Errorf("keys after Reset = %q, want none", ks)
		}
		if d := hit(t, s, "k"); d != 0 {
			t.Errorf("after Reset: retryAfter = %v, want 0", d)
		}
		if err := s.Reset(t.Context(), "never-hit"); err != nil {
			t.Errorf("Reset of an unknown key: %v", err)
		}
	})

	t.Run("counter without expiry gets one", func(t *testing.T) {
		s, client, prefix := setup(t)
		if err := client.Set(t.Context(), prefix+"hit:k", max, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if d := hit(t, s, "k"); d != window {
			t.Errorf("retryAfter = %v, want %v", d, window)
		}
		pttl(t, client, prefix+"hit:k")
	})

	t.Run("default limit", func(t *testing.T) {
		client := newClient(t, redisOptions(t))
		s, _ := newStore(t, client)
		for i := range middleware.DefaultLoginAttempts {
			if d := hit(t, s, "k"); d != 0 {
				t.Fatalf("attempt %d: retryAfter = %v, want 0", i+1, d)
			}
		}
		d := hit(t, s, "k")
		if d <= middleware.DefaultLoginWindow-time.Minute || d > middleware.DefaultLoginWindow {
			t.Errorf("retryAfter = %v, want about %v", d, middleware.DefaultLoginWindow)
		}
	})
}

// TestHitConcurrent checks that parallel attempts cannot slip past the limit.
func TestHitConcurrent(t *testing.T) {
	const max, goroutines, attempts = 10, 8, 10
	client := newClient(t, redisOptions(t))
	s, _ := newStore(t, client, redisstore.WithLoginLimit(max, time.Hour), redisstore.WithTimeout(5*time.Second))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range goroutines {
		wg.Go(func() {
			for range attempts {
				d, err := s.Hit(context.Background(), "k")
				if err != nil {
					t.Error(err)
					return
				}
				if d == 0 {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != max {
		t.Errorf("%d attempts allowed, want %d", allowed, max)
	}
}

// TestHitMatchesMemory runs one sequence of attempts and resets against the store and
// [middleware.MemoryLimiter] and expects the same decisions (within one window).
func TestHitMatchesMemory(t *testing.T) {
	const max, window = 3, time.Hour
	client := newClient(t, redisOptions(t))
	s, _ := newStore(t, client, redisstore.WithLoginLimit(max, window))
	clk := newClock(t0)
	mem := middleware.NewMemoryLimiter(max, window, clk.Now)
	ctx := t.Context()
	for i := range 200 {
		key := "k" + strconv.Itoa(i*7%3)
		if i%11 == 10 {
			if err := s.Reset(ctx, key); err != nil {
				t.Fatal(err)
			}
			mem.Reset(ctx, key)
			continue
		}
		want, _ := mem.Hit(ctx, key)
		got := hit(t, s, key)
		if (got > 0) != (want > 0) || got > window {
			t.Fatalf("step %d, Hit(%q) = %v, memory says %v", i, key, got, want)
		}
	}
}
