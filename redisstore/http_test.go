package redisstore_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// The HTTP tests run two application instances, each with its own middleware.Sessions, token
// codec, Redis client and store, behind two TLS test servers that share one Redis, as two
// servers behind a load balancer do. A browser is an http.Client with a cookie jar; the jar
// sends the host-only session cookie to both (cookies ignore ports).

type user struct {
	Name string `json:"name"`
}

// httpSecret is a fixed 32-byte HMAC key, shared by both instances.
var httpSecret = []byte("keycard-redisstore-test-key-0123")

const (
	aliceEmail    = "alice@example.com"
	alicePassword = "correct horse battery staple"
)

func authenticate(_ context.Context, identifier string, password []byte) (token.Subject, user, error) {
	if identifier == aliceEmail && string(password) == alicePassword {
		return "user-1", user{Name: "Alice"}, nil
	}
	return "", user{}, middleware.ErrBadCredentials
}

// reason answers 401 with a short reason code, so that tests can tell a revoked session from a
// failing store.
func reason(w http.ResponseWriter, _ *http.Request, err error) {
	code := "other"
	switch {
	case errors.Is(err, middleware.ErrRevoked):
		code = "revoked"
	case errors.Is(err, middleware.ErrStoreUnavailable):
		code = "store_unavailable"
	case errors.Is(err, middleware.ErrNoSession):
		code = "missing"
	}
	http.Error(w, code, http.StatusUnauthorized)
}

// newInstance starts one application instance on the Redis at addr.
func newInstance(t *testing.T, addr string) *httptest.Server {
	t.Helper()
	client := newClient(t, &redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	store, err := redisstore.New(client)
	if err != nil {
		t.Fatal(err)
	}
	key, err := token.NewHMACKey("k1", token.HS256, httpSecret)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[user](keys)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(codec,
		middleware.WithRevocation(store),
		middleware.WithLimiter(store),
		middleware.WithUnauthorizedHandler(reason),
	)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(authenticate))
	mux.Handle("POST /logout", sessions.LogoutHandler())
	mux.Handle("GET /me", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := middleware.ClaimsFrom[user](r.Context())
		if !ok {
			http.Error(w, "no claims", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "hello "+claims.Payload.Name)
	})))
	mux.Handle("POST /logout-everywhere", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFrom[user](r.Context())
		if err := sessions.EndAll(r.Context(), claims.Subject); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// browser is a client with a cookie jar of its own.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := *srv.Client() // trusts the test certificate, which every httptest server shares
	client.Jar = jar
	return &browser{t: t, client: &client}
}

// do sends a request and returns the status and body.
func (b *browser) do(method string, srv *httptest.Server, path, body string, cookie *http.Cookie) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	client := b.client
	if cookie != nil { // a stolen copy of the cookie, sent without the jar
		req.AddCookie(cookie)
		client = &http.Client{Transport: b.client.Transport}
	}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(out))
}

func (b *browser) login(srv *httptest.Server, email, password string) int {
	b.t.Helper()
	status, _ := b.do("POST", srv, "/login", `{"email":"`+email+`","password":"`+password+`"}`, nil)
	return status
}

// sessionCookie returns the session cookie the browser holds for srv.
func (b *browser) sessionCookie(srv *httptest.Server) *http.Cookie {
	b.t.Helper()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	for _, c := range b.client.Jar.Cookies(req.URL) {
		if c.Name == middleware.DefaultCookieName {
			return c
		}
	}
	b.t.Fatal("no session cookie")
	return nil
}

func expect(t *testing.T, what string, status int, body string, wantStatus int, wantBody string) {
	t.Helper()
	if status != wantStatus || (wantBody != "" && body != wantBody) {
		t.Errorf("%s: got %d %q, want %d %q", what, status, body, wantStatus, wantBody)
	}
}

