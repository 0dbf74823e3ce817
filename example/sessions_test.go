package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// testClock is a settable clock for the example's codec and stores.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sessionsServer is the example over TLS on a clock the test moves.
func sessionsServer(t *testing.T) (*httptest.Server, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Now()}
	cfg := testConfig(t)
	cfg.clock = clk.Now
	srv := httptest.NewTLSServer(testApp(t, cfg))
	t.Cleanup(srv.Close)
	return srv, clk
}

// apiDo sends a JSON request with b's cookies and returns the status and body.
func (b *browserClient) apiDo(method, path, body string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.srv.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

// loginAs signs b in through the form, remembered or not, and returns the Set-Cookie.
func (b *browserClient) loginAs(remember bool) *http.Cookie {
	b.t.Helper()
	form := url.Values{"email": {demoEmail}, "password": {demoPassword}}
	if remember {
		form.Set("remember", "on")
	}
	req, _ := http.NewRequestWithContext(b.t.Context(), "POST", b.srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", html)
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == middleware.DefaultCookieName {
			return ck
		}
	}
	b.t.Fatalf("login: %d without a session cookie", resp.StatusCode)
	return nil
}

func TestRememberMeCheckbox(t *testing.T) {
	srv, _ := sessionsServer(t)
	_, page := newBrowserClient(t, srv).do("GET", "/login", html, nil)
	if !strings.Contains(page, `name="remember" type="checkbox"`) {
		t.Error("the login page has no remember-me checkbox")
	}
	if c := newBrowserClient(t, srv).loginAs(false); c.MaxAge != 0 || strings.Contains(c.Raw, "Max-Age") {
		t.Errorf("not remembered: %q, want a browser-session cookie", c.Raw)
	}
	if c := newBrowserClient(t, srv).loginAs(true); c.MaxAge < 29*24*3600 {
		t.Errorf("remembered: %q, want a persistent cookie for 30 days", c.Raw)
	}
}

// TestSessionsPages: the list shows every session of the user; one is ended from another by
// its button, and all others at once; the JSON endpoints do the same.
func TestSessionsPages(t *testing.T) {
	srv, _ := sessionsServer(t)
	a, b, c := newBrowserClient(t, srv), newBrowserClient(t, srv), newBrowserClient(t, srv)
	for _, x := range []*browserClient{a, b, c} {
		x.loginAs(false)
	}
	resp, page := a.do("GET", "/sessions", html, nil)
	if resp.StatusCode != 200 || strings.Count(page, `data-session=`) != 3 || strings.Count(page, "This browser") != 1 ||
		strings.Count(page, `action="/sessions/end"`) != 2 || !strings.Contains(page, `action="/sessions/end-others"`) {
		t.Fatalf("sessions page: %d\n%s", resp.StatusCode, page)
	}

	status, body := a.apiDo("GET", "/api/sessions", "")
	var list struct{ Sessions []middleware.SessionInfo }
	if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Sessions) != 3 {
		t.Fatalf("GET /api/sessions: %d %s", status, body)
	}
	var bID string
	for _, e := range list.Sessions {
		if !e.Current && bID == "" {
			bID = string(e.ID)
		}
	}

	// Another user's (here: made-up) ID is refused.
	if status, _ := a.apiDo("POST", "/api/sessions/end", `{"id":"not-a-session"}`); status != http.StatusNotFound {
		t.Errorf("ending an unknown session: %d, want 404", status)
	}
	// The form button signs one session out.
	resp, page = a.do("POST", "/sessions/end", html, url.Values{"id": {bID}})
	if resp.StatusCode != 200 || !strings.Contains(page, "That session is signed out.") || strings.Count(page, `data-session=`) != 2 {
		t.Errorf("after ending one: %d\n%s", resp.StatusCode, page)
	}
	ended := 0
	for _, x := range []*browserClient{b, c} {
		if status, _ := x.apiDo("GET", "/api/me", ""); status == http.StatusUnauthorized {
			ended++
		}
	}
	if ended != 1 {
		t.Errorf("%d of the other two sessions ended, want 1", ended)
	}
	// Sign out all others, by JSON.
	status, body = a.apiDo("POST", "/api/sessions/end-others", "")
	if status != 200 || !strings.Contains(body, `"ended": 1`) {
		t.Errorf("end-others: %d %s", status, body)
	}
	for _, x := range []*browserClient{b, c} {
		if status, _ := x.apiDo("GET", "/api/me", ""); status != http.StatusUnauthorized {
			t.Errorf("another session after end-others: %d, want 401", status)
		}
	}
	if status, _ := a.apiDo("GET", "/api/me", ""); status != 200 {
		t.Errorf("the session that ended the others: %d, want 200", status)
	}
}

// TestSettingsStepUp: the settings page needs a sign-in within five minutes: later, browsers go
// to the login page with next and reason=reauth and API calls get RFC 9470's 401; signing in
// again keeps the session and opens the page; saving updates the session in place.
func TestSettingsStepUp(t *testing.T) {
	srv, clk := sessionsServer(t)
	b := newBrowserClient(t, srv)
	b.loginAs(false)
	first := b.sessionCookie().Value
	if resp, page := b.do("GET", "/settings", html, nil); resp.StatusCode != 200 || !strings.Contains(page, `name="name"`) {
		t.Fatalf("settings right after login: %d", resp.StatusCode)
	}
	clk.Advance(6 * time.Minute)
	resp, page := b.do("GET", "/settings", html, nil)
	if got := resp.Request.URL.RequestURI(); got != "/login?next=%2Fsettings&reason=reauth" || !strings.Contains(page, `id="reauth"`) ||
		!strings.Contains(page, `value="`+demoEmail+`"`) {
		t.Fatalf("settings after 6 minutes: at %q\n%s", got, page)
	}
	status, _ := b.apiDo("POST", "/api/settings", `{"name":"Nobody"}`)
	if status != http.StatusUnauthorized {
		t.Errorf("API settings after 6 minutes: %d, want 401", status)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/settings", nil)
	req.Header.Set("Accept", "application/json")
	r2, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if h := r2.Header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_user_authentication"`) || !strings.Contains(h, "max_age=300") {
		t.Errorf("WWW-Authenticate: %q", h)
	}

	// Signing in again (the form posts next) keeps the session.
	resp, _ = b.do("POST", "/login", html, url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"/settings"}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/settings" {
		t.Fatalf("re-authentication: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	status, body := b.apiDo("GET", "/api/sessions", "")
	if status != 200 || strings.Count(body, `"id"`) != 1 {
		t.Errorf("after re-authentication: %d sessions listed %s, want the one session", status, body)
	}
	status, body = b.apiDo("POST", "/api/settings", `{"name":"Demo Renamed"}`)
	if status != 200 || !strings.Contains(body, `"Demo Renamed"`) {
		t.Fatalf("save settings: %d %s", status, body)
	}
	if _, page := b.do("GET", "/", html, nil); !strings.Contains(page, "Hello, Demo Renamed") {
		t.Error("the dashboard does not show the new name")
	}
	// The token from before the re-authentication and the update is refused.
	old := newBrowserClient(t, srv)
	u, _ := url.Parse(srv.URL)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: middleware.DefaultCookieName, Value: first, Path: "/", Secure: true}})
	if status, _ := old.apiDo("GET", "/api/me", ""); status != http.StatusUnauthorized {
		t.Errorf("pre-update token: %d, want 401", status)
	}
}
