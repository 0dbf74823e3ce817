package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// The verified-token cache must never change an answer: every test here checks a request
// whose token is in the cache gets exactly the answer a fresh verification would give.

// cacheFixture is a Sessions over an HS256 codec with the given options, and a way to send a
// token to RequireSession and learn the status and the reason for a rejection.
type cacheFixture struct {
	clk      *clock
	codec    *token.Codec[User]
	sessions *middleware.Sessions[User]
	handler  http.Handler

	mu  sync.Mutex
	err error // the last rejection's reason
}

func newCacheFixture(t *testing.T, clk *clock, codecOpts []token.Option, opts ...middleware.Option) *cacheFixture {
	t.Helper()
	f := &cacheFixture{clk: clk}
	f.codec = newCodec(t, f.clk, codecOpts...)
	opts = append(opts, middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, _ *http.Request, err error) {
		f.mu.Lock()
		f.err = err
		f.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}))
	s, err := middleware.New(f.codec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.sessions = s
	f.handler = s.RequireSession(protected)
	return f
}

// get sends raw as the session cookie and returns the status and, for a 401, the reason.
func (f *cacheFixture) get(raw string) (int, error) {
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	f.mu.Lock()
	f.err = nil
	f.mu.Unlock()
	rec := serve(f.handler, req)
	f.mu.Lock()
	defer f.mu.Unlock()
	return rec.Code, f.err
}

func (f *cacheFixture) issue(t *testing.T) (string, *token.Claims[User]) {
	t.Helper()
	raw, claims, err := f.codec.Issue("user-1", alice)
	if err != nil {
		t.Fatal(err)
	}
	return raw, claims
}

// mustServe fails the test unless raw is served (200).
func (f *cacheFixture) mustServe(t *testing.T, raw, when string) {
	t.Helper()
	if code, err := f.get(raw); code != http.StatusOK {
		t.Fatalf("%s: got %d (%v), want 200", when, code, err)
	}
}

// mustReject fails the test unless raw is refused with a reason matching want.
func (f *cacheFixture) mustReject(t *testing.T, raw, when string, want error) {
	t.Helper()
	code, err := f.get(raw)
	if code != http.StatusUnauthorized || !errors.Is(err, want) {
		t.Fatalf("%s: got %d (%v), want 401 matching %v", when, code, err, want)
	}
}

func TestCacheNotServedPastExpiry(t *testing.T) {
	for _, leeway := range []time.Duration{0, 5 * time.Second} {
		t.Run(fmt.Sprintf("leeway=%v", leeway), func(t *testing.T) {
			f := newCacheFixture(t, newClock(), []token.Option{token.WithLeeway(leeway)})
			raw, claims := f.issue(t)
			f.mustServe(t, raw, "fresh token")
			if n := middleware.CacheLen(f.sessions); n != 1 {
				t.Fatalf("cache entries after one request: got %d, want 1", n)
			}
			// The token is cached; the last second of its life it is still served (and renewed,
			// but the browser here keeps presenting the old one).
			f.clk.Advance(claims.Expiry.Sub(f.clk.Now()) - time.Second)
			f.mustServe(t, raw, "one second before exp")
			// From exp on, the cache must not answer; verification grants at most the leeway.
			f.clk.Advance(time.Second)
			if leeway == 0 {
				f.mustReject(t, raw, "at exp", token.ErrExpired)
			}
			f.clk.Advance(leeway)
			f.mustReject(t, raw, "at exp + leeway", token.ErrExpired)
			f.mustReject(t, raw, "again at exp + leeway", token.ErrExpired)
		})
	}
}

func TestCacheDroppedWhenKeyRemoved(t *testing.T) {
	f := newCacheFixture(t, newClock(), nil)
	raw, _ := f.issue(t)
	f.mustServe(t, raw, "before rotation")
	f.mustServe(t, raw, "cached")

	oldKey, _ := token.NewHMACKey("k1", token.HS256, testSecret)
	newKey, _ := token.NewHMACKey("k2", token.HS256, []byte("the-next-signing-secret-32-bytes"))
	rotated, _ := token.NewKeySet(newKey, oldKey)
	if err := f.codec.SetKeys(rotated); err != nil {
		t.Fatal(err)
	}
	f.mustServe(t, raw, "old key still verify-only")

	only, _ := token.NewKeySet(newKey)
	if err := f.codec.SetKeys(only); err != nil {
		t.Fatal(err)
	}
	f.mustReject(t, raw, "old key removed", token.ErrUnknownKey)
	if n := middleware.CacheLen(f.sessions); n > 1 {
		t.Errorf("cache entries after the key set changed: got %d, want at most 1", n)
	}

	// A new key set holding the same key again (a new pointer) verifies afresh.
	back, _ := token.NewKeySet(oldKey)
	if err := f.codec.SetKeys(back); err != nil {
		t.Fatal(err)
	}
	f.mustServe(t, raw, "old key restored")
}