func TestHTTPTwoInstances(t *testing.T) {
	redisServer := startServer(t)
	a, b := newInstance(t, redisServer.Addr()), newInstance(t, redisServer.Addr())

	t.Run("logout on one instance ends the session on the other", func(t *testing.T) {
		browser := newBrowser(t, a)
		if status := browser.login(a, aliceEmail, alicePassword); status != http.StatusOK {
			t.Fatalf("login on A: %d", status)
		}
		status, body := browser.do("GET", b, "/me", "", nil)
		expect(t, "GET /me on B", status, body, http.StatusOK, "hello Alice")
		stolen := browser.sessionCookie(a)

		status, _ = browser.do("POST", a, "/logout", "", nil)
		expect(t, "logout on A", status, "", http.StatusNoContent, "")
		status, body = browser.do("GET", b, "/me", "", nil)
		expect(t, "GET /me on B after logout", status, body, http.StatusUnauthorized, "missing")
		status, body = browser.do("GET", b, "/me", "", stolen)
		expect(t, "copy of the cookie on B after logout", status, body, http.StatusUnauthorized, "revoked")
	})

	t.Run("log out everywhere", func(t *testing.T) {
		laptop, phone := newBrowser(t, a), newBrowser(t, b)
		if status := laptop.login(a, aliceEmail, alicePassword); status != http.StatusOK {
			t.Fatalf("laptop login on A: %d", status)
		}
		if status := phone.login(b, aliceEmail, alicePassword); status != http.StatusOK {
			t.Fatalf("phone login on B: %d", status)
		}
		copies := []*http.Cookie{laptop.sessionCookie(a), phone.sessionCookie(b)}
		status, _ := phone.do("POST", b, "/logout-everywhere", "", nil)
		expect(t, "log out everywhere on B", status, "", http.StatusNoContent, "")
		status, body := laptop.do("GET", a, "/me", "", nil)
		expect(t, "laptop on A", status, body, http.StatusUnauthorized, "revoked")
		for _, srv := range []*httptest.Server{a, b} {
			for _, c := range copies {
				status, body := laptop.do("GET", srv, "/me", "", c)
				expect(t, "copy of a cookie", status, body, http.StatusUnauthorized, "revoked")
			}
		}
	})

	t.Run("login attempts are counted across instances", func(t *testing.T) {
		attacker := newBrowser(t, a)
		for i := range middleware.DefaultLoginAttempts {
			srv := []*httptest.Server{a, b}[i%2]
			if status := attacker.login(srv, "bob@example.com", "guess"); status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d, want 401", i+1, status)
			}
		}
		for _, srv := range []*httptest.Server{a, b} {
			if status := attacker.login(srv, "bob@example.com", "guess"); status != http.StatusTooManyRequests {
				t.Errorf("attempt past the limit: %d, want 429", status)
			}
		}
	})

	t.Run("fails closed while Redis is down", func(t *testing.T) {
		browser := newBrowser(t, a)
		if status := browser.login(a, aliceEmail, alicePassword); status != http.StatusOK {
			t.Fatalf("login on A: %d", status)
		}
		redisServer.Stop()
		start := time.Now()
		status, body := browser.do("GET", b, "/me", "", nil)
		expect(t, "GET /me on B, Redis down", status, body, http.StatusUnauthorized, "store_unavailable")
		if elapsed := time.Since(start); elapsed > maxFailTime {
			t.Errorf("refused after %v, want under %v", elapsed, maxFailTime)
		}
		if status := browser.login(b, aliceEmail, alicePassword); status != http.StatusServiceUnavailable {
			t.Errorf("login on B, Redis down: %d, want 503", status)
		}

		redisServer.Start()
		deadline := time.Now().Add(5 * time.Second)
		for {
			status, body = browser.do("GET", b, "/me", "", nil)
			if status == http.StatusOK || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		expect(t, "GET /me on B, Redis back", status, body, http.StatusOK, "hello Alice")
	})
}
