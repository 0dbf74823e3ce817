package e2e_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

// signIn runs a whole successful flow in b.
func signIn(t *testing.T, a *testApp, b *browser, name string) {
	t.Helper()
	resp := b.get(b.authorize(a, name, ""), false)
	if resp.StatusCode != http.StatusSeeOther || !hasSession(resp) {
		t.Fatalf("sign-in: status %d, session %v; logs %s", resp.StatusCode, hasSession(resp), a.logs)
	}
}

// post sends a same-origin form POST, as a browser would.
func (b *browser) post(u string, crossSite bool) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(""))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if crossSite {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestLogout(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	b := newBrowser(t, a)
	signIn(t, a, b, "test")
	session := cookieValue(t, b, a, middleware.DefaultCookieName)

	a.takeEvents()
	if resp := b.post(a.srv.URL+"/auth/test/logout", true); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout: status %d, want 403", resp.StatusCode)
	}
	checkLogoutFailure(t, a, "cross_origin")
	if resp := b.get(a.srv.URL+"/auth/test/logout", false); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET logout: status %d, want 405", resp.StatusCode)
	}

	resp := b.post(a.srv.URL+"/auth/test/logout", false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loc.Scheme+"://"+loc.Host+loc.Path, idp.m.Addr()+"/oidc/logout"; got != want {
		t.Errorf("logout goes to %q, want the provider's end_session_endpoint %q", got, want)
	}
	if got := loc.Query().Get("client_id"); got != testClientID {
		t.Errorf("end session client_id %q, want %q", got, testClientID)
	}
	if got, want := loc.Query().Get("post_logout_redirect_uri"), a.srv.URL+"/"; got != want {
		t.Errorf("post_logout_redirect_uri %q, want %q", got, want)
	}
	if !clearsCookie(resp, middleware.DefaultCookieName) {
		t.Error("logout did not clear the session cookie")
	}
	// The provider ends its session and sends the browser back.
	resp = b.get(loc.String(), false)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != a.srv.URL+"/" {
		t.Errorf("provider's logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	idp.mu.Lock()
	n := len(idp.logouts)
	idp.mu.Unlock()
	if n != 1 {
		t.Errorf("%d logout requests reached the provider, want 1", n)
	}
	// The session is revoked: a copy of its cookie no longer works.
	if resp := getWithCookie(t, a, a.srv.URL+"/me", middleware.DefaultCookieName, session); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old session after logout: status %d, want 401", resp.StatusCode)
	}
}

func TestLogoutWithoutEndSession(t *testing.T) {
	idp := newTestIdP(t)
	idp.set(func(p *testIdP) { p.discovery = func(doc map[string]any) { delete(doc, "end_session_endpoint") } })
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	b := newBrowser(t, a)
	signIn(t, a, b, "test")
	resp := b.post(a.srv.URL+"/auth/test/logout", false)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || !clearsCookie(resp, middleware.DefaultCookieName) {
		t.Errorf("local logout: status %d, Location %q, cleared %v; want 303 to / and the cookie cleared",
			resp.StatusCode, resp.Header.Get("Location"), clearsCookie(resp, middleware.DefaultCookieName))
	}
}

// TestLogoutIgnoresHost: the post-logout URL the provider is given comes from the configured
// base URL, never from the request's Host header, which the client writes: the provider would
// otherwise send the signed-out browser wherever the header said.
func TestLogoutIgnoresHost(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	b := newBrowser(t, a)
	signIn(t, a, b, "test")
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/auth/test/logout", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("Accept", "text/html")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got, want := loc.Query().Get("post_logout_redirect_uri"), a.srv.URL+"/"; got != want {
		t.Errorf("post_logout_redirect_uri %q with Host evil.example, want %q", got, want)
	}
}

// TestLogoutUnusableEndSession: an end_session_endpoint that is not https (or http to a
// loopback host) is not followed: logout stays local rather than send the browser there.
func TestLogoutUnusableEndSession(t *testing.T) {
	for _, endpoint := range []string{"http://evil.example/logout", "javascript:alert(1)", "//evil.example/logout", "/logout"} {
		t.Run(endpoint, func(t *testing.T) {
			idp := newTestIdP(t)
			idp.set(func(p *testIdP) { p.discovery = func(doc map[string]any) { doc["end_session_endpoint"] = endpoint } })
			a := newTestApp(t, appOptions{}, provider(t, "test", idp))
			b := newBrowser(t, a)
			signIn(t, a, b, "test")
			resp := b.post(a.srv.URL+"/auth/test/logout", false)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
				t.Errorf("logout: %d to %q, want 303 to / (local)", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// failingRevocation is a memory revocation store whose Revoke fails while fail is set.
type failingRevocation struct {
	*middleware.MemoryRevocation
	fail atomic.Bool
}

func (f *failingRevocation) Revoke(ctx context.Context, sid token.SessionID, until time.Time) error {
	if f.fail.Load() {
		return errors.New("revocation store down")
	}
	return f.MemoryRevocation.Revoke(ctx, sid, until)
}

// TestLogoutRevocationFailure: when the session cannot be revoked, logout says so (503) and
// does not go on to the provider's logout as if it had worked; the cookie is cleared anyway.
func TestLogoutRevocationFailure(t *testing.T) {
	idp := newTestIdP(t)
	store := &failingRevocation{MemoryRevocation: middleware.NewMemoryRevocation(nil)}
	a := newTestApp(t, appOptions{revocation: store}, provider(t, "test", idp))
	b := newBrowser(t, a)
	signIn(t, a, b, "test")
	store.fail.Store(true)
	resp := b.post(a.srv.URL+"/auth/test/logout", false)
	if resp.StatusCode != http.StatusServiceUnavailable || !clearsCookie(resp, middleware.DefaultCookieName) {
		t.Errorf("logout with the revocation store down: %d (cookie cleared %v), want 503 and the cookie cleared",
			resp.StatusCode, clearsCookie(resp, middleware.DefaultCookieName))
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("logout with the revocation store down redirects to %q", loc)
	}
	checkLogoutFailure(t, a, "unavailable")
}

// checkLogoutFailure checks that a failed logout was logged as one, with its reason, and not
// reported as a failed sign-in.
func checkLogoutFailure(t *testing.T, a *testApp, reason string) {
	t.Helper()
	logs := a.logs.String()
	if !strings.Contains(logs, `"event":"oidc_logout_failed"`) || !strings.Contains(logs, `"reason":"`+reason+`"`) {
		t.Errorf("logout failure %q not logged as one: %s", reason, logs)
	}
	if strings.Contains(logs, "oidc_login_failed") {
		t.Errorf("a failed logout logged as a failed sign-in: %s", logs)
	}
	for _, e := range a.takeEvents() {
		if e.Kind == oidc.EventLoginFailed {
			t.Errorf("a failed logout emitted %s (%s)", e.Kind, e.Reason)
		}
	}
}
