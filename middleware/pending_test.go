package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

func TestLoginHandsOverToSecondFactor(t *testing.T) {
	t.Run("form keeps next", func(t *testing.T) {
		ts := newTwoStep(t)
		rec := serve(ts.mux, formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"/settings?tab=2"}}))
		if got, want := rec.Header().Get("Location"), "/login/2fa?next=%2Fsettings%3Ftab%3D2"; rec.Code != http.StatusSeeOther || got != want {
			t.Fatalf("got %d to %q, want 303 to %q", rec.Code, got, want)
		}
		c, ok := cookieNamed(rec, pendingCookieName)
		if !ok || !c.HttpOnly || !c.Secure || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("pending cookie %+v: want HttpOnly, Secure, Path=/, SameSite=Lax", c)
		}
		if c.MaxAge != int(middleware.DefaultPendingLifetime/time.Second) {
			t.Errorf("pending cookie Max-Age = %d, want %v", c.MaxAge, middleware.DefaultPendingLifetime)
		}
	})
	t.Run("form drops an unsafe next", func(t *testing.T) {
		// The second-step page redirects to next once the login completes: a next that leaves the
		// site must not be handed to it.
		for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
			ts := newTwoStep(t)
			rec := serve(ts.mux, formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {next}}))
			if got := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || got != "/login/2fa" {
				t.Errorf("next %q: got %d to %q, want 303 to /login/2fa", next, rec.Code, got)
			}
		}
	})
	t.Run("JSON", func(t *testing.T) {
		ts := newTwoStep(t)
		rec := serve(ts.mux, jsonLogin(`{"email":"`+demoEmail+`","password":"`+demoPassword+`"}`))
		var got struct {
			Required  bool      `json:"second_factor_required"`
			Path      string    `json:"second_factor_path"`
			ExpiresAt time.Time `json:"expires_at"`
			TriesLeft int       `json:"tries_left"`
			Subject   string    `json:"subject"`
		}
		decodeJSON(t, rec, &got)
		want := start.Add(middleware.DefaultPendingLifetime)
		if rec.Code != 200 || !got.Required || got.Path != "/login/2fa" || !got.ExpiresAt.Equal(want) || got.TriesLeft != middleware.DefaultPendingTries || got.Subject != "" {
			t.Errorf("got %d %+v; want 200, required, /login/2fa, expires %v, %d tries, no subject", rec.Code, got, want, middleware.DefaultPendingTries)
		}
		if _, ok := setCookie(rec); ok {
			t.Error("session cookie set before the second factor")
		}
	})
	t.Run("account without a second factor", func(t *testing.T) {
		f := newFixture(t, middleware.WithSecondFactor("/login/2fa", func(context.Context, token.Subject) (bool, error) { return false, nil }))
		rec := serve(f.sessions.LoginHandler(fakeAuth), formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}}))
		if _, ok := setCookie(rec); rec.Code != http.StatusSeeOther || !ok {
			t.Fatalf("got %d, session cookie %v; want 303 and a session", rec.Code, ok)
		}
		if _, ok := cookieNamed(rec, pendingCookieName); ok {
			t.Error("pending cookie set for an account without a second factor")
		}
	})
	t.Run("check fails closed", func(t *testing.T) {
		f := newFixture(t, middleware.WithSecondFactor("/login/2fa", func(context.Context, token.Subject) (bool, error) {
			return false, errors.New("database down")
		}))
		rec := serve(f.sessions.LoginHandler(fakeAuth), jsonLogin(`{"email":"`+demoEmail+`","password":"`+demoPassword+`"}`))
		if _, ok := setCookie(rec); rec.Code != http.StatusInternalServerError || ok {
			t.Fatalf("got %d, session cookie %v; want 500 and no session", rec.Code, ok)
		}
		if strings.Contains(rec.Body.String(), "database") {
			t.Errorf("body leaks the cause: %q", rec.Body.String())
		}
	})
	t.Run("wrong password gets no pending login", func(t *testing.T) {
		ts := newTwoStep(t)
		rec := serve(ts.mux, formLogin(url.Values{"email": {demoEmail}, "password": {"wrong"}}))
		if _, ok := cookieNamed(rec, pendingCookieName); rec.Code != http.StatusUnauthorized || ok {
			t.Fatalf("got %d, pending cookie %v; want 401 and none", rec.Code, ok)
		}
	})
}

