package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

func TestAuthorize(t *testing.T) {
	f := newFixture(t)
	admin := f.sessions.Authorize(func(c *token.Claims[User]) bool { return c.Payload.Role == "admin" })(protected)
	mfa := f.sessions.Authorize(middleware.HasAuthMethod[User](middleware.AMRMultiFactor))(protected)
	boss := alice
	boss.Role = "admin"
	_, plain := startOn(t, f.sessions, "", "user-1", middleware.AuthMethods(middleware.AMRPassword))
	rec := httptest.NewRecorder()
	if _, err := f.sessions.Start(rec, httptest.NewRequest("POST", "/", nil), "user-2", boss,
		middleware.AuthMethods(middleware.AMRPassword, middleware.AMROTP, middleware.AMRMultiFactor)); err != nil {
		t.Fatal(err)
	}
	strong, _ := setCookie(rec)

	for _, tt := range []struct {
		name   string
		h      http.Handler
		cookie string
		accept string
		status int
		body   string
	}{
		{"admin route, admin", admin, strong.Value, "application/json", 200, "hello alice@example.com"},
		{"admin route, user (API)", admin, plain.Value, "application/json", 403, `{"error":"forbidden"}` + "\n"},
		{"admin route, user (browser)", admin, plain.Value, "text/html", 403, "Forbidden\n"},
		{"admin route, signed out (API)", admin, "", "application/json", 401, `{"error":"unauthenticated"}` + "\n"},
		{"mfa route, password only", mfa, plain.Value, "application/json", 403, `{"error":"forbidden"}` + "\n"},
		{"mfa route, second factor", mfa, strong.Value, "application/json", 200, "hello alice@example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/admin", nil)
			req.Header.Set("Accept", tt.accept)
			if tt.cookie != "" {
				req.Header.Set("Cookie", cookieHeader(tt.cookie))
			}
			rec := serve(tt.h, req)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
			if tt.status == 403 && rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("403 is cacheable")
			}
		})
	}
	// allow gets the request's own copy: a predicate that writes to it (against the rules)
	// changes neither the next request's claims nor what the next handler sees.
	grabby := f.sessions.Authorize(func(c *token.Claims[User]) bool {
		ok := c.Payload.Role == "admin"
		c.Payload.Role, c.AMR = "admin", append(c.AMR[:0], middleware.AMRMultiFactor)
		return ok
	})(protected)
	for range 2 {
		req := httptest.NewRequest("GET", "/admin", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", cookieHeader(plain.Value))
		if rec := serve(grabby, req); rec.Code != http.StatusForbidden {
			t.Errorf("a predicate that wrote to the claims: got %d on the next request, want 403", rec.Code)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Authorize(nil) did not panic")
			}
		}()
		f.sessions.Authorize(nil)
	}()
}
