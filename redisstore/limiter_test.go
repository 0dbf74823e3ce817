package redisstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
)

// The limiter's rules are checked by the conformance suite (conformance_test.go); these tests
// check what is Redis's own: key names, expiries, records the store did not write, and the
// separate limiter client.

func hit(t *testing.T, l middleware.Limiter, key middleware.ThrottleKey) time.Duration {
	t.Helper()
	d, err := l.Hit(t.Context(), key)
	if err != nil {
		t.Fatalf("Hit(%q): %v", key, err)
	}
	return d
}

// limiterKeys returns the names of a client's two keys, as keys.go documents them.
func limiterKeys(prefix string, key middleware.ThrottleKey) (client, account string) {
	sum := sha256.Sum256([]byte(key.Client))
	client = prefix + "hit:{" + hex.EncodeToString(sum[:16]) + "}"
	return client, client + ":" + key.Account
}

func TestHitKeys(t *testing.T) {
	const max, budget, window = 3, 10, time.Hour
	client := newClient(t, redisOptions(t))
	s, prefix := newStore(t, client, redisstore.WithLoginLimit(max, window), redisstore.WithClientLimit(budget))
	k := middleware.ThrottleKey{Client: "203.0.113.9", Account: "acct"}
	clientKey, accountKey := limiterKeys(prefix, k)

	for range max + 2 {
		hit(t, s, k)
	}
	got := keys(t, client, prefix)
	sort.Strings(got)
	if want := []string{clientKey, accountKey}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("keys = %q, want %q", got, want)
	}
	for _, key := range got {
		if d := pttl(t, client, key); d > window || d < window-time.Minute {
			t.Errorf("TTL of %s = %v, want the window, %v", key, d, window)
		}
	}
	if n, _ := client.Get(t.Context(), accountKey).Int(); n != max {
		t.Errorf("account counter = %d, want %d: refused attempts must not count", n, max)
	}
	if n, _ := client.Get(t.Context(), clientKey).Int(); n != max {
		t.Errorf("client counter = %d, want %d", n, max)
	}

	if err := s.Reset(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	if n, _ := client.Get(t.Context(), clientKey).Int(); n != max-1 {
		t.Errorf("client counter after Reset = %d, want %d", n, max-1)
	}
	if d := pttl(t, client, clientKey); d < window-time.Minute {
		t.Errorf("Reset shortened the client's window: TTL %v", d)
	}
	if n, err := client.Exists(t.Context(), accountKey).Result(); err != nil || n != 0 {
		t.Errorf("account counter after Reset: exists %d, %v; want gone", n, err)
	}

	// A client with nothing left outstanding leaves nothing behind.
	other := middleware.ThrottleKey{Client: "198.51.100.1", Account: "acct"}
	hit(t, s, other)
	if err := s.Reset(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if n := len(keys(t, client, prefix)); n != 1 {
		t.Errorf("%d keys after a first-try login, want only the other client's one", n)
	}
}

// TestHitForeignRecords: a counter without expiry gets one; a value that is not a counter
// never lets an attempt through (the call fails, or a huge number refuses it).
func TestHitForeignRecords(t *testing.T) {
	const max, window = 3, time.Hour
	client := newClient(t, redisOptions(t))
	s, prefix := newStore(t, client, redisstore.WithLoginLimit(max, window))
	ctx := t.Context()
	k := middleware.ThrottleKey{Client: "c", Account: "a"}
	clientKey, accountKey := limiterKeys(prefix, k)

	if err := client.Set(ctx, accountKey, max, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if d := hit(t, s, k); d != window {
		t.Errorf("account counter without expiry: retryAfter = %v, want %v", d, window)
	}
	pttl(t, client, accountKey)
	if err := client.Del(ctx, accountKey).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, clientKey, 1, 0).Err(); err != nil {
		t.Fatal(err)
	}
	hit(t, s, k)
	pttl(t, client, clientKey) // counted, and given the expiry it lacked

	for name, write := range map[string]func(key string) error{
		"a string":  func(key string) error { return client.Set(ctx, key, "not a number", time.Hour).Err() },
		"a hash":    func(key string) error { return client.HSet(ctx, key, "n", 1).Err() },
		"a float":   func(key string) error { return client.Set(ctx, key, "1.5", time.Hour).Err() },
		"too large": func(key string) error { return client.Set(ctx, key, "99999999999999999999", time.Hour).Err() },
	} {
		for _, key := range []string{clientKey, accountKey} {
			client.Del(ctx, clientKey, accountKey)
			if err := write(key); err != nil {
				t.Fatal(err)
			}
			d, err := s.Hit(ctx, k)
			if err == nil && d == 0 {
				t.Errorf("%s at %s: attempt allowed, want it refused or an error", name, key)
			}
			if err != nil && !errors.Is(err, redisstore.ErrUnavailable) {
				t.Errorf("%s at %s: err = %v, want ErrUnavailable", name, key, err)
			}
		}
	}
}

// TestLimiterClient keeps login counts on a Redis of their own: a flood fills that one, and
// the revocations, on the other, never notice.
func TestLimiterClient(t *testing.T) {
	revocations := newClient(t, &redis.Options{Addr: startServer(t).Addr(), ContextTimeoutEnabled: true})
	limits := newClient(t, &redis.Options{Addr: startServer(t).Addr(), ContextTimeoutEnabled: true})
	s, err := redisstore.New(revocations, redisstore.WithLimiterClient(limits))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	now := time.Now()
	if err := s.Revoke(ctx, "sid-1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	hit(t, s, middleware.ThrottleKey{Client: "c", Account: "a"})
	if got := recordKeys(t, revocations, redisstore.DefaultPrefix); len(got) != 1 || got[0] != redisstore.DefaultPrefix+"sid:sid-1" {
		t.Errorf("revocation Redis holds %q, want only the revocation (and the journal)", got)
	}
	if got := keys(t, limits, ""); len(got) != 2 {
		t.Errorf("limiter Redis holds %q, want the two counters", got)
	}
	if err := s.Reset(ctx, middleware.ThrottleKey{Client: "c", Account: "a"}); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, limits, ""); len(got) != 0 {
		t.Errorf("limiter Redis after Reset holds %q, want nothing", got)
	}
}
