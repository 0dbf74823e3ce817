package passkey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/passkey/passkeytest"
	"github.com/keycard-go/keycard/token"
)

// Profile is the session payload of the tests.
type Profile struct {
	Email string `json:"email"`
}

const origin = "https://example.com"

var rp = passkey.RelyingParty{ID: "example.com", Name: "Example", Origins: []string{origin}}

// clock is a settable clock shared by the codecs and the stores.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// syncBuffer collects log lines from concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// users is the application's user table of the tests.
var users = map[token.Subject]passkey.User[Profile]{
	"user-1": {Name: "ada@example.com", DisplayName: "Ada", Payload: Profile{Email: "ada@example.com"}},
	"user-2": {Name: "bob@example.com", Payload: Profile{Email: "bob@example.com"}},
}

func findUser(_ context.Context, sub token.Subject) (passkey.User[Profile], error) {
	u, ok := users[sub]
	if !ok {
		return u, passkey.ErrNoUser
	}
	return u, nil
}

// fixture is an application with passkeys: sessions, the passkey handler, and two test routes,
// POST /test/signin?sub= (a password sign-in stand-in) and GET /test/me.
type fixture struct {
	clk      *clock
	codec    *token.Codec[Profile]
	sessions *middleware.Sessions[Profile]
	pk       *passkey.Passkeys[Profile]
	store    *passkey.MemoryStore
	logs     *syncBuffer
	h        http.Handler

	mu     sync.Mutex
	events []middleware.Event
}

func newFixture(t testing.TB, opts ...passkey.Option) *fixture {
	t.Helper()
	f := &fixture{clk: &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}, store: passkey.NewMemoryStore(), logs: &syncBuffer{}}
	key, err := token.NewHMACKey("k1", token.HS256, []byte("keycard-test-secret-0123456789ab"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	if f.codec, err = token.New[Profile](keys, token.WithClock(f.clk.Now)); err != nil {
		t.Fatal(err)
	}
	logger := zerolog.New(f.logs).Level(zerolog.DebugLevel)
	f.sessions, err = middleware.New(f.codec, middleware.WithLogger(logger),
		middleware.WithRevocation(middleware.NewMemoryRevocation(f.clk.Now)),
		middleware.WithOnceStore(middleware.NewMemoryOnce(f.clk.Now)),
		middleware.WithEvents(func(_ context.Context, e middleware.Event) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.events = append(f.events, e)
		}))
	if err != nil {
		t.Fatal(err)
	}
	f.pk, err = passkey.New(f.sessions, rp, f.store, findUser, append([]passkey.Option{passkey.WithLogger(logger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/passkey/", f.pk.Handler())
	mux.HandleFunc("POST /test/signin", func(w http.ResponseWriter, r *http.Request) {
		sub := token.Subject(r.URL.Query().Get("sub"))
		if _, err := f.sessions.Start(w, r, sub, users[sub].Payload, middleware.AuthMethods(middleware.AMRPassword)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /test/password", func(w http.ResponseWriter, r *http.Request) {
		// A correct password for an account with a second factor: a pending login.
		sub := token.Subject(r.URL.Query().Get("sub"))
		if _, err := f.sessions.StartPending(w, r, sub, []string{middleware.AMRPassword}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	f.h = mux
	return f
}

// browser is one browser's cookie jar against the fixture. It sends every cookie it holds
// (the fixture is served over https) and plays a same-origin page.
type browser struct {
	t       testing.TB
	f       *fixture
	origin  string
	cookies map[string]string
	// lastChallenge is the challenge of the last options, for tests that build a response
	// by hand.
	lastChallenge string
}

func (f *fixture) browser(t testing.TB) *browser {
	return &browser{t: t, f: f, origin: origin, cookies: make(map[string]string)}
}

// do sends a request as a fetch from the page would, and keeps the cookies of the answer.
func (b *browser) do(method, path string, body []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, origin+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, origin+path, nil)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", b.origin)
	if b.origin == origin {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.f.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return rec
}

// signIn starts a session for sub, as a password sign-in would.
func (b *browser) signIn(sub token.Subject) {
	b.t.Helper()
	if rec := b.do("POST", "/test/signin?sub="+string(sub), nil); rec.Code != http.StatusOK {
		b.t.Fatalf("test sign-in: %d %s", rec.Code, rec.Body)
	}
}

// session returns the browser's session, if it holds a valid one.
func (b *browser) session() (*token.Claims[Profile], bool) {
	raw, ok := b.cookies[middleware.DefaultCookieName]
	if !ok {
		return nil, false
	}
	c, err := b.f.codec.Verify(raw)
	return c, err == nil
}

// options fetches ceremony options and checks they are JSON.
func (b *browser) options(path string) []byte {
	b.t.Helper()
	rec := b.do("POST", path, nil)
	if rec.Code != http.StatusOK {
		b.t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	if !json.Valid(rec.Body.Bytes()) {
		b.t.Fatalf("POST %s: not JSON: %s", path, rec.Body)
	}
	return rec.Body.Bytes()
}

// register runs a registration with a and returns the final answer.
func (b *browser) register(a *passkeytest.Authenticator, knobs ...passkeytest.Knob) *httptest.ResponseRecorder {
	b.t.Helper()
	resp, err := a.Create(b.options("/passkey/register/options"), knobs...)
	if err != nil {
		b.t.Fatalf("authenticator: %v", err)
	}
	return b.do("POST", "/passkey/register", resp)
}

// login runs a sign-in with a and returns the final answer.
func (b *browser) login(a *passkeytest.Authenticator, knobs ...passkeytest.Knob) *httptest.ResponseRecorder {
	b.t.Helper()
	resp, err := a.Get(b.options("/passkey/login/options"), knobs...)
	if err != nil {
		b.t.Fatalf("authenticator: %v", err)
	}
	return b.do("POST", "/passkey/login", resp)
}

// newAuthenticator returns a software authenticator for the fixture's origin.
func newAuthenticator(t testing.TB, opts ...passkeytest.Option) *passkeytest.Authenticator {
	t.Helper()
	a, err := passkeytest.New(origin, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// enrolled returns a browser signed out again after user-1 registered a passkey with a.
func (f *fixture) enrolled(t testing.TB, a *passkeytest.Authenticator) *browser {
	t.Helper()
	b := f.browser(t)
	b.signIn("user-1")
	if rec := b.register(a); rec.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	delete(b.cookies, middleware.DefaultCookieName)
	return b
}

// wantReason fails unless the logs name reason.
func (f *fixture) wantReason(t testing.TB, reason string) {
	t.Helper()
	if !strings.Contains(f.logs.String(), `"reason":"`+reason+`"`) {
		t.Errorf("logs lack reason %q:\n%s", reason, f.logs)
	}
}

// errorCode returns the "error" of a JSON error answer.
func errorCode(rec *httptest.ResponseRecorder) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return e.Error
}

func tokenSubject(s string) token.Subject { return token.Subject(s) }

// eventsOf returns the events of kind emitted so far.
func (f *fixture) eventsOf(kind string) []middleware.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []middleware.Event
	for _, e := range f.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
