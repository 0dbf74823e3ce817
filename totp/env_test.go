package totp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
	"github.com/keycard-go/keycard/totp"
)

// Profile is the session payload of the tests.
type Profile struct {
	Email string `json:"email"`
}

// t0 is the tests' start: the first second of a 30-second step.
var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

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

const (
	email = "alice@example.com"
	pass  = "correct horse battery staple"
)

func fakeAuth(_ context.Context, id string, pw []byte) (token.Subject, Profile, error) {
	if id == email && string(pw) == pass {
		return "user-1", Profile{Email: email}, nil
	}
	return "", Profile{}, middleware.ErrBadCredentials
}

// env is an application with password login, TOTP as second factor and every handler.
type env struct {
	clk      *clock
	codec    *token.Codec[Profile]
	sessions *middleware.Sessions[Profile]
	store    *totp.MemoryStore
	factor   *totp.Factor[Profile]
	mux      *http.ServeMux

	mu     sync.Mutex
	events []middleware.Event
	pages  []totp.Page
}

func newEnv(t testing.TB, opts ...totp.Option) *env {
	t.Helper()
	e := &env{clk: &clock{t: t0}, store: totp.NewMemoryStore()}
	key, err := token.NewHMACKey("k1", token.HS256, []byte("keycard-totp-test-secret-0123456"))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.NewKeySet(key)
	if e.codec, err = token.New[Profile](keys, token.WithClock(e.clk.Now)); err != nil {
		t.Fatal(err)
	}
	e.sessions, err = middleware.New(e.codec,
		middleware.WithSecondFactor("/login/2fa", totp.Required(e.store)),
		middleware.WithRevocation(middleware.NewMemoryRevocation(e.clk.Now)),
		middleware.WithEvents(func(_ context.Context, ev middleware.Event) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
		}))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(_ context.Context, sub token.Subject) (Profile, error) { return Profile{Email: email}, nil }
	all := append([]totp.Option{
		totp.WithIssuer("Example"),
		totp.WithAccountName(func(c *token.Claims[Profile]) string { return c.Payload.Email }),
		totp.WithPage(func(w http.ResponseWriter, r *http.Request, p totp.Page) {
			e.mu.Lock()
			e.pages = append(e.pages, p)
			e.mu.Unlock()
			w.WriteHeader(p.Status)
			_, _ = w.Write([]byte("page " + p.Kind + " " + p.Error))
		}),
	}, opts...)
	if e.factor, err = totp.New(e.sessions, e.store, lookup, all...); err != nil {
		t.Fatal(err)
	}
	s, f := e.sessions, e.factor
	mux := http.NewServeMux()
	mux.Handle("POST /login", s.LoginHandler(fakeAuth))
	mux.Handle("POST /logout", s.LogoutHandler())
	mux.Handle("POST /login/2fa", f.SecondStepHandler())
	mux.Handle("POST /2fa/enrol", s.RequireSession(f.EnrolHandler()))
	mux.Handle("GET /2fa/qr.png", s.RequireSession(f.QRHandler()))
	mux.Handle("POST /2fa/confirm", s.RequireSession(f.ConfirmHandler()))
	mux.Handle("POST /2fa/disable", s.RequireSession(f.DisableHandler()))
	mux.Handle("POST /2fa/recovery-codes", s.RequireSession(f.RecoveryCodesHandler()))
	mux.Handle("POST /2fa/step-up", s.RequireSession(f.StepUpHandler()))
	mux.Handle("GET /me", s.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFrom[Profile](r.Context())
		_ = json.NewEncoder(w).Encode(map[string]any{"sub": c.Subject, "sid": c.SessionID, "amr": c.AMR, "auth_time": c.AuthTime})
	})))
	mux.Handle("GET /sensitive", s.RequireSession(s.RequireRecentAuth(5*time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("sensitive"))
	}))))
	e.mux = mux
	return e
}

// browser keeps cookies between requests to an env, as a browser would.
type browser struct {
	e       *env
	cookies map[string]string
}

func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

// do sends a request with the browser's cookies and keeps the cookies of the answer.
func (b *browser) do(method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if contentType == "application/x-www-form-urlencoded" {
		req.Header.Set("Accept", "text/html")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	rec := httptest.NewRecorder()
	b.e.mux.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return rec
}

// json posts a JSON body and decodes the answer into a map.
func (b *browser) json(t testing.TB, path string, body map[string]string) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	if body == nil {
		raw = []byte("{}")
	}
	rec := b.do("POST", path, "application/json", string(raw))
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("POST %s: %d %q is not JSON", path, rec.Code, rec.Body.String())
	}
	return rec.Code, out
}

func (b *browser) form(path string, v url.Values) *httptest.ResponseRecorder {
	return b.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
}

// login posts the password and returns the JSON answer.
func (b *browser) login(t testing.TB) map[string]any {
	t.Helper()
	code, out := b.json(t, "/login", map[string]string{"email": email, "password": pass})
	if code != http.StatusOK {
		t.Fatalf("login: %d %v", code, out)
	}
	return out
}

// me returns GET /me's status and answer.
func (b *browser) me(t testing.TB) (int, map[string]any) {
	t.Helper()
	rec := b.do("GET", "/me", "", "")
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// enrolled signs alice in with her password, enables TOTP and returns the secret, the
// recovery codes and the browser, signed in. The clock is moved to the next step, so that the
// confirming code is not the current one.
func (e *env) enrolled(t testing.TB) (totp.Secret, []string, *browser) {
	t.Helper()
	b := e.browser()
	b.login(t)
	code, out := b.json(t, "/2fa/enrol", nil)
	if code != http.StatusOK {
		t.Fatalf("enrol: %d %v", code, out)
	}
	secret, err := totp.ParseSecret(out["secret"].(string))
	if err != nil {
		t.Fatal(err)
	}
	code, out = b.json(t, "/2fa/confirm", map[string]string{"code": e.code(t, secret, 0)})
	if code != http.StatusOK || out["enabled"] != true {
		t.Fatalf("confirm: %d %v", code, out)
	}
	var recovery []string
	for _, c := range out["recovery_codes"].([]any) {
		recovery = append(recovery, c.(string))
	}
	e.clk.Advance(30 * time.Second)
	return secret, recovery, b
}

// code is the code of secret at the env's time plus steps time steps.
func (e *env) code(t testing.TB, secret totp.Secret, steps int) string {
	t.Helper()
	c, err := totp.Params{}.Code(secret, e.clk.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrong returns a well-formed code that is none of the window's.
func (e *env) wrong(t testing.TB, secret totp.Secret) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if c != e.code(t, secret, -1) && c != e.code(t, secret, 0) && c != e.code(t, secret, 1) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func (e *env) eventKinds() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		out = append(out, ev.Kind)
	}
	return out
}

func newRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
