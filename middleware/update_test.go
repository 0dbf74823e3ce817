package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// updateOn calls Update with payload on a request carrying raw and returns the new cookie.
func updateOn(t *testing.T, s *middleware.Sessions[User], raw string, payload User) (*token.Claims[User], *http.Cookie) {
	t.Helper()
	req := httptest.NewRequest("POST", "/profile", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	rec := httptest.NewRecorder()
	claims, err := s.Update(rec, req, payload)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	c, ok := setCookie(rec)
	if !ok {
		t.Fatal("Update set no cookie")
	}
	return claims, c
}

// TestUpdate: an update keeps the session ID, its start, the login time and methods and the
// remember choice, and carries the new payload; with a revocation store the token from before
// the update is refused at once, even one issued in the same second.
func TestUpdate(t *testing.T) {
	var store *middleware.MemoryRevocation
	f := newRevocationFixture(t, &store)
	admin := alice
	admin.Role = "admin"
	_, c := startOn(t, f.sessions, "", "user-1") // the user's session on another device
	req := httptest.NewRequest("POST", "/", nil)
	rec := httptest.NewRecorder()
	if _, err := f.sessions.Start(rec, req, "user-1", admin, middleware.AuthMethods(middleware.AMRPassword), middleware.RememberMe(true)); err != nil {
		t.Fatal(err)
	}
	withRole, _ := setCookie(rec)

	f.clk.Advance(400 * time.Millisecond) // same second as the login
	before, _ := f.codec.Verify(withRole.Value)
	updated, c2 := updateOn(t, f.sessions, withRole.Value, alice) // the role is removed
	if updated.SessionID != before.SessionID || !updated.SessionStart.Equal(before.SessionStart) ||
		!updated.AuthTime.Equal(before.AuthTime) || !updated.Remember || updated.Version != before.Version+1 ||
		len(updated.AMR) != 1 || updated.Payload.Role != "" || !updated.IssuedAt.Equal(before.IssuedAt) {
		t.Errorf("updated claims %+v, from %+v", updated, before)
	}
	if c2.MaxAge <= 0 {
		t.Errorf("remembered session updated: Max-Age %d, want a persistent cookie", c2.MaxAge)
	}

	var got error
	s, _ := middleware.New(f.codec, middleware.WithRevocation(store),
		middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusUnauthorized)
		}))
	get := func(raw string) int {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(s.RequireSession(protected), req).Code
	}
	if code := get(withRole.Value); code != http.StatusUnauthorized || !errors.Is(got, middleware.ErrRevoked) {
		t.Errorf("token from before the update: got %d (%v), want 401 revoked", code, got)
	}
	if code := get(c2.Value); code != http.StatusOK {
		t.Errorf("token from the update: got %d, want 200", code)
	}
	// A renewal of the old token (a parallel request that passed its check just before the
	// update) keeps the old version, and is refused too.
	_, stale, err := f.codec.Renew(before)
	if err != nil {
		t.Fatal(err)
	}
	staleRaw, _, _ := f.codec.IssueClaims(*stale)
	if code := get(staleRaw); code != http.StatusUnauthorized {
		t.Errorf("renewal of the pre-update token: got %d, want 401", code)
	}
	// The untouched session of another login is not affected.
	if code := get(c.Value); code != http.StatusOK {
		t.Errorf("another session of the user: got %d, want 200", code)
	}
}

// TestUpdateCutOffLasts: the cut-off an update records holds for as long as the older token
// can be valid, not just for a moment: half an hour after the update, the pre-update token of a
// browser session (valid for the hour of its lifetime) is still refused, and so, days later, is
// that of a remembered session, whose token lasts until the session ends.
func TestUpdateCutOffLasts(t *testing.T) {
	for _, tt := range []struct {
		name     string
		remember bool
		wait     time.Duration
	}{
		{"browser session", false, 30 * time.Minute},
		{"remembered session", true, 10 * 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newRevocationFixture(t, nil)
			_, c := startOn(t, f.sessions, "", "user-1", middleware.RememberMe(tt.remember))
			_, c2 := updateOn(t, f.sessions, c.Value, User{Email: "new@example.com"})
			f.clk.Advance(tt.wait)
			get := func(raw string) int {
				req := httptest.NewRequest("GET", "/api/me", nil)
				req.Header.Set("Cookie", cookieHeader(raw))
				return serve(f.sessions.RequireSession(protected), req).Code
			}
			if code := get(c.Value); code != http.StatusUnauthorized {
				t.Errorf("pre-update token %v after the update: got %d, want 401", tt.wait, code)
			}
			if code := get(c2.Value); code != http.StatusOK {
				t.Errorf("updated token %v after the update: got %d, want 200", tt.wait, code)
			}
		})
	}
}