// TestPendingIsNotASession presents a pending credential every way a client could, to every
// way the middleware reads a session.
func TestPendingIsNotASession(t *testing.T) {
	check := func(t *testing.T, s *middleware.Sessions[User], cookie string, wantErr ...error) {
		t.Helper()
		for _, accept := range []string{"text/html", "application/json"} {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", cookie)
			req.Header.Set("Accept", accept)
			rec := serve(s.RequireSession(protected), req)
			if rec.Code != http.StatusSeeOther && rec.Code != http.StatusUnauthorized {
				t.Errorf("RequireSession (Accept %s): %d %q, want 303 or 401", accept, rec.Code, rec.Body.String())
			}
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie)
		var loaded bool
		serve(s.LoadSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, loaded = middleware.ClaimsFrom[User](r.Context())
		})), req)
		if loaded {
			t.Error("LoadSession attached a session")
		}
		claims, err := s.Current(req)
		if claims != nil {
			t.Errorf("Current returned claims for %s", claims.Subject)
		}
		for _, want := range wantErr {
			if !errors.Is(err, want) {
				t.Errorf("Current error %v, want it to match %v", err, want)
			}
		}
	}

	t.Run("in its own cookie", func(t *testing.T) {
		ts := newTwoStep(t)
		raw := ts.login(t)
		check(t, ts.sessions, pendingCookieName+"="+raw, middleware.ErrNoSession)
	})
	t.Run("copied into the session cookie", func(t *testing.T) {
		ts := newTwoStep(t)
		raw := ts.login(t)
		check(t, ts.sessions, cookieHeader(raw), middleware.ErrInvalidSession, token.ErrAudience)
	})
	t.Run("copied into the session cookie, codec with audiences", func(t *testing.T) {
		// Even a session codec that (absurdly) accepts the pending audience refuses it.
		ts := newTwoStep(t)
		raw := ts.login(t)
		codec := newCodec(t, ts.clk, token.WithAudience("app", middleware.PendingAudience))
		s, err := middleware.New(codec)
		if err != nil {
			t.Fatal(err)
		}
		check(t, s, cookieHeader(raw), middleware.ErrInvalidSession, token.ErrAudience)
		codec = newCodec(t, ts.clk, token.WithAudience("app"))
		if s, err = middleware.New(codec); err != nil {
			t.Fatal(err)
		}
		check(t, s, cookieHeader(raw), middleware.ErrInvalidSession, token.ErrAudience)
	})
	t.Run("beside a valid session", func(t *testing.T) {
		ts := newTwoStep(t)
		raw := ts.login(t)
		session, _ := ts.issue(t)
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookieHeader(raw)+"; "+cookieHeader(session))
		if claims, err := ts.sessions.Current(req); err != nil || claims.Subject != "user-1" {
			t.Errorf("Current = %v, %v; the pending credential must be skipped, the session kept", claims, err)
		}
	})
	t.Run("a session token is no pending credential", func(t *testing.T) {
		ts := newTwoStep(t)
		session, _ := ts.issue(t)
		req := httptest.NewRequest("POST", "/login/2fa", nil)
		req.Header.Set("Cookie", pendingCookieName+"="+session)
		if _, err := ts.sessions.Pending(req); !errors.Is(err, middleware.ErrPendingInvalid) || !errors.Is(err, token.ErrAudience) {
			t.Errorf("Pending with a session token: %v, want ErrPendingInvalid and token.ErrAudience", err)
		}
		if rec := ts.second(session, secondCode); rec.Code != http.StatusUnauthorized {
			t.Errorf("second step with a session token: %d, want 401", rec.Code)
		}
	})
}

func TestSecondStepCompletes(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	rec := ts.second(raw, secondCode)
	if rec.Code != http.StatusOK || rec.Body.String() != "signed in user-1" {
		t.Fatalf("second step: %d %q", rec.Code, rec.Body.String())
	}
	session, ok := setCookie(rec)
	if !ok {
		t.Fatal("no session cookie after the second step")
	}
	// The try's rotated credential and the completion's clearing are one answer: cleared.
	if n := setCookieLines(rec, pendingCookieName); n != 1 {
		t.Errorf("%d Set-Cookie lines for the pending cookie, want 1", n)
	}
	if c, _ := cookieNamed(rec, pendingCookieName); c.MaxAge >= 0 {
		t.Errorf("pending cookie Max-Age %d after completion, want it cleared", c.MaxAge)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookieHeader(session.Value))
	if got := serve(ts.mux, req); got.Code != http.StatusOK {
		t.Errorf("the new session: %d, want 200", got.Code)
	}
	// The credential that completed cannot be used again, with any code.
	for _, code := range []string{secondCode, "000000"} {
		if got := ts.second(raw, code); got.Code != http.StatusConflict {
			t.Errorf("replayed credential with %s: %d %q, want 409", code, got.Code, got.Body.String())
		}
	}
}

