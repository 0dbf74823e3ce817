package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// startDemo serves the example with the demo provider, over TLS (so that Go's cookie jar sends
// the Secure cookies) or over plain HTTP for a browser on http://localhost. It returns the
// application's base URL.
func startDemo(t *testing.T, useTLS bool) (string, *httptest.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	base := "http://localhost:" + port
	if useTLS {
		base = "https://127.0.0.1:" + port
	}
	idp, err := startDemoIdP(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.close() })
	p, err := idp.provider()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.baseURL, cfg.providers = base, append(cfg.providers, p)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: testApp(t, cfg)}}
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return base, srv
}

// demoBrowser is a cookie-keeping client that follows no redirect, so each hop of the flow
// (application, provider, application) can be looked at.
type demoBrowser struct {
	t   *testing.T
	c   *http.Client
	jar http.CookieJar
}

func demoClient(t *testing.T, srv *httptest.Server) *demoBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *srv.Client() // a copy: srv.Client() is shared
	c.Jar = jar
	c.Timeout = 30 * time.Second
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &demoBrowser{t: t, c: &c, jar: jar}
}

// getURL fetches an absolute URL as a browser navigation and returns the response and its body.
func (b *demoBrowser) getURL(u string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return b.send(req)
}

// postURL submits a same-origin form to an absolute URL.
func (b *demoBrowser) postURL(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(req)
}

func (b *demoBrowser) send(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(data)
}

// hasSession reports whether the browser holds a session cookie for base.
func (b *demoBrowser) hasSession(base string) bool {
	u, _ := url.Parse(base + "/")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == middleware.DefaultCookieName {
			return true
		}
	}
	return false
}

// idpForm returns the hidden fields of the demo provider's login page.
func idpForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, part := range strings.Split(page, `<input type="hidden" name="`)[1:] {
		name, rest, _ := strings.Cut(part, `" value="`)
		value, _, _ := strings.Cut(rest, `">`)
		form.Set(name, htmlUnescape(value))
	}
	if form.Get("state") == "" || form.Get("code_challenge") == "" || form.Get("nonce") == "" {
		t.Fatalf("the demo provider's login page lacks the request's parameters: %s", page)
	}
	return form
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// signInAtDemo runs the flow from the login page's link to the callback's answer, filling the
// demo provider's form with email, verified or not, or cancelling.
func signInAtDemo(t *testing.T, b *demoBrowser, base, email string, verified, cancel bool) (*http.Response, string) {
	t.Helper()
	_, page := b.getURL(base + "/login?next=%2Fapi%2Fme")
	if !strings.Contains(page, `href="/auth/demo/login?next=%2Fapi%2Fme"`) || !strings.Contains(page, "Sign in with Demo IdP") {
		t.Fatalf("login page lacks the Demo IdP link: %s", page)
	}
	resp, _ := b.getURL(base + "/auth/demo/login?next=%2Fapi%2Fme")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login route: %d", resp.StatusCode)
	}
	authz := resp.Header.Get("Location")
	resp, page = b.getURL(authz)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Demo IdP") {
		t.Fatalf("demo provider's login page: %d %s", resp.StatusCode, page)
	}
	form := idpForm(t, page)
	form.Set("email", email)
	form.Set("name", "Demo User")
	if verified {
		form.Set("verified", "on")
	}
	form.Set("action", "signin")
	if cancel {
		form.Set("action", "cancel")
	}
	u, _ := url.Parse(authz)
	resp, _ = b.postURL(u.Scheme+"://"+u.Host+u.Path, form)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("demo provider's form: %d", resp.StatusCode)
	}
	cb := resp.Header.Get("Location")
	if !strings.HasPrefix(cb, base+"/auth/demo/callback?") || !strings.Contains(cb, "iss=") {
		t.Fatalf("demo provider redirected to %q, want the callback with iss", cb)
	}
	return b.getURL(cb)
}

