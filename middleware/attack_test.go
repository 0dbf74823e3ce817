package middleware_test

// The attack corpus: hostile tokens, headers, cookies, login bodies and redirect targets, sent
// through the public HTTP surface (RequireSession, LoadSession, LoginHandler, LogoutHandler).
// Every case must be refused without a 5xx or a panic, and the captured log must hold no token,
// cookie value, password or key. SECURITY.md lists which test backs which claim.

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

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

// samAuth accepts one account, sam@example.com, looked up case-insensitively with
// strings.EqualFold as many Go applications do, with the password demoPassword.
func samAuth(_ context.Context, id string, pw []byte) (token.Subject, User, error) {
	if strings.EqualFold(id, "sam@example.com") && string(pw) == demoPassword {
		return "user-2", User{Email: "sam@example.com"}, nil
	}
	return "", User{}, middleware.ErrBadCredentials
}

// TestAttackThrottleVariants: the login throttle must not be reset by spelling the account
// differently or by moving to another address of the same IPv6 /64. Before the fix the key was
// strings.ToLower(identifier) and the full client address: "ſam@example.com" (U+017F, equal to
// "sam" under strings.EqualFold), fullwidth letters, a zero width space and every address of an
// IPv6 /64 each got a fresh allowance of guesses.
func TestAttackThrottleVariants(t *testing.T) {
	tests := []struct {
		name     string
		attempts [][2]string // identifier, RemoteAddr; the last one must be throttled
	}{
		{"case and Unicode spellings", [][2]string{
			{"sam@example.com", "192.0.2.1:1"},
			{"SAM@EXAMPLE.COM", "192.0.2.1:2"},
			{"ſam@example.com", "192.0.2.1:3"},       // U+017F LATIN SMALL LETTER LONG S
			{"ｓａｍ@ｅｘａｍｐｌｅ.ｃｏｍ", "192.0.2.1:4"},       // fullwidth
			{"s\u200bam@example.com", "192.0.2.1:5"}, // zero width space
			{"sa\u0301m@example.com", "192.0.2.1:6"}, // combining acute accent
		}},
		{"addresses of one IPv6 /64", [][2]string{
			{"sam@example.com", "[2001:db8:0:1::1]:443"},
			{"sam@example.com", "[2001:db8:0:1::2]:443"},
			{"sam@example.com", "[2001:db8:0:1:ffff:ffff:ffff:ffff]:443"},
			{"sam@example.com", "[2001:db8:0:1:1234::%eth0]:443"},
		}},
		{"IPv4-mapped IPv6", [][2]string{
			{"sam@example.com", "192.0.2.9:1"},
			{"sam@example.com", "[::ffff:192.0.2.9]:2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			limiter := middleware.NewMemoryLimiter(len(tt.attempts)-1, 10*time.Minute, clk.Now)
			s, err := middleware.New(newCodec(t, clk), middleware.WithLimiter(limiter))
			if err != nil {
				t.Fatal(err)
			}
			h := s.LoginHandler(samAuth)
			for i, a := range tt.attempts {
				req := jsonLogin(`{"email":` + strconv.Quote(a[0]) + `,"password":"wrong wrong"}`)
				req.RemoteAddr = a[1]
				rec := serve(h, req)
				want := 401
				if i == len(tt.attempts)-1 {
					want = 429
				}
				if rec.Code != want {
					t.Fatalf("attempt %d (%q from %s): got %d, want %d", i+1, a[0], a[1], rec.Code, want)
				}
			}
			// Another /64 and another account are counted apart.
			for _, a := range [][2]string{{"sam@example.com", "[2001:db8:0:2::1]:1"}, {"kate@example.com", "192.0.2.1:1"}} {
				req := jsonLogin(`{"email":` + strconv.Quote(a[0]) + `,"password":"wrong wrong"}`)
				req.RemoteAddr = a[1]
				if rec := serve(h, req); rec.Code != 401 {
					t.Errorf("%q from %s: got %d, want 401", a[0], a[1], rec.Code)
				}
			}
		})
	}
}