func TestPendingTries(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	var used []string
	for try := 1; try <= middleware.DefaultPendingTries; try++ {
		rec := ts.second(raw, "000000")
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("X-Tries-Left") != strconv.Itoa(middleware.DefaultPendingTries-try) {
			t.Fatalf("try %d: %d, tries left %q", try, rec.Code, rec.Header().Get("X-Tries-Left"))
		}
		used = append(used, raw)
		c, ok := cookieNamed(rec, pendingCookieName)
		if !ok {
			t.Fatalf("try %d: no pending cookie in the answer", try)
		}
		if try < middleware.DefaultPendingTries {
			if c.MaxAge <= 0 || c.Value == raw {
				t.Fatalf("try %d: want a fresh credential, got Max-Age %d", try, c.MaxAge)
			}
			raw = c.Value
		} else if c.MaxAge >= 0 {
			t.Fatalf("last try: pending cookie Max-Age %d, want it cleared", c.MaxAge)
		}
	}
	// Every credential of the attempt is spent, the right code does not help, and replaying an
	// early one does not buy new tries.
	for i, old := range used {
		if rec := ts.second(old, secondCode); rec.Code != http.StatusConflict {
			t.Errorf("credential %d replayed after the last try: %d, want 409", i+1, rec.Code)
		}
	}
	if rec := ts.second("", secondCode); rec.Code != http.StatusUnauthorized {
		t.Errorf("no credential: %d, want 401", rec.Code)
	}
}

func TestPendingReplayedCredential(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	rec := ts.second(raw, "000000")
	next, _ := cookieNamed(rec, pendingCookieName)
	// The same credential again: refused before any code is looked at, and the cookie the
	// browser may hold now (the rotated one) is left alone.
	again := ts.second(raw, secondCode)
	if again.Code != http.StatusConflict || strings.TrimSpace(again.Body.String()) != "pending_login_used" {
		t.Fatalf("replay: %d %q, want 409 pending_login_used", again.Code, again.Body.String())
	}
	if n := setCookieLines(again, pendingCookieName); n != 0 {
		t.Errorf("replay answer touches the pending cookie (%d lines)", n)
	}
	if _, ok := setCookie(again); ok {
		t.Error("replay answer set a session")
	}
	// The rotated credential still works, with the count carried on.
	rec = ts.second(next.Value, secondCode)
	if rec.Code != http.StatusOK {
		t.Fatalf("rotated credential: %d %q", rec.Code, rec.Body.String())
	}
}

func TestPendingExpiry(t *testing.T) {
	t.Run("expired", func(t *testing.T) {
		ts := newTwoStep(t)
		raw := ts.login(t)
		ts.clk.Advance(middleware.DefaultPendingLifetime)
		rec := ts.second(raw, secondCode)
		if rec.Code != http.StatusUnauthorized || strings.TrimSpace(rec.Body.String()) != "pending_login_expired" {
			t.Fatalf("expired: %d %q, want 401 pending_login_expired", rec.Code, rec.Body.String())
		}
		if c, ok := cookieNamed(rec, pendingCookieName); !ok || c.MaxAge >= 0 {
			t.Error("an expired pending cookie is not cleared")
		}
	})
	t.Run("rotation does not extend the attempt", func(t *testing.T) {
		ts := newTwoStep(t)
		raw := ts.login(t)
		ts.clk.Advance(middleware.DefaultPendingLifetime - time.Minute)
		rec := ts.second(raw, "000000")
		next, _ := cookieNamed(rec, pendingCookieName)
		if next.MaxAge != 60 {
			t.Errorf("rotated credential Max-Age %d, want the 60 s the attempt has left", next.MaxAge)
		}
		ts.clk.Advance(time.Minute)
		if rec := ts.second(next.Value, secondCode); rec.Code != http.StatusUnauthorized {
			t.Errorf("rotated credential past the attempt's end: %d, want 401", rec.Code)
		}
	})
	t.Run("lifetime option", func(t *testing.T) {
		ts := newTwoStep(t, middleware.WithPendingLifetime(time.Minute), middleware.WithPendingTries(1))
		raw := ts.login(t)
		rec := ts.second(raw, "000000")
		if rec.Header().Get("X-Tries-Left") != "0" {
			t.Errorf("one try: %q left after it", rec.Header().Get("X-Tries-Left"))
		}
		raw = ts.login(t)
		ts.clk.Advance(time.Minute)
		if rec := ts.second(raw, secondCode); rec.Code != http.StatusUnauthorized {
			t.Errorf("past a one-minute lifetime: %d", rec.Code)
		}
	})
}

