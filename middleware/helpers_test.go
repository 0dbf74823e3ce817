package middleware_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// User is the session payload the tests use.
type User struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
}

// start is the fixed moment the tests' clocks start at.
var start = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the codec, the middleware and the stores.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: start} }

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

// testSecret is a fixed 32-byte HMAC key; tests never print it, and the log tests search for it.
var testSecret = []byte("keycard-test-secret-0123456789ab")

func newCodec(t testing.TB, clk *clock, opts ...token.Option) *token.Codec[User] {
	t.Helper()
	key, err := token.NewHMACKey("k1", token.HS256, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[User](keys, append([]token.Option{token.WithClock(clk.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

// fixture is a Sessions with its clock, its codec and a buffer that captures its logs.
type fixture struct {
	clk      *clock
	codec    *token.Codec[User]
	sessions *middleware.Sessions[User]
	logs     *bytes.Buffer
}

func newFixture(t testing.TB, opts ...middleware.Option) *fixture {
	t.Helper()
	clk := newClock()
	codec := newCodec(t, clk)
	logs := &bytes.Buffer{}
	logger := zerolog.New(&syncWriter{w: logs}).Level(zerolog.DebugLevel)
	all := append([]middleware.Option{middleware.WithLogger(logger)}, opts...)
	s, err := middleware.New(codec, all...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, codec: codec, sessions: s, logs: logs}
}

// syncWriter serialises writes from concurrent requests into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

var alice = User{Email: "alice@example.com", Name: "Alice"}

// issue returns a session token for alice, issued now.
func (f *fixture) issue(t testing.TB) (string, *token.Claims[User]) {
	t.Helper()
	raw, claims, err := f.codec.Issue("user-1", alice)
	if err != nil {
		t.Fatal(err)
	}
	return raw, claims
}

// cookieHeader is the Cookie header a browser would send for raw.
func cookieHeader(raw string) string { return middleware.DefaultCookieName + "=" + raw }

// protected is a handler that reports the signed-in user's e-mail.
var protected = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	claims, ok := middleware.ClaimsFrom[User](r.Context())
	if !ok {
		http.Error(w, "no claims", http.StatusTeapot)
		return
	}
	_, _ = w.Write([]byte("hello " + claims.Payload.Email))
})

// serve runs h for req and returns the recorded response.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// setCookie returns the Set-Cookie for the session cookie in rec, if any.
func setCookie(rec *httptest.ResponseRecorder) (*http.Cookie, bool) {
	for _, c := range rec.Result().Cookies() {
		if c.Name == middleware.DefaultCookieName {
			return c, true
		}
	}
	return nil, false
}

// failingStore is a revocation store whose every call fails.
type failingStore struct{}

var errStoreDown = &storeError{}

type storeError struct{}

func (*storeError) Error() string { return "store: connection refused" }

func (failingStore) Revoke(context.Context, token.SessionID, time.Time) error { return errStoreDown }
func (failingStore) RevokeSubject(context.Context, token.Subject, time.Time, time.Time) error {
	return errStoreDown
}
func (failingStore) RevokeBefore(context.Context, token.SessionID, uint64, time.Time) error {
	return errStoreDown
}
func (failingStore) IsRevoked(context.Context, token.SessionID, token.Subject, time.Time, uint64) (bool, error) {
	return false, errStoreDown
}

// noSecrets fails the test if the logs contain any of the secrets.
func noSecrets(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("logs contain a secret (%d bytes) that must never be logged", len(s))
		}
	}
}
