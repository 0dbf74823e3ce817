package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// loginFrom posts one login from client (an address) for email with pw, and returns the status.
func loginFrom(h http.Handler, client, email, pw string) int {
	req := formLogin(url.Values{"email": {email}, "password": {pw}})
	req.RemoteAddr = client + ":4242"
	return serve(h, req).Code
}

// TestDefaultLimiter checks the limiter New installs without WithLimiter: every other
// throttle test brings its own, so a default made unlimited would pass them all.
func TestDefaultLimiter(t *testing.T) {
	t.Run("per account and client", func(t *testing.T) {
		f := newFixture(t)
		h := f.sessions.LoginHandler(fakeAuth)
		for i := range middleware.DefaultLoginAttempts {
			if got := loginFrom(h, "192.0.2.1", demoEmail, "wrong"); got != http.StatusUnauthorized {
				t.Fatalf("attempt %d: got %d, want 401", i+1, got)
			}
		}
		if got := loginFrom(h, "192.0.2.1", demoEmail, demoPassword); got != http.StatusTooManyRequests {
			t.Errorf("attempt past %d: got %d, want 429", middleware.DefaultLoginAttempts, got)
		}
		f.clk.Advance(middleware.DefaultLoginWindow - time.Second)
		if got := loginFrom(h, "192.0.2.1", demoEmail, demoPassword); got != http.StatusTooManyRequests {
			t.Errorf("a second before the window ends: got %d, want 429", got)
		}
		f.clk.Advance(time.Second)
		if got := loginFrom(h, "192.0.2.1", demoEmail, demoPassword); got != http.StatusSeeOther {
			t.Errorf("after the window: got %d, want 303", got)
		}
	})
	t.Run("per client across accounts", func(t *testing.T) {
		f := newFixture(t)
		h := f.sessions.LoginHandler(fakeAuth)
		for i := range middleware.DefaultClientAttempts {
			if got := loginFrom(h, "192.0.2.1", "user-"+strconv.Itoa(i)+"@example.com", "wrong"); got != http.StatusUnauthorized {
				t.Fatalf("account %d: got %d, want 401", i+1, got)
			}
		}
		if got := loginFrom(h, "192.0.2.1", demoEmail, demoPassword); got != http.StatusTooManyRequests {
			t.Errorf("past the client's budget: got %d, want 429", got)
		}
		if got := loginFrom(h, "192.0.2.2", demoEmail, demoPassword); got != http.StatusSeeOther {
			t.Errorf("another client: got %d, want 303", got)
		}
	})
}

// TestSuccessfulLoginsSpendNoBudget: many users behind one address (an office NAT) all log in;
// only failures count against the address's budget.
func TestSuccessfulLoginsSpendNoBudget(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(fakeAuth)
	for i := range 3 * middleware.DefaultClientAttempts {
		if i%10 == 0 { // a typo now and then
			loginFrom(h, "192.0.2.1", demoEmail, "typo")
		}
		if got := loginFrom(h, "192.0.2.1", demoEmail, demoPassword); got != http.StatusSeeOther {
			t.Fatalf("login %d from one address: got %d, want 303", i+1, got)
		}
	}
}

