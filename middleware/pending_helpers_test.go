package middleware_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// pendingCookieName is the pending cookie of the default session cookie.
const pendingCookieName = middleware.DefaultCookieName + "-pending"

// secondCode is the second factor the pending tests accept.
const secondCode = "424242"

// twoStep is a login with a second factor: the password login hands over to a pending login
// for user-1, and POST /login/2fa completes it with secondCode.
type twoStep struct {
	*fixture
	mux *http.ServeMux
}

func newTwoStep(t testing.TB, opts ...middleware.Option) *twoStep {
	t.Helper()
	required := func(_ context.Context, sub token.Subject) (bool, error) { return sub == "user-1", nil }
	all := append([]middleware.Option{middleware.WithSecondFactor("/login/2fa", required)}, opts...)
	f := newFixture(t, all...)
	mux := http.NewServeMux()
	mux.Handle("POST /login", f.sessions.LoginHandler(fakeAuth))
	mux.Handle("POST /login/2fa", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PostFormValue("code")
		if len(code) != 6 {
			http.Error(w, "bad code", http.StatusBadRequest) // no try spent on malformed input
			return
		}
		p, err := f.sessions.TryPending(w, r)
		if err != nil {
			status, reason := middleware.PendingFailure(err)
			http.Error(w, reason, status)
			return
		}
		if code != secondCode {
			w.Header().Set("X-Tries-Left", strconv.Itoa(p.TriesLeft))
			http.Error(w, "wrong code", http.StatusUnauthorized)
			return
		}
		claims, err := f.sessions.CompletePending(w, r, p, alice, "otp")
		if err != nil {
			status, reason := middleware.PendingFailure(err)
			http.Error(w, reason, status)
			return
		}
		_, _ = w.Write([]byte("signed in " + string(claims.Subject)))
	}))
	mux.Handle("GET /", f.sessions.RequireSession(protected))
	return &twoStep{fixture: f, mux: mux}
}

// login posts the password form and returns the pending credential it set.
func (ts *twoStep) login(t testing.TB) string {
	t.Helper()
	rec := serve(ts.mux, formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}}))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login/2fa" {
		t.Fatalf("password login: %d to %q, want 303 to /login/2fa", rec.Code, rec.Header().Get("Location"))
	}
	if _, ok := setCookie(rec); ok {
		t.Fatal("password login with a second factor set a session cookie")
	}
	c, ok := cookieNamed(rec, pendingCookieName)
	if !ok || c.MaxAge <= 0 {
		t.Fatalf("password login set no pending cookie: %v", rec.Header()["Set-Cookie"])
	}
	return c.Value
}

// second posts code with the pending credential raw.
func (ts *twoStep) second(raw, code string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/login/2fa", strings.NewReader(url.Values{"code": {code}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if raw != "" {
		req.Header.Set("Cookie", pendingCookieName+"="+raw)
	}
	return serve(ts.mux, req)
}

// cookieNamed returns the last Set-Cookie of rec for name.
func cookieNamed(rec *httptest.ResponseRecorder, name string) (*http.Cookie, bool) {
	var found *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			found = c
		}
	}
	return found, found != nil
}

// setCookieLines counts the Set-Cookie lines of rec for name.
func setCookieLines(rec *httptest.ResponseRecorder, name string) int {
	n := 0
	for _, l := range rec.Header()["Set-Cookie"] {
		if strings.HasPrefix(l, name+"=") {
			n++
		}
	}
	return n
}

func decodeJSON(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
}