func TestDemoIdPSignIn(t *testing.T) {
	base, srv := startDemo(t, true)
	b := demoClient(t, srv)
	resp, _ := signInAtDemo(t, b, base, demoEmail, true, false)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/api/me" {
		t.Fatalf("callback: %d to %q, want 303 to /api/me", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := b.getURL(base + "/api/me")
	if !strings.Contains(body, `"subject": "user-1"`) || !strings.Contains(body, demoEmail) {
		t.Fatalf("/api/me after signing in through the demo provider: %s", body)
	}
	_, page := b.getURL(base + "/")
	if !strings.Contains(page, `action="/auth/demo/logout"`) || !strings.Contains(page, "with demo") {
		t.Errorf("dashboard does not offer logout through the provider: %s", page)
	}

	// Logging out ends the session here and at the provider, which sends the browser back.
	resp, _ = b.postURL(base+"/auth/demo/logout", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/oidc/logout?") {
		t.Fatalf("logout: %d to %q, want 303 to the provider", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = b.getURL(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != base+"/" {
		t.Errorf("provider's logout: %d to %q, want 302 to %s/", resp.StatusCode, resp.Header.Get("Location"), base)
	}
	if resp, _ := b.getURL(base + "/api/me"); resp.StatusCode != http.StatusSeeOther || b.hasSession(base) {
		t.Errorf("/api/me after logout: %d (session %v), want 303 to the login page and no session", resp.StatusCode, b.hasSession(base))
	}
}

func TestDemoIdPRefusals(t *testing.T) {
	base, srv := startDemo(t, true)
	tests := []struct {
		name     string
		email    string
		verified bool
		cancel   bool
		want     int
		wantText string
	}{
		{"unverified address", demoEmail, false, false, http.StatusForbidden, "has not verified your e-mail address"},
		{"no such user", "nobody@example.com", true, false, http.StatusForbidden, "No account is linked"},
		{"cancelled", demoEmail, true, true, http.StatusForbidden, "cancelled or refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := demoClient(t, srv)
			resp, body := signInAtDemo(t, b, base, tt.email, tt.verified, tt.cancel)
			if resp.StatusCode != tt.want || !strings.Contains(body, tt.wantText) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, body, tt.want, tt.wantText)
			}
			if b.hasSession(base) {
				t.Error("a refused sign-in left a session")
			}
		})
	}
}

func TestDemoIdPRefusesForeignRedirect(t *testing.T) {
	base, _ := startDemo(t, true)
	idp, err := startDemoIdP(base)
	if err != nil {
		t.Fatal(err)
	}
	defer idp.close()
	q := url.Values{"client_id": {demoClientID}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}, "state": {"s"}, "scope": {"openid"}}
	resp, err := http.Get(idp.m.AuthorizationEndpoint() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("authorization request with a foreign redirect_uri: %d, want 400", resp.StatusCode)
	}
}

func TestRunDemoIdP(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-demo-idp"}, env(nil), &out) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "listening") {
		if time.Now().After(deadline) {
			t.Fatalf("run -demo-idp did not start: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	m := listeningRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no URL in %s", out.String())
	}
	resp, err := http.Get(m[1] + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if !strings.Contains(body, "Sign in with Demo IdP") || !strings.Contains(out.String(), "demo OpenID provider") {
		t.Errorf("login page lacks the demo provider (%s); log %s", body, out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunRefusesOIDCFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"issuer without client", []string{"-addr", "127.0.0.1:0", "-oidc-issuer", "https://idp.example"}, "-oidc-client-id"},
		{"plain-http issuer", []string{"-addr", "127.0.0.1:0", "-oidc-issuer", "http://idp.example", "-oidc-client-id", "c"}, "must use https"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out syncBuffer
			err := run(t.Context(), tt.args, env(nil), &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(out.String(), "listening") {
				t.Error("run listened despite a bad -oidc configuration")
			}
		})
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