// TestUpdateTwiceInRequest: a second Update in the same request builds on the first (version
// two higher) and cuts off the first update's token too, so that a permission the second update
// removes does not live on in the first one's cookie.
func TestUpdateTwiceInRequest(t *testing.T) {
	f := newRevocationFixture(t, nil)
	raw, orig := f.issue(t)
	var first, second *token.Claims[User]
	var firstRaw string
	h := f.sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		admin := alice
		admin.Role = "admin"
		if first, err = f.sessions.Update(w, r, admin); err != nil {
			t.Fatal(err)
		}
		for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
			firstRaw = c.Value // the session cookie is the only one set so far
		}
		if second, err = f.sessions.Update(w, r, alice); err != nil {
			t.Fatal(err)
		}
	}))
	req := httptest.NewRequest("POST", "/profile", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	serve(h, req)
	if first.Version != orig.Version+1 || second.Version != orig.Version+2 {
		t.Errorf("versions: %d then %d, from %d; want one and two higher", first.Version, second.Version, orig.Version)
	}
	req = httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(firstRaw))
	if code := serve(f.sessions.RequireSession(protected), req).Code; code != http.StatusUnauthorized {
		t.Errorf("the first update's token after the second: got %d, want 401", code)
	}
}

// TestUpdateWithoutStore: without a revocation store the older token keeps working until it
// expires, as documented.
func TestUpdateWithoutStore(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	_, c := updateOn(t, f.sessions, raw, User{Email: "new@example.com"})
	for _, tok := range []string{raw, c.Value} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(tok))
		if rec := serve(f.sessions.RequireSession(protected), req); rec.Code != http.StatusOK {
			t.Errorf("got %d, want 200", rec.Code)
		}
	}
	if c.MaxAge != 0 {
		t.Errorf("not remembered: Max-Age %d, want none", c.MaxAge)
	}
}

// TestUpdateInRequest: inside RequireSession, the handlers after Update see the new claims.
func TestUpdateInRequest(t *testing.T) {
	f := newRevocationFixture(t, nil)
	raw, _ := f.issue(t)
	var after string
	h := f.sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := f.sessions.Update(w, r, User{Email: "new@example.com"}); err != nil {
			t.Error(err)
		}
		c, _ := middleware.ClaimsFrom[User](r.Context())
		after = c.Payload.Email
	}))
	req := httptest.NewRequest("POST", "/profile", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	serve(h, req)
	if after != "new@example.com" {
		t.Errorf("ClaimsFrom after Update: got %q, want the new payload", after)
	}
}

// cutOffFails is a memory store whose RevokeBefore fails.
type cutOffFails struct{ *middleware.MemoryRevocation }

func (cutOffFails) RevokeBefore(context.Context, token.SessionID, uint64, time.Time) error {
	return errStoreDown
}

func TestUpdateFailures(t *testing.T) {
	f := newFixture(t)
	rec := httptest.NewRecorder()
	if _, err := f.sessions.Update(rec, httptest.NewRequest("POST", "/", nil), alice); !errors.Is(err, middleware.ErrNoSession) {
		t.Errorf("without a session: got %v, want ErrNoSession", err)
	}
	big := User{Name: string(make([]byte, 5000))}
	raw, _ := f.issue(t)
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if _, err := f.sessions.Update(rec, req, big); !errors.Is(err, token.ErrTooLarge) {
		t.Errorf("oversized payload: got %v, want token.ErrTooLarge", err)
	}

	clk := newClock()
	codec := newCodec(t, clk)
	s, _ := middleware.New(codec, middleware.WithRevocation(cutOffFails{middleware.NewMemoryRevocation(clk.Now)}))
	raw, _, _ = codec.Issue("user-1", alice)
	req = httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if _, err := s.Update(rec, req, User{}); !errors.Is(err, middleware.ErrStoreUnavailable) {
		t.Errorf("store failure: got %v, want ErrStoreUnavailable", err)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Error("a failed Update set a cookie")
	}
}