func TestPendingForgedOrTampered(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	other := newCodec(t, ts.clk, token.WithAudience(middleware.PendingAudience))
	forged, _, err := other.Issue("user-1", User{})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	for name, cred := range map[string]string{
		"payload of another type": forged,
		"signature cut":           parts[0] + "." + parts[1] + ".",
		"payload swapped":         parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2],
		"garbage":                 "not-a-token",
	} {
		rec := ts.second(cred, secondCode)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: %d %q, want 401", name, rec.Code, rec.Body.String())
		}
		if _, ok := setCookie(rec); ok {
			t.Errorf("%s: a session was started", name)
		}
	}
}

// pendingPayload mirrors the payload of a pending credential, to sign ones the middleware would
// never issue.
type pendingPayload struct {
	Methods []string `json:"kc_amr"`
	Tries   int      `json:"kc_tries"`
	Until   int64    `json:"kc_until"`
}

// TestPendingOutOfBounds: a pending credential with a good signature but a payload out of the
// bounds the middleware issues (more tries than allowed, none, no end, too many or malformed
// methods) is refused; the same credential within the bounds is accepted, so it is the bounds
// that refuse.
func TestPendingOutOfBounds(t *testing.T) {
	ts := newTwoStep(t)
	key, err := token.NewHMACKey("k1", token.HS256, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.NewKeySet(key)
	codec, err := token.New[pendingPayload](keys, token.WithAudience(middleware.PendingAudience), token.WithClock(ts.clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	until := ts.clk.Now().Add(time.Minute).UnixMilli()
	for _, tt := range []struct {
		name string
		p    pendingPayload
		ok   bool
	}{
		{"within the bounds", pendingPayload{[]string{"pwd"}, 3, until}, true},
		{"more tries than allowed", pendingPayload{[]string{"pwd"}, 11, until}, false},
		{"no tries", pendingPayload{[]string{"pwd"}, 0, until}, false},
		{"no end", pendingPayload{[]string{"pwd"}, 3, 0}, false},
		{"no methods", pendingPayload{nil, 3, until}, false},
		{"too many methods", pendingPayload{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, 3, until}, false},
		{"malformed method", pendingPayload{[]string{"pwd otp"}, 3, until}, false},
	} {
		raw, _, err := codec.Issue("user-1", tt.p)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/login/2fa", nil)
		req.Header.Set("Cookie", pendingCookieName+"="+raw)
		if _, err := ts.sessions.Pending(req); (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want accepted %v", tt.name, err, tt.ok)
		}
	}
}

func TestCompletePendingMisuse(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	req := httptest.NewRequest("POST", "/login/2fa", nil)
	req.Header.Set("Cookie", pendingCookieName+"="+raw)
	p, err := ts.sessions.Pending(req)
	if err != nil || p.Subject != "user-1" || p.TriesLeft != middleware.DefaultPendingTries || len(p.Methods) != 1 || p.Methods[0] != "pwd" || p.Attempt == "" {
		t.Fatalf("Pending = %+v, %v", p, err)
	}
	if _, err := ts.sessions.CompletePending(httptest.NewRecorder(), req, p, alice, "otp"); err == nil {
		t.Error("CompletePending accepted a Pending that TryPending did not count")
	}
	tried, err := ts.sessions.TryPending(httptest.NewRecorder(), req)
	if err != nil {
		t.Fatal(err)
	}
	// Another Sessions' Pending is refused, while it could still complete on its own (an
	// instance with other users or other rights, such as an admin area, on the same keys).
	other := newTwoStep(t)
	if _, err := other.sessions.CompletePending(httptest.NewRecorder(), req, tried, alice, "otp"); err == nil {
		t.Error("CompletePending accepted another Sessions' Pending")
	}
	if _, err := ts.sessions.CompletePending(httptest.NewRecorder(), req, tried, alice); err == nil {
		t.Error("CompletePending without a second-factor method succeeded")
	}
	if _, err := ts.sessions.CompletePending(httptest.NewRecorder(), req, tried, alice, "otp"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.sessions.CompletePending(httptest.NewRecorder(), req, tried, alice, "otp"); !errors.Is(err, middleware.ErrPendingReplayed) {
		t.Errorf("second CompletePending: %v, want ErrPendingReplayed", err)
	}
}

func TestCancelPending(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	req := httptest.NewRequest("POST", "/login/cancel", nil)
	req.Header.Set("Cookie", pendingCookieName+"="+raw)
	rec := httptest.NewRecorder()
	if err := ts.sessions.CancelPending(rec, req); err != nil {
		t.Fatal(err)
	}
	if c, ok := cookieNamed(rec, pendingCookieName); !ok || c.MaxAge >= 0 {
		t.Error("CancelPending did not clear the cookie")
	}
	// A copy of the cancelled attempt's credential gets its try, but never a session.
	if rec := ts.second(raw, secondCode); rec.Code != http.StatusConflict {
		t.Errorf("cancelled attempt: %d %q, want 409", rec.Code, rec.Body.String())
	}
	if err := ts.sessions.CancelPending(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil)); err != nil {
		t.Errorf("CancelPending without a pending login: %v", err)
	}
}

// TestLogoutCancelsPending: logging out ends a second step not taken, so that the next person
// at a shared computer cannot complete the password-proven attempt.
func TestLogoutCancelsPending(t *testing.T) {
	ts := newTwoStep(t)
	ts.mux.Handle("POST /logout", ts.sessions.LogoutHandler())
	raw := ts.login(t)
	req := httptest.NewRequest("POST", "/logout", nil)
	req.Header.Set("Cookie", pendingCookieName+"="+raw)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := serve(ts.mux, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %q, want 204", rec.Code, rec.Body.String())
	}
	if c, ok := cookieNamed(rec, pendingCookieName); !ok || c.MaxAge >= 0 {
		t.Error("logout did not clear the pending cookie")
	}
	if rec := ts.second(raw, secondCode); rec.Code != http.StatusConflict {
		t.Errorf("second step after logout: %d %q, want 409", rec.Code, rec.Body.String())
	}
	// A logout without a pending login leaves the pending cookie alone.
	req = httptest.NewRequest("POST", "/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if rec := serve(ts.mux, req); setCookieLines(rec, pendingCookieName) != 0 {
		t.Errorf("logout without a pending login set the pending cookie: %v", rec.Header()["Set-Cookie"])
	}
}

// failingOnce is a single-use store that cannot be reached.
type failingOnce struct{}

func (failingOnce) Use(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("once: connection refused")
}

func TestPendingStoreDownFailsClosed(t *testing.T) {
	ts := newTwoStep(t, middleware.WithOnceStore(failingOnce{}))
	raw := ts.login(t)
	rec := ts.second(raw, secondCode)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d, want 503", rec.Code)
	}
	if _, ok := setCookie(rec); ok {
		t.Error("store down: a session was started")
	}
}

// TestCancelPendingStoreDown: a cancellation the store could not record is reported, so that
// a logout on a shared computer does not silently leave the attempt open.
func TestCancelPendingStoreDown(t *testing.T) {
	ts := newTwoStep(t, middleware.WithOnceStore(failingOnce{}))
	raw := ts.login(t)
	req := httptest.NewRequest("POST", "/login/cancel", nil)
	req.Header.Set("Cookie", pendingCookieName+"="+raw)
	rec := httptest.NewRecorder()
	if err := ts.sessions.CancelPending(rec, req); !errors.Is(err, middleware.ErrPendingUnavailable) {
		t.Errorf("CancelPending with the store down: got %v, want ErrPendingUnavailable", err)
	}
	if c, ok := cookieNamed(rec, pendingCookieName); !ok || c.MaxAge >= 0 {
		t.Error("CancelPending with the store down did not clear the cookie")
	}
}

// TestPendingCookieTossing: pending cookies of two different attempts (one planted beside the
// user's, by a sibling subdomain say) are refused rather than one picked, and so are more of
// them than are examined; the rotated credentials of one attempt are not.
func TestPendingCookieTossing(t *testing.T) {
	ts := newTwoStep(t)
	mine, planted := ts.login(t), ts.login(t)
	rotate := httptest.NewRequest("POST", "/login/2fa", nil)
	rotate.Header.Set("Cookie", pendingCookieName+"="+mine)
	rec := httptest.NewRecorder()
	if _, err := ts.sessions.TryPending(rec, rotate); err != nil {
		t.Fatal(err)
	}
	rotated, _ := cookieNamed(rec, pendingCookieName)
	many := make([]string, 5)
	for i := range many {
		many[i] = pendingCookieName + "=" + rotated.Value
	}
	for _, tt := range []struct {
		name, cookie string
		want         error
	}{
		{"two attempts", pendingCookieName + "=" + rotated.Value + "; " + pendingCookieName + "=" + planted, middleware.ErrPendingInvalid},
		{"too many cookies", strings.Join(many, "; "), middleware.ErrPendingInvalid},
		{"one attempt, old and new credential", pendingCookieName + "=" + mine + "; " + pendingCookieName + "=" + rotated.Value, nil},
	} {
		req := httptest.NewRequest("GET", "/login/2fa", nil)
		req.Header.Set("Cookie", tt.cookie)
		if _, err := ts.sessions.Pending(req); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestPendingResponsesNotStored: every response that sets or clears the pending cookie says
// no-store, so that no shared cache keeps a credential for the next client.
func TestPendingResponsesNotStored(t *testing.T) {
	ts := newTwoStep(t)
	req := httptest.NewRequest("POST", "/sso/callback", nil)
	rec := httptest.NewRecorder()
	if _, err := ts.sessions.StartPending(rec, req, "user-1", []string{middleware.AMRPassword}); err != nil {
		t.Fatal(err)
	}
	c, _ := cookieNamed(rec, pendingCookieName)
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("StartPending: Cache-Control %q, want no-store", got)
	}
	req = httptest.NewRequest("POST", "/login/2fa", nil)
	req.Header.Set("Cookie", pendingCookieName+"="+c.Value)
	for name, call := range map[string]func(w http.ResponseWriter) error{
		"TryPending":    func(w http.ResponseWriter) error { _, err := ts.sessions.TryPending(w, req); return err },
		"CancelPending": func(w http.ResponseWriter) error { return ts.sessions.CancelPending(w, req) },
	} {
		rec := httptest.NewRecorder()
		if err := call(rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, got)
		}
	}
}

func TestPendingKeyRotation(t *testing.T) {
	ts := newTwoStep(t)
	raw := ts.login(t)
	k1, _ := token.NewHMACKey("k1", token.HS256, testSecret)
	k2, _ := token.NewHMACKey("k2", token.HS256, []byte("keycard-test-secret-rotated-0001"))
	both, _ := token.NewKeySet(k2, k1)
	if err := ts.codec.SetKeys(both); err != nil {
		t.Fatal(err)
	}
	rec := ts.second(raw, "000000")
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("X-Tries-Left") == "" {
		t.Fatalf("credential of the previous key: %d %q", rec.Code, rec.Body.String())
	}
	next, _ := cookieNamed(rec, pendingCookieName)
	if !strings.HasPrefix(next.Value, strings.Split(mustIssue(t, ts), ".")[0]) {
		t.Error("rotated credential not signed with the new key")
	}
	only2, _ := token.NewKeySet(k2)
	if err := ts.codec.SetKeys(only2); err != nil {
		t.Fatal(err)
	}
	if rec := ts.second(next.Value, secondCode); rec.Code != http.StatusOK {
		t.Errorf("credential of the new key: %d %q", rec.Code, rec.Body.String())
	}
	if rec := ts.second(raw, secondCode); rec.Code != http.StatusUnauthorized {
		t.Errorf("credential of a removed key: %d, want 401", rec.Code)
	}
}

func mustIssue(t *testing.T, ts *twoStep) string {
	raw, _ := ts.issue(t)
	return raw
}

func TestPendingOptions(t *testing.T) {
	ok := func(context.Context, token.Subject) (bool, error) { return true, nil }
	for name, opt := range map[string]middleware.Option{
		"nil check":       middleware.WithSecondFactor("/2fa", nil),
		"absolute path":   middleware.WithSecondFactor("https://evil.example/2fa", ok),
		"path with query": middleware.WithSecondFactor("/2fa?x=1", ok),
		"short lifetime":  middleware.WithPendingLifetime(time.Second),
		"long lifetime":   middleware.WithPendingLifetime(time.Hour),
		"no tries":        middleware.WithPendingTries(0),
		"too many tries":  middleware.WithPendingTries(100),
		"nil once store":  middleware.WithOnceStore(nil),
	} {
		if _, err := middleware.New(newCodec(t, newClock()), opt); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	s, err := middleware.New(newCodec(t, newClock()), middleware.WithSecondFactor("/2fa", ok))
	if err != nil || s.SecondFactorPath() != "/2fa" || s.OnceStore() == nil {
		t.Errorf("New = %v; path %q", err, s.SecondFactorPath())
	}
}

func TestStartPendingRefusesBadMethods(t *testing.T) {
	f := newFixture(t)
	for _, methods := range [][]string{nil, {""}, {"pwd", "a b"}, {strings.Repeat("x", 33)}} {
		rec := httptest.NewRecorder()
		if _, err := f.sessions.StartPending(rec, httptest.NewRequest("POST", "/", nil), "user-1", methods); err == nil {
			t.Errorf("StartPending(%q) succeeded", methods)
		}
		if len(rec.Header()["Set-Cookie"]) != 0 {
			t.Errorf("StartPending(%q) set a cookie", methods)
		}
	}
}

func TestSecondStepSession(t *testing.T) {
	var mu sync.Mutex
	var events []middleware.Event
	hook := middleware.WithEvents(func(_ context.Context, e middleware.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})
	ts := newTwoStep(t, hook)
	old, oldClaims := ts.issue(t) // user-1 is signed in already, with a password only

	req := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "remember": {"on"}})
	req.Header.Set("Cookie", cookieHeader(old))
	rec := serve(ts.mux, req)
	pending, ok := cookieNamed(rec, pendingCookieName)
	if !ok {
		t.Fatalf("re-login with a second factor: %d, no pending cookie", rec.Code)
	}
	if _, ok := setCookie(rec); ok {
		t.Fatal("a password alone re-authenticated a session of an account with a second factor")
	}

	step := ts.second(pending.Value, secondCode)
	c, ok := setCookie(step)
	if !ok {
		t.Fatalf("second step: %d %q, no session", step.Code, step.Body.String())
	}
	claims, err := ts.codec.Verify(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(claims.AMR, " "), "pwd otp mfa"; got != want {
		t.Errorf("amr = %q, want %q", got, want)
	}
	if !claims.Remember {
		t.Error("the login's remember-me choice was not carried through the second step")
	}
	if claims.SessionID == oldClaims.SessionID {
		t.Error("the second step reused a session ID")
	}
	mu.Lock()
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+"/"+e.Method)
	}
	mu.Unlock()
	got := strings.Join(kinds, " ")
	for _, want := range []string{middleware.EventLoginPending + "/pwd", middleware.EventLoginSucceeded + "/pwd otp mfa"} {
		if !strings.Contains(got, want) {
			t.Errorf("events %q lack %q", got, want)
		}
	}
}