// TestMemoryLimiterClientBound floods one limiter from one client with a fresh account on
// every attempt, over several windows: it never holds more than 2×budget+1 entries.
func TestMemoryLimiterClientBound(t *testing.T) {
	const budget = 20
	clk := newClock()
	l := middleware.NewMemoryLimiter(5, time.Minute, clk.Now, middleware.LimitClientAttempts(budget))
	ctx := context.Background()
	most := 0
	for i := range 5000 {
		if i%50 == 0 {
			clk.Advance(7 * time.Second) // several windows in all, with attempts in each
		}
		if _, err := l.Hit(ctx, middleware.ThrottleKey{Client: "c", Account: "a" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
		most = max(most, l.Len())
	}
	if most > 2*budget+1 {
		t.Errorf("one client made the limiter hold %d entries, want at most %d", most, 2*budget+1)
	}
	t.Logf("at most %d entries", most)
}

// TestMemoryLimiterFull fills a capped limiter from many clients: a victim's count is never
// dropped to make room, new keys are refused with ErrLimiterFull, existing windows go on, and
// room comes back when windows end.
func TestMemoryLimiterFull(t *testing.T) {
	const cap = 100
	clk := newClock()
	l := middleware.NewMemoryLimiter(3, time.Hour, clk.Now, middleware.LimitEntries(cap))
	ctx := context.Background()
	victim := middleware.ThrottleKey{Client: "attacker", Account: "victim"}
	for range 3 {
		l.Hit(ctx, victim)
	}
	user := middleware.ThrottleKey{Client: "user", Account: "user"}
	l.Hit(ctx, user) // a user with one failed attempt
	var full int
	for i := range 10 * cap {
		clk.Advance(time.Millisecond)
		_, err := l.Hit(ctx, middleware.ThrottleKey{Client: "flood-" + strconv.Itoa(i), Account: "x" + strconv.Itoa(i)})
		switch {
		case errors.Is(err, middleware.ErrLimiterFull):
			full++
		case err != nil:
			t.Fatal(err)
		}
		if n := l.Len(); n > cap {
			t.Fatalf("limiter holds %d entries, want at most %d", n, cap)
		}
	}
	if full == 0 {
		t.Fatal("the flood never filled the limiter")
	}
	if d, err := l.Hit(ctx, victim); err != nil || d == 0 {
		t.Errorf("victim after the flood: %v, %v; want still throttled", d, err)
	}
	if d, err := l.Hit(ctx, user); err != nil || d != 0 {
		t.Errorf("existing window during the flood: %v, %v; want allowed", d, err)
	}
	if _, err := l.Hit(ctx, middleware.ThrottleKey{Client: "new", Account: "new"}); !errors.Is(err, middleware.ErrLimiterFull) {
		t.Errorf("new key while full: err = %v, want ErrLimiterFull", err)
	}
	clk.Advance(time.Hour)
	if d, err := l.Hit(ctx, middleware.ThrottleKey{Client: "new", Account: "new"}); err != nil || d != 0 {
		t.Errorf("new key once the windows have ended: %v, %v; want allowed", d, err)
	}
}

// TestLoginLimiterFull: a full limiter fails closed, 503 with Retry-After.
func TestLoginLimiterFull(t *testing.T) {
	clk := newClock()
	l := middleware.NewMemoryLimiter(5, time.Hour, clk.Now, middleware.LimitEntries(2))
	s, err := middleware.New(newCodec(t, clk), middleware.WithLimiter(l))
	if err != nil {
		t.Fatal(err)
	}
	h := s.LoginHandler(fakeAuth)
	if got := loginFrom(h, "192.0.2.1", "someone@example.com", "wrong"); got != http.StatusUnauthorized {
		t.Fatalf("first attempt: got %d, want 401", got)
	}
	req := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})
	req.RemoteAddr = "192.0.2.2:1"
	rec := serve(h, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("login while the limiter is full: got %d Retry-After %q, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if _, ok := setCookie(rec); ok {
		t.Error("session started although the attempt could not be counted")
	}
}

// TestMemoryLimiterEntrySize measures the memory one entry costs, for the figure in
// DefaultLimiterEntries' documentation.
func TestMemoryLimiterEntrySize(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a limiter")
	}
	const clients = 20_000
	l := middleware.NewMemoryLimiter(5, time.Hour, newClock().Now, middleware.LimitEntries(2*clients))
	before := heapInUse()
	for i := range clients { // keys as the middleware makes them, 32 hex digits, new on each request
		k := middleware.ThrottleKey{Client: hex32(2 * i), Account: hex32(2*i + 1)}
		if _, err := l.Hit(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	after := heapInUse()
	per := float64(int64(after)-int64(before)) / float64(l.Len())
	t.Logf("%d entries: %.0f bytes each", l.Len(), per)
	if per > 150 {
		t.Errorf("%.0f bytes per entry, want under 150", per)
	}
}

// hex32 returns a distinct 32-digit hex string for i.
func hex32(i int) string {
	s := strconv.FormatInt(int64(i), 16)
	for len(s) < 32 {
		s = "0" + s
	}
	return s
}

// A client's budget covers every account it names: here 2 failed attempts per window, so a
// third account is refused before the limiter keeps anything for it.
func ExampleNewMemoryLimiter() {
	l := middleware.NewMemoryLimiter(5, 15*time.Minute, nil, middleware.LimitClientAttempts(2))
	ctx := context.Background()
	for _, account := range []string{"alice", "bob", "carol"} {
		wait, err := l.Hit(ctx, middleware.ThrottleKey{Client: "203.0.113.9", Account: account})
		fmt.Printf("%s: wait %v, err %v\n", account, wait.Round(time.Minute), err)
	}
	fmt.Println("entries:", l.Len())
	// Output:
	// alice: wait 0s, err <nil>
	// bob: wait 0s, err <nil>
	// carol: wait 15m0s, err <nil>
	// entries: 3
}
