package middleware_test

// The attack corpus: hostile tokens, headers, cookies, login bodies and redirect targets, sent
// through the public HTTP surface (RequireSession, LoadSession, LoginHandler, LogoutHandler).
// Every case must be refused without a 5xx or a panic, and the captured log must hold no token,
// cookie value, password or key. SECURITY.md lists which test backs which claim.

import (
	"net/http/httptest"
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// TestAttackNestedSessionsDoNotShareState: two Sessions of the same payload type (a site-wide
// LoadSession for users, a RequireSession with its own key and cookie for an admin area) must
// not share what they found. Before the fix, the admin RequireSession reused the state the
// user LoadSession had put in the context and let a user cookie into the admin area.
func TestAttackNestedSessionsDoNotShareState(t *testing.T) {
	users := newFixture(t)
	adminKey, err := token.NewHMACKey("admin-1", token.HS256, []byte("admin-secret-0123456789abcdefghij"))
	if err != nil {
		t.Fatal(err)
	}
	adminKeys, _ := token.NewKeySet(adminKey)
	adminCodec, err := token.New[User](adminKeys, token.WithClock(users.clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := middleware.New(adminCodec, middleware.WithCookieName("__Host-admin"))
	if err != nil {
		t.Fatal(err)
	}
	userToken, _ := users.issue(t)
	adminToken, _, err := adminCodec.Issue("root", User{Email: "root@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	h := users.sessions.LoadSession(admin.RequireSession(protected))
	tests := []struct {
		name   string
		cookie string
		status int
		body   string
	}{
		{"user cookie in the admin area", cookieHeader(userToken), 401, ""},
		{"user token under the admin cookie name", "__Host-admin=" + userToken, 401, ""},
		{"admin cookie", "__Host-admin=" + adminToken, 200, "hello root@example.com"},
		{"both cookies: the inner middleware's claims win", cookieHeader(userToken) + "; __Host-admin=" + adminToken, 200, "hello root@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/admin/", nil)
			req.Header.Set("Cookie", tt.cookie)
			rec := serve(h, req)
			if rec.Code != tt.status || (tt.body != "" && rec.Body.String() != tt.body) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
	// Current of the admin Sessions, inside the user LoadSession only, verifies for itself.
	inner := users.sessions.LoadSession(protectedBy(admin))
	req := httptest.NewRequest("GET", "/admin/", nil)
	req.Header.Set("Cookie", cookieHeader(userToken))
	if rec := serve(inner, req); rec.Code != 401 {
		t.Errorf("admin.Current inside users.LoadSession: got %d %q, want 401", rec.Code, rec.Body)
	}
}
