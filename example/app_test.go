package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// testConfig is an appConfig with a fresh key and the cheapest bcrypt cost the password package
// allows, so that tests stay fast.
func testConfig(t *testing.T) appConfig {
	t.Helper()
	key, err := token.GenerateKey("test", token.HS256)
	if err != nil {
		t.Fatal(err)
	}
	return appConfig{key: key, hashCost: password.MinCost}
}

func testApp(t *testing.T, cfg appConfig) http.Handler {
	t.Helper()
	h, err := newApp(t.Context(), cfg)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	return h
}

func TestNewAppNeedsKey(t *testing.T) {
	if _, err := newApp(t.Context(), appConfig{}); err == nil {
		t.Fatal("newApp without a key: got nil error, want one")
	}
}

func TestLoginPage(t *testing.T) {
	h := testApp(t, testConfig(t))
	tests := []struct {
		name     string
		target   string
		wantNext string
	}{
		{"no next", "/login", `name="next" value="/"`},
		{"local next", "/login?next=%2Fapi%2Fme", `name="next" value="/api/me"`},
		{"foreign next", "/login?next=https%3A%2F%2Fevil.example", `name="next" value="/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.target, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type: got %q", got)
			}
			body := rec.Body.String()
			for _, want := range []string{
				`<form method="post" action="/login"`, `name="email"`, `name="password"`,
				`type="hidden" ` + tt.wantNext, demoEmail, demoPassword,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q", want)
				}
			}
			if strings.Contains(body, `class="alert"`) {
				t.Error("a fresh login page shows an error")
			}
		})
	}
}

func TestUnauthenticated(t *testing.T) {
	h := testApp(t, testConfig(t))
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		wantStatus   int
		wantLocation string
	}{
		{"dashboard, browser", "GET", "/", map[string]string{"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}, http.StatusSeeOther, "/login?next=%2F"},
		{"api, browser navigation", "GET", "/api/me", map[string]string{"Accept": "text/html"}, http.StatusSeeOther, "/login?next=%2Fapi%2Fme"},
		{"api, fetch", "GET", "/api/me", map[string]string{"Accept": "application/json"}, http.StatusUnauthorized, ""},
		{"dashboard, script", "GET", "/", nil, http.StatusUnauthorized, ""},
		{"logout with GET", "GET", "/logout", nil, http.StatusMethodNotAllowed, ""},
		{"unknown page", "GET", "/nope", nil, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("Location: got %q, want %q", got, tt.wantLocation)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got == "" {
				t.Error("no Content-Security-Policy header")
			}
		})
	}
}

func TestStylesheet(t *testing.T) {
	h := testApp(t, testConfig(t))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/style.css", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("got %d %q, want 200 text/css", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// browserClient is a client of srv with a cookie jar, announcing itself as a browser that
// accepts HTML, as a user's browser would.
type browserClient struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newBrowserClient(t *testing.T, srv *httptest.Server) *browserClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := new(http.Client)
	*c = *srv.Client() // a copy: srv.Client returns the same client every time, jar included
	c.Jar = jar
	c.Timeout = 30 * time.Second
	return &browserClient{t: t, srv: srv, c: c}
}

// do sends a request (following redirects) and returns the final response with its body read.
func (b *browserClient) do(method, path, accept string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(data)
}

func (b *browserClient) sessionCookie() *http.Cookie {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == middleware.DefaultCookieName {
			return c
		}
	}
	return nil
}

const html = "text/html"

// TestLoginFlow goes through a user's session over TLS with a cookie jar, so that the Secure
// __Host- cookie really travels: login page, login, dashboard, /api/me, logout, and the old
// token refused afterwards (revocation).
func TestLoginFlow(t *testing.T) {
	srv := httptest.NewTLSServer(testApp(t, testConfig(t)))
	defer srv.Close()
	checkLoginFlow(t, srv)
}

func checkLoginFlow(t *testing.T, srv *httptest.Server) {
	b := newBrowserClient(t, srv)

	resp, body := b.do("GET", "/", html, nil)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/login?next=%2F" {
		t.Fatalf("GET / without a session: got %d at %s, want 200 at /login?next=%%2F", resp.StatusCode, resp.Request.URL.RequestURI())
	}
	if !strings.Contains(body, `name="password"`) {
		t.Fatal("GET / without a session did not end on the login form")
	}

	resp, body = b.do("POST", "/login", html, url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"/"}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		t.Fatalf("login: got %d at %s, want 200 at /", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{demoEmail, demoName, `action="/logout"`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	cookie := b.sessionCookie()
	if cookie == nil {
		t.Fatalf("no %s cookie after login", middleware.DefaultCookieName)
	}

	resp, body = b.do("GET", "/api/me", "application/json", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/me: got %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("GET /api/me Content-Type: got %q", got)
	}
	var me meResponse
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatalf("GET /api/me: %v in %q", err, body)
	}
	if me.Subject != "user-1" || me.Email != demoEmail || me.Name != demoName {
		t.Errorf("GET /api/me: got %+v, want user-1, %s, %s", me, demoEmail, demoName)
	}
	if !me.ExpiresAt.After(time.Now()) || me.AuthTime.IsZero() || me.IssuedAt.IsZero() {
		t.Errorf("GET /api/me times: got %+v", me)
	}

	resp, _ = b.do("GET", "/login?next=%2Fapi%2Fme", html, nil)
	if resp.Request.URL.Path != "/api/me" {
		t.Errorf("GET /login when signed in: ended at %s, want /api/me", resp.Request.URL)
	}

	resp, body = b.do("POST", "/logout", html, url.Values{})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" || !strings.Contains(body, `name="password"`) {
		t.Fatalf("logout: got %d at %s, want 200 at the login page", resp.StatusCode, resp.Request.URL)
	}
	if b.sessionCookie() != nil {
		t.Error("session cookie still in the jar after logout")
	}
	resp, _ = b.do("GET", "/", html, nil)
	if resp.Request.URL.Path != "/login" {
		t.Errorf("GET / after logout: ended at %s, want the login page", resp.Request.URL)
	}

	// A copy of the logged-out token no longer works.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/me", nil)
	req.Header.Set("Accept", "application/json")
	req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	old, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	old.Body.Close()
	if old.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/me with the logged-out token: got %d, want 401", old.StatusCode)
	}
}

func TestFailedLogin(t *testing.T) {
	cfg := testConfig(t)
	cfg.limiter = middleware.NewMemoryLimiter(1, time.Minute, nil) // per account and client: the second try on demo@ is throttled
	srv := httptest.NewTLSServer(testApp(t, cfg))
	defer srv.Close()
	b := newBrowserClient(t, srv)

	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantText   string
	}{
		{"wrong password", url.Values{"email": {demoEmail}, "password": {"wrong-password"}, "next": {"/api/me"}}, http.StatusUnauthorized, "Incorrect account or password."},
		{"unknown account", url.Values{"email": {"nobody@example.com"}, "password": {demoPassword}, "next": {"/api/me"}}, http.StatusUnauthorized, "Incorrect account or password."},
		{"throttled", url.Values{"email": {demoEmail}, "password": {"wrong-again"}, "next": {"/api/me"}}, http.StatusTooManyRequests, "Too many attempts."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.t = t
			resp, body := b.do("POST", "/login", html, tt.form)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for _, want := range []string{
				`class="alert"`, tt.wantText, `name="password"`, demoPassword, // the same page as GET /login
				`value="` + tt.form.Get("email") + `"`, `name="next" value="/api/me"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q", want)
				}
			}
			if b.sessionCookie() != nil {
				t.Error("a failed login set a session cookie")
			}
		})
	}
}

func TestFailedLoginJSON(t *testing.T) {
	h := testApp(t, testConfig(t))
	req := httptest.NewRequest("POST", "/login", strings.NewReader(`{"email":"demo@example.com","password":"nope-nope"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status: got %d, want 401", rec.Code)
	}
	if got, want := strings.TrimSpace(rec.Body.String()), `{"error":"invalid_credentials"}`; got != want {
		t.Errorf("body: got %s, want %s", got, want)
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"Demo User": "DU", "ada": "A", "Émile Zola Jr": "ÉZ", "  ": "?"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestLoginEmailCaseInsensitive: people type their address with capitals; the demo account is
// found however the address is cased or padded.
func TestLoginEmailCaseInsensitive(t *testing.T) {
	h := testApp(t, testConfig(t))
	for _, email := range []string{"demo@example.com", "Demo@Example.COM", "  DEMO@EXAMPLE.COM "} {
		body := `{"email":` + strconv.Quote(email) + `,"password":"` + demoPassword + `"}`
		req := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("login as %q: got %d %s, want 200", email, rec.Code, rec.Body)
		}
	}
}
