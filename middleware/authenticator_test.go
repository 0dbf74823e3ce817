package middleware_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
)

// TestPasswordAuthenticatorComparesForUnknownAccounts: an unknown account goes through the
// Hasher exactly as a wrong password does. With a context that has already ended, both
// reach the Hasher's concurrency bound and get ErrBusy, and the login handler answers both
// 503; an authenticator that skipped the dummy comparison would answer the unknown account
// at once with ErrBadCredentials (401), and in a fraction of the time otherwise.
func TestPasswordAuthenticatorComparesForUnknownAccounts(t *testing.T) {
	auth := passwordAuth(t)
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	for _, id := range []string{"nobody@example.com", demoEmail} {
		if _, _, err := auth(ended, id, []byte("not the password")); !errors.Is(err, password.ErrBusy) {
			t.Errorf("%s with an ended context: got %v, want ErrBusy from the Hasher", id, err)
		}
	}

	f := newFixture(t)
	h := f.sessions.LoginHandler(auth)
	for _, id := range []string{"nobody@example.com", demoEmail} {
		req := formLogin(url.Values{"email": {id}, "password": {"not the password"}})
		rec := serve(h, req.WithContext(ended))
		if rec.Code != 503 {
			t.Errorf("%s with an ended request context: status %d, want 503", id, rec.Code)
		}
	}
}

// TestLoginCorruptStoredHash: a stored hash the Hasher cannot read is the operator's
// problem, answered 500 (and logged), never 401 as if the password were wrong.
func TestLoginCorruptStoredHash(t *testing.T) {
	h, err := hasher()
	if err != nil {
		t.Fatal(err)
	}
	good, err := demoHash()
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{
		"garbage@example.com":   "not a bcrypt hash",
		"truncated@example.com": good[:59],
		"2x@example.com":        "$2x$" + good[4:],
		"cost31@example.com":    "$2a$31$" + good[7:], // refused unread: ErrCostTooHigh
	}
	auth := middleware.PasswordAuthenticator(h, func(ctx context.Context, id string) (middleware.Account[User], error) {
		hash, ok := stored[id]
		if !ok {
			return middleware.Account[User]{}, middleware.ErrNoAccount
		}
		return middleware.Account[User]{Subject: "user-9", PasswordHash: hash, Payload: alice}, nil
	})
	f := newFixture(t)
	login := f.sessions.LoginHandler(auth)
	for id, hash := range stored {
		t.Run(id, func(t *testing.T) {
			for _, kind := range []string{"form", "json"} {
				req := formLogin(url.Values{"email": {id}, "password": {demoPassword}})
				if kind == "json" {
					req = jsonLogin(`{"email":"` + id + `","password":"` + demoPassword + `"}`)
				}
				rec := serve(login, req)
				if rec.Code != 500 {
					t.Errorf("%s: status %d, want 500 (body %q)", kind, rec.Code, rec.Body)
				}
				if _, ok := setCookie(rec); ok {
					t.Errorf("%s: a session cookie was set", kind)
				}
				if body := rec.Body.String(); strings.Contains(body, hash) || strings.Contains(body, "password:") {
					t.Errorf("%s: body %q reveals the cause", kind, body)
				}
			}
			_, _, err := auth(t.Context(), id, []byte(demoPassword))
			if errors.Is(err, middleware.ErrBadCredentials) ||
				!(errors.Is(err, password.ErrMalformedHash) || errors.Is(err, password.ErrCostTooHigh)) {
				t.Errorf("authenticator: got %v, want ErrMalformedHash or ErrCostTooHigh, not ErrBadCredentials", err)
			}
		})
	}
	if !strings.Contains(f.logs.String(), "login_error") {
		t.Errorf("no login_error in the logs:\n%s", f.logs)
	}
}