func TestCacheRevocationCheckedEveryRequest(t *testing.T) {
	t.Run("session", func(t *testing.T) {
		clk := newClock()
		store := middleware.NewMemoryRevocation(clk.Now)
		f := newCacheFixture(t, clk, nil, middleware.WithRevocation(store))
		raw, claims := f.issue(t)
		f.mustServe(t, raw, "before revocation")
		f.mustServe(t, raw, "cached")
		if err := store.Revoke(context.Background(), claims.SessionID, f.clk.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		f.mustReject(t, raw, "revoked while cached", middleware.ErrRevoked)
	})
	t.Run("subject", func(t *testing.T) {
		clk := newClock()
		store := middleware.NewMemoryRevocation(clk.Now)
		f := newCacheFixture(t, clk, nil, middleware.WithRevocation(store))
		raw, claims := f.issue(t)
		f.mustServe(t, raw, "before log out everywhere")
		if err := store.RevokeSubject(context.Background(), claims.Subject, f.clk.Now().Add(time.Millisecond), f.clk.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		f.mustReject(t, raw, "subject revoked while cached", middleware.ErrRevoked)
	})
	t.Run("store down", func(t *testing.T) {
		f := newCacheFixture(t, newClock(), nil, middleware.WithRevocation(failingStore{}))
		raw, _ := f.issue(t)
		f.mustReject(t, raw, "first request", middleware.ErrStoreUnavailable)
		f.mustReject(t, raw, "second request", middleware.ErrStoreUnavailable)
	})
}

func TestCacheBounded(t *testing.T) {
	const size = 3
	f := newCacheFixture(t, newClock(), nil, middleware.WithCache(size))
	var tokens []string
	for i := range 20 {
		raw, _ := f.issue(t)
		tokens = append(tokens, raw)
		f.mustServe(t, raw, fmt.Sprintf("token %d", i))
		if n := middleware.CacheLen(f.sessions); n > size {
			t.Fatalf("after %d tokens: cache holds %d entries, bound %d", i+1, n, size)
		}
	}
	// Evicted tokens are simply verified again.
	for i, raw := range tokens {
		f.mustServe(t, raw, fmt.Sprintf("token %d again", i))
	}
	if n := middleware.CacheLen(f.sessions); n != size {
		t.Errorf("cache entries: got %d, want %d", n, size)
	}
}

func TestCacheOff(t *testing.T) {
	f := newCacheFixture(t, newClock(), []token.Option{token.WithLeeway(0)}, middleware.WithCache(0))
	raw, claims := f.issue(t)
	for i := range 3 {
		f.mustServe(t, raw, fmt.Sprintf("request %d", i))
	}
	if n := middleware.CacheLen(f.sessions); n != 0 {
		t.Errorf("WithCache(0): cache holds %d entries, want 0", n)
	}
	f.mustReject(t, tamper(raw), "tampered", token.ErrSignature)
	f.clk.Advance(claims.Expiry.Sub(f.clk.Now()))
	f.mustReject(t, raw, "at exp", token.ErrExpired)

	if _, err := middleware.New(f.codec, middleware.WithCache(-1)); err == nil {
		t.Error("WithCache(-1): New succeeded, want an error")
	}
}

// tamper flips one character of the token's payload segment.
func tamper(raw string) string {
	b := []byte(raw)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestCacheConcurrentRotation hits the cache from many goroutines while another one rotates the
// key set back and forth, under -race. A token of the permanent key is always served, a
// tampered one never, and once rotation stops on a key set without the second key, that key's
// token is refused although it was cached under the other set.
func TestCacheConcurrentRotation(t *testing.T) {
	f := newCacheFixture(t, newClock(), nil, middleware.WithCache(8))
	k1, _ := token.NewHMACKey("k1", token.HS256, testSecret)
	k2, _ := token.NewHMACKey("k2", token.HS256, []byte("the-next-signing-secret-32-bytes"))
	withK1, _ := token.NewKeySet(k1)
	withK2, _ := token.NewKeySet(k2, k1)

	var stable []string
	for range 12 { // more tokens than entries, so eviction runs too
		raw, _ := f.issue(t)
		stable = append(stable, raw)
	}
	if err := f.codec.SetKeys(withK2); err != nil {
		t.Fatal(err)
	}
	signedK2, _ := f.issue(t)
	bad := tamper(stable[0])

	var stop atomic.Bool
	var rotations atomic.Int64
	var rotator sync.WaitGroup
	rotator.Go(func() {
		for i := 0; !stop.Load(); i++ {
			ks := withK1
			if i%2 == 1 {
				ks = withK2
			}
			if err := f.codec.SetKeys(ks); err != nil {
				t.Error(err)
				return
			}
			rotations.Add(1)
			time.Sleep(50 * time.Microsecond) // let requests hit each set (not waiting for time to pass)
		}
	})

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				raw := stable[(g+i)%len(stable)]
				want := http.StatusOK
				switch i % 10 {
				case 3:
					raw, want = bad, http.StatusUnauthorized
				case 7:
					raw, want = signedK2, 0 // 200 or 401, depending on the set in force
				}
				req := httptest.NewRequest("GET", "/api/me", nil)
				req.Header.Set("Cookie", cookieHeader(raw))
				code := serve(f.handler, req).Code
				if (want != 0 && code != want) || (want == 0 && code != http.StatusOK && code != http.StatusUnauthorized) {
					errs <- fmt.Errorf("goroutine %d request %d: got %d, want %d", g, i, code, want)
					return
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	rotator.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if rotations.Load() < 2 {
		t.Fatalf("only %d rotations happened", rotations.Load())
	}

	if err := f.codec.SetKeys(withK2); err != nil {
		t.Fatal(err)
	}
	f.mustServe(t, signedK2, "k2 token under k2's set")
	if err := f.codec.SetKeys(withK1); err != nil {
		t.Fatal(err)
	}
	f.mustReject(t, signedK2, "k2 token, cached, after k2 was removed", token.ErrUnknownKey)
	for _, raw := range stable {
		f.mustServe(t, raw, "k1 token after rotation")
	}
	if n := middleware.CacheLen(f.sessions); n > 8 {
		t.Errorf("cache entries: got %d, bound 8", n)
	}
}
