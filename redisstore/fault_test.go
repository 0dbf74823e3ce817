package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// maxFailTime bounds how long a failing call may take. The store's timeout is 100ms; the bound
// is generous so that a loaded machine does not make the test flaky.
const maxFailTime = 2 * time.Second

// eachCall runs every Store method once and reports each one's error and duration.
func eachCall(s *redisstore.Store, check func(name string, err error, elapsed time.Duration)) {
	ctx := context.Background()
	now := time.Now()
	calls := []struct {
		name string
		call func() error
	}{
		{"IsRevoked", func() error { _, err := s.IsRevoked(ctx, "sid-1", "alice", now, 0); return err }},
		{"Revoke", func() error { return s.Revoke(ctx, "sid-2", now.Add(time.Hour)) }},
		{"RevokeSubject", func() error { return s.RevokeSubject(ctx, "bob", now, now.Add(time.Hour)) }},
		{"Hit", func() error { _, err := s.Hit(ctx, middleware.ThrottleKey{Client: "c", Account: "k"}); return err }},
		{"Reset", func() error { return s.Reset(ctx, middleware.ThrottleKey{Client: "c", Account: "k"}) }},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call()
		check(c.name, err, time.Since(start))
	}
}

// faultStore returns a store on a server of the test's own, which the test may stop.
func faultStore(t *testing.T) (*redisstore.Store, *testServer) {
	t.Helper()
	srv := startServer(t)
	client := newClient(t, &redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	s, _ := newStore(t, client, redisstore.WithTimeout(100*time.Millisecond))
	if err := s.Revoke(t.Context(), "sid-1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return s, srv
}

func expectUnavailable(t *testing.T, s *redisstore.Store, cause error) {
	t.Helper()
	eachCall(s, func(name string, err error, elapsed time.Duration) {
		if !errors.Is(err, redisstore.ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", name, err)
		}
		if cause != nil && !errors.Is(err, cause) {
			t.Errorf("%s: err = %v, want it to wrap %v", name, err, cause)
		}
		t.Logf("%s failed after %v: %v", name, elapsed.Round(time.Millisecond), err)
		if elapsed > maxFailTime {
			t.Errorf("%s: failed after %v, want under %v", name, elapsed, maxFailTime)
		}
	})
}

// expectRecovery waits until the store answers again, then checks every call succeeds.
func expectRecovery(t *testing.T, s *redisstore.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := s.IsRevoked(t.Context(), "sid-1", "alice", time.Now(), 0)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	eachCall(s, func(name string, err error, _ time.Duration) {
		if err != nil {
			t.Errorf("%s after recovery: %v", name, err)
		}
	})
}

// TestServerDown kills Redis mid-run: every call fails fast with ErrUnavailable, and service
// resumes when Redis comes back on the same port.
func TestServerDown(t *testing.T) {
	s, srv := faultStore(t)
	srv.Stop()
	expectUnavailable(t, s, nil)

	srv.Start()
	expectRecovery(t, s)
	// The restarted server has no persistence: the revocation made before is gone. Production
	// servers need persistence or replicas (see the package documentation).
	if isRevoked(t, s, "sid-1", "alice", time.Now()) {
		t.Error("revocation survived a restart without persistence; the test's assumption is wrong")
	}
}

// TestServerStalled freezes Redis: connections stay open and nothing answers, the case a
// deadline is for. Every call gives up at the store's timeout.
func TestServerStalled(t *testing.T) {
	s, srv := faultStore(t)
	srv.Pause()
	expectUnavailable(t, s, context.DeadlineExceeded)

	srv.Resume()
	expectRecovery(t, s)
	if !isRevoked(t, s, "sid-1", "alice", time.Now()) {
		t.Error("revocation lost across a stall")
	}
}

// TestCallerContext checks that the caller's own deadline and cancellation are honoured.
func TestCallerContext(t *testing.T) {
	client := newClient(t, redisOptions(t))
	s, _ := newStore(t, client)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.IsRevoked(ctx, token.SessionID("sid"), token.Subject("sub"), time.Now(), 0)
	if !errors.Is(err, redisstore.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want ErrUnavailable and context.Canceled", err)
	}
}
