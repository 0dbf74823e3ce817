package redisstore_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
	"github.com/keycard-go/keycard/redisstore"
)

func TestOnceConformance(t *testing.T) {
	client := newClient(t, redisOptions(t))
	storetest.TestOnceStore(t, func(t *testing.T, clock *storetest.Clock) middleware.OnceStore {
		// A generous timeout: parallel uses under -race on a loaded machine must not time out,
		// which the suite would count as failures.
		s, _ := newStore(t, client, redisstore.WithClock(clock.Now), redisstore.WithTimeout(5*time.Second))
		return s
	})
}

// TestOnceAcrossInstances: two stores on their own connections to one server, as two instances
// of an application, agree on every marker, also when they race for it.
func TestOnceAcrossInstances(t *testing.T) {
	opt := redisOptions(t)
	a, prefix := newStore(t, newClient(t, opt), redisstore.WithTimeout(5*time.Second))
	b, err := redisstore.New(newClient(t, opt), redisstore.WithPrefix(prefix), redisstore.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Minute)
	if first, err := a.Use(t.Context(), "totp:acct:123", until); !first || err != nil {
		t.Fatalf("instance A: Use = %v, %v", first, err)
	}
	if first, err := b.Use(t.Context(), "totp:acct:123", until); first || err != nil {
		t.Fatalf("instance B after A: Use = %v, %v; want false", first, err)
	}
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			if first, err := s.Use(t.Context(), "race", until); err == nil && first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Errorf("20 racing uses on two instances: %d first, want 1", firsts.Load())
	}
}

func TestOnceRecordExpires(t *testing.T) {
	client := newClient(t, redisOptions(t))
	clk := newClock(t0)
	s, prefix := newStore(t, client, redisstore.WithClock(clk.Now))
	if _, err := s.Use(t.Context(), "k", t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if d := pttl(t, client, prefix+"once:k"); d > 90*time.Second || d < 80*time.Second {
		t.Errorf("TTL = %v, want the marker's 90s", d)
	}
}

func TestOnceUnavailable(t *testing.T) {
	srv := startServer(t)
	s, _ := newStore(t, newClient(t, &redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true}))
	srv.Stop()
	first, err := s.Use(t.Context(), "k", time.Now().Add(time.Minute))
	if first || !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("server down: Use = %v, %v; want false, ErrUnavailable", first, err)
	}
}
