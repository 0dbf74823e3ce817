package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

func TestPasskeyOrigin(t *testing.T) {
	for addr, want := range map[string]string{
		"localhost:8080": "http://localhost:8080",
		"127.0.0.1:8080": "", // an RP ID cannot be an IP address
		"localhost:0":    "", // the port is not known yet
		":8080":          "",
	} {
		if got := passkeyOrigin(addr, false); got != want {
			t.Errorf("passkeyOrigin(%q): got %q, want %q", addr, got, want)
		}
	}
	if got := passkeyOrigin("app.example.com:443", true); got != "https://app.example.com:443" {
		t.Errorf("HTTPS origin: got %q", got)
	}
}

func TestPasskeyPages(t *testing.T) {
	cfg := testConfig(t)
	cfg.passkeyOrigin = "http://localhost:8080"
	with := testApp(t, cfg)
	without := testApp(t, testConfig(t))
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}

	login := get(with, "/login")
	body := login.Body.String()
	for _, want := range []string{`autocomplete="username webauthn"`, `id="passkey-signin"`, `<script src="/passkey.js" defer></script>`} {
		if !strings.Contains(body, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("login page has an inline script")
	}
	csp := login.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP: %q", csp)
	}
	js := get(with, "/passkey.js")
	if js.Code != http.StatusOK || !strings.HasPrefix(js.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("GET /passkey.js: %d %q", js.Code, js.Header().Get("Content-Type"))
	}
	if rec := get(with, "/passkey/credentials"); rec.Code != http.StatusUnauthorized {
		t.Errorf("passkey list without a session: got %d, want 401", rec.Code)
	}

	if body := get(without, "/login").Body.String(); strings.Contains(body, "passkey") {
		t.Error("passkey parts shown with passkeys off")
	}
	if rec := get(without, "/passkey.js"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /passkey.js with passkeys off: got %d, want 404", rec.Code)
	}
}

// A signed-in user sent to sign in again (reason=reauth, before adding a passkey to an old
// session) sees the login page instead of being sent straight back.
func TestLoginPageReauth(t *testing.T) {
	cfg := testConfig(t)
	h := testApp(t, cfg)
	keys, err := token.NewKeySet(cfg.key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[Profile](keys)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := codec.Issue("user-1", Profile{Email: demoEmail, Name: demoName})
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]int{"/login": http.StatusSeeOther, "/login?reason=reauth&next=%2F": http.StatusOK} {
		req := httptest.NewRequest("GET", target, nil)
		req.AddCookie(&http.Cookie{Name: middleware.DefaultCookieName, Value: raw})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("GET %s signed in: got %d, want %d", target, rec.Code, want)
		}
	}
}
