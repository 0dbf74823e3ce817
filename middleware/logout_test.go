package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// flakyStore is a MemoryRevocation whose IsRevoked fails while down is set.
type flakyStore struct {
	*middleware.MemoryRevocation
	down atomic.Bool
}

func (s *flakyStore) IsRevoked(ctx context.Context, sid token.SessionID, sub token.Subject, at time.Time, version uint64) (bool, error) {
	if s.down.Load() {
		return false, errStoreDown
	}
	return s.MemoryRevocation.IsRevoked(ctx, sid, sub, at, version)
}

// TestLogoutRevokesWhateverVerifies checks that logout revokes a session whose token verifies
// even when the request was refused for another reason (a store that failed to answer, the
// application's check), and never reports a logout that revoked nothing as a success.
func TestLogoutRevokesWhateverVerifies(t *testing.T) {
	logout := func(t *testing.T, f *fixture, raw string) int {
		t.Helper()
		req := httptest.NewRequest("POST", "/logout", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Cookie", cookieHeader(raw))
		rec := serve(f.sessions.LogoutHandler(), req)
		if c, ok := setCookie(rec); !ok || c.MaxAge >= 0 {
			t.Error("logout did not clear the cookie")
		}
		return rec.Code
	}
	use := func(f *fixture, raw string) int {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(f.sessions.RequireSession(protected), req).Code
	}

	t.Run("store down", func(t *testing.T) {
		f := newFixture(t, middleware.WithRevocation(failingStore{}))
		raw, _ := f.issue(t)
		if got := logout(t, f, raw); got != 503 {
			t.Errorf("got %d, want 503: the session was not revoked", got)
		}
	})
	t.Run("store read fails, write works", func(t *testing.T) {
		clk := newClock()
		store := &flakyStore{MemoryRevocation: middleware.NewMemoryRevocation(clk.Now)}
		f := newFixtureAt(t, clk, middleware.WithRevocation(store))
		raw, _ := f.issue(t)
		store.down.Store(true)
		if got := logout(t, f, raw); got != 204 {
			t.Errorf("logout: got %d, want 204", got)
		}
		store.down.Store(false)
		if got := use(f, raw); got != 401 {
			t.Errorf("token after logout: got %d, want 401", got)
		}
	})
	t.Run("check refuses", func(t *testing.T) {
		var refuse atomic.Bool
		refuse.Store(true)
		clk := newClock()
		f := newFixtureAt(t, clk,
			middleware.WithRevocation(middleware.NewMemoryRevocation(clk.Now)),
			middleware.WithCheck(func(context.Context, *token.Claims[User]) error {
				if refuse.Load() {
					return errors.New("account suspended")
				}
				return nil
			}))
		raw, _ := f.issue(t)
		if got := logout(t, f, raw); got != 204 {
			t.Errorf("logout: got %d, want 204", got)
		}
		refuse.Store(false)
		if got := use(f, raw); got != 401 {
			t.Errorf("token after logout: got %d, want 401", got)
		}
	})
}

// newFixtureAt is newFixture on the clock clk, which the test shares with its stores.
func newFixtureAt(t testing.TB, clk *clock, opts ...middleware.Option) *fixture {
	t.Helper()
	codec := newCodec(t, clk)
	s, err := middleware.New(codec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, codec: codec, sessions: s, logs: &bytes.Buffer{}}
}

// TestLogoutWithPlantedCookie: a second session cookie planted beside the user's (cookie
// tossing) made the request ambiguous, and logout answered 204 having revoked nothing, so a
// copy of the user's token kept working. Logout must revoke every presented session that
// verifies, and answer success only when each revocation was recorded.
func TestLogoutWithPlantedCookie(t *testing.T) {
	clk := newClock()
	store := middleware.NewMemoryRevocation(clk.Now)
	f := newFixtureAt(t, clk, middleware.WithRevocation(store))
	mine, _ := f.issue(t)
	planted, _, err := f.codec.Issue("attacker", User{Email: "mallory@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	use := func(raw string) int {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(f.sessions.RequireSession(protected), req).Code
	}
	for _, tt := range []struct {
		name    string
		cookies []string
		want    int
	}{
		{"mine then planted", []string{mine, planted}, 204},
		{"planted, garbage, mine", []string{planted, "garbage", mine}, 204},
		{"five cookies", []string{"a", "b", "c", "d", mine}, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/logout", nil)
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			line := ""
			for i, c := range tt.cookies {
				if i > 0 {
					line += "; "
				}
				line += cookieHeader(c)
			}
			req.Header.Set("Cookie", line)
			rec := serve(f.sessions.LogoutHandler(), req)
			if rec.Code != tt.want {
				t.Fatalf("logout: got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.want != 204 {
				return
			}
			if got := use(mine); got != 401 {
				t.Errorf("my token after logout: got %d, want 401", got)
			}
			if got := use(planted); got != 401 {
				t.Errorf("planted token after logout: got %d, want 401", got)
			}
		})
	}
	if store.Len() != 2 {
		t.Errorf("store holds %d revocations, want 2 (both sessions)", store.Len())
	}
}
