package integrations

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// The demo account every test signs in with.
const (
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
)

// t0 is the fixed moment the tests' clocks start at.
var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// clock is a settable clock shared by a codec, its middleware and the in-memory stores.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testHasher hashes at the lowest cost the password package accepts, to keep the tests quick.
var testHasher = sync.OnceValue(func() *password.Hasher {
	h, err := password.New(password.WithCost(password.MinCost))
	if err != nil {
		panic(err)
	}
	return h
})

// demoHash is the hash of demoPassword, made once.
var demoHash = sync.OnceValue(func() string {
	h, err := testHasher().Hash(context.Background(), []byte(demoPassword))
	if err != nil {
		panic(err)
	}
	return h
})

// demoAuth knows the demo account only.
func demoAuth() middleware.Authenticator[User] {
	return middleware.PasswordAuthenticator(testHasher(), func(_ context.Context, email string) (middleware.Account[User], error) {
		if email != demoEmail {
			return middleware.Account[User]{}, middleware.ErrNoAccount
		}
		return middleware.Account[User]{Subject: "1", PasswordHash: demoHash(), Payload: User{email}}, nil
	})
}

// newCodec returns a codec on clk signing with a fixed HS256 key "k1".
func newCodec(t testing.TB, clk *clock) *token.Codec[User] {
	t.Helper()
	key, err := token.NewHMACKey("k1", token.HS256, []byte("keycard-integrations-test-secret-0123"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[User](keys, token.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

// newSessions returns sessions of codec with in-memory revocation on clk, and opts.
func newSessions(t testing.TB, codec *token.Codec[User], clk *clock, opts ...middleware.Option) *middleware.Sessions[User] {
	t.Helper()
	opts = append([]middleware.Option{middleware.WithRevocation(middleware.NewMemoryRevocation(clk.Now))}, opts...)
	s, err := middleware.New(codec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loginRequest is a browser's form login to https://app.example.com/login from remoteAddr.
func loginRequest(email, pw, remoteAddr string) *http.Request {
	form := url.Values{"email": {email}, "password": {pw}}
	r := httptest.NewRequest(http.MethodPost, "https://app.example.com/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.RemoteAddr = remoteAddr
	return r
}

// serve runs r through h and returns the response.
func serve(h http.Handler, r *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

// sessionCookie returns the session cookie resp sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == middleware.DefaultCookieName && c.MaxAge >= 0 && c.Value != "" {
			return c
		}
	}
	return nil
}

// login signs the demo user in through h and returns the session cookie. A 503 (bcrypt did not
// finish within the login handler's deadline, as happens on a machine with far more work than
// cores under -race) is what a browser would retry, so login retries it, twice at most.
func login(t *testing.T, h http.Handler) *http.Cookie {
	t.Helper()
	resp := serve(h, loginRequest(demoEmail, demoPassword, "198.51.100.23:50000"))
	for retry := 0; resp.StatusCode == http.StatusServiceUnavailable && retry < 2; retry++ {
		t.Logf("login: 503 (Retry-After %s), trying again", resp.Header.Get("Retry-After"))
		resp = serve(h, loginRequest(demoEmail, demoPassword, "198.51.100.23:50000"))
	}
	c := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("login: got %d with session cookie %v, want 303 and a cookie", resp.StatusCode, c)
	}
	return c
}

// get is a browser navigation to path on https://app.example.com, with cookie when not nil.
func get(h http.Handler, path string, cookie *http.Cookie) *http.Response {
	r := httptest.NewRequest(http.MethodGet, "https://app.example.com"+path, nil)
	r.Header.Set("Accept", "text/html")
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	return serve(h, r)
}

// body reads resp's body.
func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
