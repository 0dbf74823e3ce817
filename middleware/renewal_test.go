package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// TestNoRenewalPastExpiry: the verifier's leeway absorbs clock skew; it must not keep a session
// going. Before the fix a request within the leeway after exp got a renewed cookie.
func TestNoRenewalPastExpiry(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  []middleware.Option
		after time.Duration // past exp
	}{
		{"default refresh, 2s past exp", nil, 2 * time.Second},
		{"refresh off, 2s past exp", []middleware.Option{middleware.WithRefreshAfter(1)}, 2 * time.Second},
		{"refresh off, at exp", []middleware.Option{middleware.WithRefreshAfter(1)}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			raw, _ := f.issue(t)
			f.clk.Advance(f.codec.Lifetime() + tt.after)
			req := httptest.NewRequest("GET", "/api/me", nil)
			req.Header.Set("Cookie", cookieHeader(raw))
			rec := serve(f.sessions.RequireSession(protected), req)
			if c, ok := setCookie(rec); ok && c.MaxAge > 0 {
				t.Fatalf("a token %v past its exp was renewed (status %d)", tt.after, rec.Code)
			}
		})
	}
	// With the key rotated, a token past exp is not moved onto the new key either.
	f := newFixture(t)
	raw, _ := f.issue(t)
	oldKey, _ := token.NewHMACKey("k1", token.HS256, testSecret)
	newKey, _ := token.NewHMACKey("k2", token.HS256, []byte("the-next-signing-secret-32-bytes"))
	keys, _ := token.NewKeySet(newKey, oldKey)
	_ = f.codec.SetKeys(keys)
	f.clk.Advance(f.codec.Lifetime() + 2*time.Second)
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if c, ok := setCookie(serve(f.sessions.RequireSession(protected), req)); ok && c.MaxAge > 0 {
		t.Fatal("a token past its exp was renewed onto the new key")
	}
	// Still renewed when it is due and not expired.
	f = newFixture(t, middleware.WithRefreshAfter(1))
	raw, _ = f.issue(t)
	f.clk.Advance(f.codec.Lifetime() - time.Second)
	req.Header.Set("Cookie", cookieHeader(raw))
	if _, ok := setCookie(serve(f.sessions.RequireSession(protected), req)); ok {
		t.Fatal("renewed before the whole lifetime was used, with WithRefreshAfter(1)")
	}
}

// TestVaryCookieOnce: a 401 that also clears the cookie names Cookie in Vary once.
func TestVaryCookieOnce(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	f.clk.Advance(2 * f.codec.Lifetime())
	for _, accept := range []string{"application/json", "text/html"} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		req.Header.Set("Accept", accept)
		rec := serve(f.sessions.RequireSession(protected), req)
		if _, ok := setCookie(rec); !ok {
			t.Fatalf("%s: cookie not cleared", accept)
		}
		if got := rec.Header().Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
			t.Errorf("%s: Vary = %q, want [Cookie]", accept, got)
		}
	}
}

// TestCacheForgetsRemovedKey: once a key is removed, its tokens must fail with ErrUnknownKey
// even after the cache has been filled again under the new key set. A cache that kept entries
// of a previous key set would serve the removed key's token from memory.
func TestCacheForgetsRemovedKey(t *testing.T) {
	f := newFixture(t)
	oldRaw, _ := f.issue(t)
	var got error
	s, err := middleware.New(f.codec, middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusUnauthorized)
	}))
	if err != nil {
		t.Fatal(err)
	}
	h := s.RequireSession(protected)
	get := func(raw string) int {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		got = nil
		return serve(h, req).Code
	}
	if code := get(oldRaw); code != 200 {
		t.Fatalf("old-key token before rotation: %d", code)
	}
	newKey, _ := token.NewHMACKey("k2", token.HS256, []byte("the-next-signing-secret-32-bytes"))
	only, _ := token.NewKeySet(newKey)
	if err := f.codec.SetKeys(only); err != nil {
		t.Fatal(err)
	}
	newRaw, _ := f.issue(t)
	if code := get(newRaw); code != 200 {
		t.Fatalf("new-key token: %d", code)
	}
	if code := get(oldRaw); code != 401 || !errors.Is(got, token.ErrUnknownKey) {
		t.Fatalf("removed key's token: got %d (%v), want 401 with ErrUnknownKey", code, got)
	}
}
