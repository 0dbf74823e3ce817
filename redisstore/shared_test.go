package redisstore_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
)

// TestTwoInstances plays two application instances: two stores, each with a client of its own,
// sharing one Redis and one prefix.
func TestTwoInstances(t *testing.T) {
	opt := redisOptions(t)
	clientA, clientB := newClient(t, opt), newClient(t, opt)
	prefix := testPrefix(t, clientA)
	newInstance := func(t *testing.T) (*redisstore.Store, *redisstore.Store) {
		opts := []redisstore.Option{redisstore.WithPrefix(prefix), redisstore.WithLoginLimit(4, time.Hour), redisstore.WithTimeout(5 * time.Second)}
		a, err := redisstore.New(clientA, opts...)
		if err != nil {
			t.Fatal(err)
		}
		b, err := redisstore.New(clientB, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
	ctx := t.Context()
	now := time.Now()
	login := middleware.ThrottleKey{Client: "c", Account: "login"}

	t.Run("logout on one, refused on the other", func(t *testing.T) {
		a, b := newInstance(t)
		if isRevoked(t, b, "sid-1", "alice", now) {
			t.Fatal("B: revoked before logout")
		}
		if err := a.Revoke(ctx, "sid-1", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !isRevoked(t, b, "sid-1", "alice", now) {
			t.Error("B: session revoked on A is not revoked")
		}
	})

	t.Run("log out everywhere on one, refused on the other", func(t *testing.T) {
		a, b := newInstance(t)
		if err := b.RevokeSubject(ctx, "bob", now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !isRevoked(t, a, "sid-2", "bob", now.Add(-time.Minute)) {
			t.Error("A: session of a subject revoked on B is not revoked")
		}
		if isRevoked(t, a, "sid-3", "bob", now.Add(time.Minute)) {
			t.Error("A: session begun after the cut-off is revoked")
		}
	})

	t.Run("attempts counted across both", func(t *testing.T) {
		a, b := newInstance(t)
		for i, s := range []*redisstore.Store{a, b, a, b} {
			if d := hit(t, s, login); d != 0 {
				t.Fatalf("attempt %d: retryAfter = %v, want 0", i+1, d)
			}
		}
		if d := hit(t, a, login); d == 0 {
			t.Error("A: fifth attempt allowed, want blocked")
		}
		if d := hit(t, b, login); d == 0 {
			t.Error("B: sixth attempt allowed, want blocked")
		}
		if err := b.Reset(ctx, login); err != nil {
			t.Fatal(err)
		}
		if d := hit(t, a, login); d != 0 {
			t.Errorf("A: after Reset on B: retryAfter = %v, want 0", d)
		}
	})

	t.Run("parallel attempts across both", func(t *testing.T) {
		a, b := newInstance(t)
		var (
			wg      sync.WaitGroup
			allowed atomic.Int32
		)
		for i := range 20 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				d, err := s.Hit(ctx, middleware.ThrottleKey{Client: "c", Account: "parallel"})
				if err != nil {
					t.Error(err)
				}
				if err == nil && d == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != 4 {
			t.Errorf("%d parallel attempts allowed, want 4", got)
		}
	})
}
