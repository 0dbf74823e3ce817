package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/totp"
)

// apiClient speaks the JSON endpoints of one or more instances of the example, with one cookie
// jar, as a script or a single-page app would.
type apiClient struct {
	t   *testing.T
	c   *http.Client
	srv *httptest.Server
}

func newAPIClient(t *testing.T, srv *httptest.Server) *apiClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *srv.Client() // a copy: srv.Client() returns one shared client
	c.Jar, c.Timeout = jar, 30*time.Second
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &apiClient{t: t, c: &c, srv: srv}
}

// post sends body as JSON to path and decodes the JSON answer.
func (a *apiClient) post(path string, body map[string]string) (int, map[string]any) {
	a.t.Helper()
	raw, _ := json.Marshal(body)
	if body == nil {
		raw = []byte("{}")
	}
	req, err := http.NewRequestWithContext(a.t.Context(), "POST", a.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (a *apiClient) get(path string) int {
	a.t.Helper()
	req, _ := http.NewRequestWithContext(a.t.Context(), "GET", a.srv.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (a *apiClient) login() map[string]any {
	a.t.Helper()
	status, out := a.post("/login", map[string]string{"email": demoEmail, "password": demoPassword})
	if status != http.StatusOK {
		a.t.Fatalf("login: %d %v", status, out)
	}
	return out
}

// enable switches two-factor on for the demo user and returns the secret and recovery codes.
func (a *apiClient) enable() (totp.Secret, []string) {
	a.t.Helper()
	status, out := a.post("/2fa/enrol", nil)
	if status != http.StatusOK {
		a.t.Fatalf("enrol: %d %v", status, out)
	}
	secret, err := totp.ParseSecret(out["secret"].(string))
	if err != nil {
		a.t.Fatal(err)
	}
	status, out = a.post("/2fa/confirm", map[string]string{"code": codeAt(a.t, secret, time.Now())})
	if status != http.StatusOK {
		a.t.Fatalf("confirm: %d %v", status, out)
	}
	var codes []string
	for _, c := range out["recovery_codes"].([]any) {
		codes = append(codes, c.(string))
	}
	return secret, codes
}

func codeAt(t testing.TB, secret totp.Secret, at time.Time) string {
	t.Helper()
	c, err := totp.Params{}.Code(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nextCode returns the code of the next time step, which the window of one step accepts
// already: the current step's code was used to confirm.
func nextCode(t testing.TB, secret totp.Secret) string {
	t.Helper()
	return codeAt(t, secret, time.Now().Add(30*time.Second))
}

// TestTwoFactorJSON runs the JSON endpoints the README lists: enrol, confirm, login with a
// code, with a recovery code, and disable.
func TestTwoFactorJSON(t *testing.T) {
	srv := httptest.NewTLSServer(testApp(t, testConfig(t)))
	defer srv.Close()
	a := newAPIClient(t, srv)
	a.login()
	secret, recovery := a.enable()
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes", len(recovery))
	}
	// A new client: password, then the code.
	b := newAPIClient(t, srv)
	if out := b.login(); out["second_factor_required"] != true || out["second_factor_path"] != "/login/2fa" {
		t.Fatalf("password login: %v", out)
	}
	if status := b.get("/api/me"); status != http.StatusUnauthorized {
		t.Fatalf("/api/me between the steps: %d, want 401", status)
	}
	if status, out := b.post("/login/2fa", map[string]string{"code": "000000"}); status != http.StatusUnauthorized || out["error"] != "invalid_code" {
		// 000000 may be the real code once in a million runs; the next assertion would then fail
		t.Fatalf("wrong code: %d %v", status, out)
	}
	if status, out := b.post("/login/2fa", map[string]string{"code": nextCode(t, secret)}); status != http.StatusOK {
		t.Fatalf("second step: %d %v", status, out)
	}
	if status := b.get("/api/me"); status != http.StatusOK {
		t.Fatalf("/api/me after the second step: %d", status)
	}
	// A recovery code, once.
	c := newAPIClient(t, srv)
	c.login()
	if status, out := c.post("/login/2fa", map[string]string{"code": recovery[0]}); status != http.StatusOK || out["recovery_codes_left"] != float64(9) {
		t.Fatalf("recovery code: %d %v", status, out)
	}
	d := newAPIClient(t, srv)
	d.login()
	if status, out := d.post("/login/2fa", map[string]string{"code": recovery[0]}); status != http.StatusUnauthorized {
		t.Fatalf("used recovery code: %d %v", status, out)
	}
	// Disable with a code; the next login is a password login again.
	if status, out := b.post("/2fa/disable", map[string]string{"code": recovery[1]}); status != http.StatusOK || out["enabled"] != false {
		t.Fatalf("disable: %d %v", status, out)
	}
	if out := newAPIClient(t, srv).login(); out["second_factor_required"] == true {
		t.Error("second factor still required after disabling")
	}
}

// TestTwoFactorAcrossInstances runs two instances of the example on one real redis-server, as
// behind a load balancer: a code accepted by one is refused by the other, and a pending login's
// credential used on one cannot be tried again on the other.
func TestTwoFactorAcrossInstances(t *testing.T) {
	stores, err := openRedis(t.Context(), startRedis(t), "", true, zerolog.Nop())
	if err != nil {
		t.Fatalf("openRedis: %v", err)
	}
	defer stores.close()
	cfg := testConfig(t)
	cfg.revocation, cfg.limiter, cfg.once = stores.revocation, stores.limiter, stores.store
	cfg.totpStore = totp.NewMemoryStore() // the application's database, shared by both
	one := httptest.NewTLSServer(testApp(t, cfg))
	defer one.Close()
	two := httptest.NewTLSServer(testApp(t, cfg))
	defer two.Close()

	a := newAPIClient(t, one)
	a.login()
	secret, _ := a.enable()
	code := nextCode(t, secret)

	// Logged in on instance one with the code...
	b := newAPIClient(t, one)
	b.login()
	if status, out := b.post("/login/2fa", map[string]string{"code": code}); status != http.StatusOK {
		t.Fatalf("instance one: %d %v", status, out)
	}
	// ...the same code is refused on instance two, within its window.
	c := newAPIClient(t, two)
	c.login()
	if status, out := c.post("/login/2fa", map[string]string{"code": code}); status != http.StatusUnauthorized || out["error"] != "code_used" {
		t.Fatalf("replay on instance two: %d %v, want 401 code_used", status, out)
	}
	if status := c.get("/api/me"); status != http.StatusUnauthorized {
		t.Fatal("the replayed code gave a session on instance two")
	}

	// A pending credential tried on instance one cannot be tried again on instance two.
	d := newAPIClient(t, one)
	d.login()
	stale := d.pendingCookie()
	if status, _ := d.post("/login/2fa", map[string]string{"code": "000000"}); status != http.StatusUnauthorized {
		t.Fatalf("wrong code on instance one: %d", status)
	}
	e := newAPIClient(t, two)
	e.setPendingCookie(stale)
	if status, out := e.post("/login/2fa", map[string]string{"code": "000000"}); status != http.StatusConflict || out["error"] != "pending_login_used" {
		t.Fatalf("replayed pending credential on instance two: %d %v, want 409 pending_login_used", status, out)
	}
}

const pendingCookie = "__Host-session-pending"

func (a *apiClient) pendingCookie() *http.Cookie {
	a.t.Helper()
	for _, c := range a.c.Jar.Cookies(mustURL(a.t, a.srv.URL)) {
		if c.Name == pendingCookie {
			return c
		}
	}
	a.t.Fatal("no pending cookie")
	return nil
}

func (a *apiClient) setPendingCookie(c *http.Cookie) {
	a.c.Jar.SetCookies(mustURL(a.t, a.srv.URL), []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/", Secure: true}})
}

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