// TestSecondStepReplacesSession: completing a pending login in a browser that holds a session
// of the same user gives a new session ID and revokes the old one.
func TestSecondStepReplacesSession(t *testing.T) {
	var ts *twoStep
	revocation := middleware.NewMemoryRevocation(func() time.Time { return ts.clk.Now() })
	ts = newTwoStep(t, middleware.WithRevocation(revocation))
	old, oldClaims := ts.issue(t)
	raw := ts.login(t)
	req := httptest.NewRequest("POST", "/login/2fa", strings.NewReader("code="+secondCode))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Cookie", pendingCookieName+"="+raw+"; "+cookieHeader(old))
	rec := serve(ts.mux, req)
	c, ok := setCookie(rec)
	if !ok {
		t.Fatalf("second step: %d %q", rec.Code, rec.Body.String())
	}
	claims, err := ts.codec.Verify(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	if claims.SessionID == oldClaims.SessionID {
		t.Error("the session of the same user was kept; a completed second step must start a new one")
	}
	oldReq := httptest.NewRequest("GET", "/", nil)
	oldReq.Header.Set("Cookie", cookieHeader(old))
	if _, err := ts.sessions.Current(oldReq); !errors.Is(err, middleware.ErrRevoked) {
		t.Errorf("the replaced session: %v, want ErrRevoked", err)
	}
}
