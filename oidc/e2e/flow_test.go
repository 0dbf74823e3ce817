package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

func TestFullFlow(t *testing.T) {
	idp := newTestIdP(t)
	authTime := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	idp.m.QueueUser(&testUser{sub: "alice", email: "alice@example.com", verified: true,
		authTime: authTime, amr: []string{"pwd", "otp"}})
	var authzQuery url.Values
	idp.set(func(p *testIdP) {
		p.authorize = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			authzQuery = r.URL.Query()
			next.ServeHTTP(w, r)
		}
	})
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	b := newBrowser(t, a)

	callback := b.authorize(a, "test", "/me?tab=1")

	// The authorization request: code flow, PKCE S256, a nonce, our callback.
	for name, want := range map[string]string{
		"response_type":         "code",
		"client_id":             testClientID,
		"code_challenge_method": "S256",
		"redirect_uri":          a.srv.URL + "/auth/test/callback",
		"scope":                 "openid email profile",
	} {
		if got := authzQuery.Get(name); got != want {
			t.Errorf("authorization request %s: got %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"state", "nonce", "code_challenge"} {
		if len(authzQuery.Get(name)) < 22 {
			t.Errorf("authorization request %s: got %q, want at least 128 random bits", name, authzQuery.Get(name))
		}
	}
	if !strings.HasPrefix(callback, a.srv.URL+"/auth/test/callback?") {
		t.Fatalf("provider sent the browser to %q, want the callback", callback)
	}
	stateCookie := cookieValue(t, b, a, "__Host-keycard-oidc-test")

	resp := b.get(callback, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d, want 303; body %s; logs %s", resp.StatusCode, readBody(resp), a.logs)
	}
	if got := resp.Header.Get("Location"); got != "/me?tab=1" {
		t.Errorf("callback redirects to %q, want /me?tab=1", got)
	}
	if !hasSession(resp) {
		t.Fatal("callback set no session cookie")
	}
	if !clearsCookie(resp, "__Host-keycard-oidc-test") {
		t.Error("callback did not clear the state cookie")
	}

	resp = b.get(a.srv.URL+"/me", true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/me after sign-in: status %d", resp.StatusCode)
	}
	var claims token.Claims[payload]
	if err := json.NewDecoder(resp.Body).Decode(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "user-alice" || claims.Payload.Email != "alice@example.com" {
		t.Errorf("session: subject %q, payload %+v; want user-alice, alice@example.com", claims.Subject, claims.Payload)
	}
	// The session records the provider's account of the authentication.
	if !claims.AuthTime.Equal(authTime) || !slices.Equal(claims.AMR, []string{"pwd", "otp"}) {
		t.Errorf("session: auth_time %v, amr %q; want the provider's %v and [pwd otp]", claims.AuthTime, claims.AMR, authTime)
	}
	var kinds []string
	for _, e := range a.takeEvents() {
		kinds = append(kinds, e.Kind)
		if e.Kind == oidc.EventLoginSucceeded && (e.Method != "oidc:test" || e.Subject != "user-alice" || e.SessionID != claims.SessionID) {
			t.Errorf("event %+v", e)
		}
	}
	if !slices.Equal(kinds, []string{"session.started", oidc.EventLoginSucceeded}) {
		t.Errorf("events %q, want session.started and %s", kinds, oidc.EventLoginSucceeded)
	}

	id := <-a.identity
	if id.Provider != "test" || id.Issuer != idp.issuer() || id.Subject != "alice" || !id.EmailVerified ||
		!id.AuthTime.Equal(authTime) || !slices.Equal(id.AMR, []string{"pwd", "otp"}) || id.Name != "Test User" {
		t.Errorf("identity: got %+v", id)
	}
	var extra struct {
		Nonce string `json:"nonce"`
	}
	if err := id.Claims(&extra); err != nil || extra.Nonce != authzQuery.Get("nonce") {
		t.Errorf("identity claims: nonce %q, err %v; want the request's nonce", extra.Nonce, err)
	}

	// A replay of the same response: without the cookie (it was cleared), and with a copy of it.
	resp = b.get(callback, true)
	if got := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || got != "state_missing" {
		t.Errorf("replay without cookie: %d %q, want 400 state_missing", resp.StatusCode, got)
	}
	// The provider redeems a code once (TestReplayAtDoubleRedeemingProvider: when it does not,
	// the single-use marker refuses the replay).
	resp = getWithCookie(t, a, callback, "__Host-keycard-oidc-test", stateCookie)
	if got := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || got != "code_rejected" || hasSession(resp) {
		t.Errorf("replay with the cookie: %d %q (session %v), want 400 code_rejected and no session", resp.StatusCode, got, hasSession(resp))
	}
	if ev := a.takeEvents(); len(ev) != 2 || ev[1].Kind != oidc.EventLoginFailed || ev[1].Reason != "code_rejected" || ev[1].Subject != "" {
		t.Errorf("events of the replays: %+v", ev)
	}

	// Nothing secret reaches the logs.
	logs := a.logs.String()
	u, _ := url.Parse(callback)
	for _, secret := range []string{u.Query().Get("code"), u.Query().Get("state"), authzQuery.Get("nonce"), stateCookie, testClientSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a secret of the flow: %s", logs)
		}
	}
	if !strings.Contains(logs, `"event":"oidc_login_succeeded"`) || !strings.Contains(logs, `"reason":"code_rejected"`) {
		t.Errorf("logs lack the events: %s", logs)
	}
}

// TestReauthentication is the step-up: RequireRecentAuth sends a signed-in user whose
// authentication is old back to sign in, the provider is asked for a fresh login, and the session
// keeps its ID with a new authentication time; a provider that answers from an old single
// sign-on session is refused.
func TestReauthentication(t *testing.T) {
	idp := newTestIdP(t)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	idp.m.QueueUser(&testUser{sub: "dave", email: "d@example.com", verified: true, authTime: old})
	var authz url.Values
	idp.set(func(p *testIdP) {
		p.authorize = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			authz = r.URL.Query()
			next.ServeHTTP(w, r)
		}
	})
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	b := newBrowser(t, a)
	signIn(t, a, b, "test")
	first := currentClaims(t, a, b)
	if !first.AuthTime.Equal(old) {
		t.Fatalf("auth_time %v, want the provider's %v", first.AuthTime, old)
	}

	resp := b.get(a.srv.URL+"/sensitive", false)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next=%2Fsensitive&reason=reauth" {
		t.Fatalf("step-up: %d to %q, want 303 to the login page with reason=reauth", resp.StatusCode, loc)
	}
	link := a.login.Providers("/sensitive", true)[0].URL
	if link != "/auth/test/login?next=%2Fsensitive&reason=reauth" {
		t.Errorf("re-authentication link %q", link)
	}
	// The provider answers from its old session: refused.
	idp.m.QueueUser(&testUser{sub: "dave", email: "d@example.com", verified: true, authTime: old})
	resp = b.get(b.authorizeAt(a, link), true)
	if authz.Get("max_age") != "0" || authz.Get("prompt") != "login" {
		t.Errorf("re-authentication request: max_age %q, prompt %q; want 0 and login", authz.Get("max_age"), authz.Get("prompt"))
	}
	if code := errorCode(t, resp); resp.StatusCode != http.StatusUnauthorized || code != "id_token_auth_time" {
		t.Errorf("stale re-authentication: %d %q, want 401 id_token_auth_time", resp.StatusCode, code)
	}
	// A fresh login: the same session, authenticated now.
	fresh := time.Now().Truncate(time.Second)
	idp.m.QueueUser(&testUser{sub: "dave", email: "d@example.com", verified: true, authTime: fresh, amr: []string{"pwd", "mfa"}})
	resp = b.get(b.authorizeAt(a, link), false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("fresh re-authentication: %d; logs %s", resp.StatusCode, a.logs)
	}
	if resp := b.get(a.srv.URL+"/sensitive", false); resp.StatusCode != http.StatusOK {
		t.Errorf("step-up route after re-authentication: %d, want 200", resp.StatusCode)
	}
	again := currentClaims(t, a, b)
	if again.SessionID != first.SessionID || !again.AuthTime.Equal(fresh) || !slices.Equal(again.AMR, []string{"pwd", "mfa"}) {
		t.Errorf("after re-authentication: sid %q (was %q), auth_time %v (want %v), amr %q",
			again.SessionID, first.SessionID, again.AuthTime, fresh, again.AMR)
	}
}

// currentClaims returns the session b holds, as /me reports it.
func currentClaims(t *testing.T, a *testApp, b *browser) token.Claims[payload] {
	t.Helper()
	resp := b.get(a.srv.URL+"/me", true)
	var c token.Claims[payload]
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/me: %d, %v", resp.StatusCode, err)
	}
	return c
}

func TestSeveralProviders(t *testing.T) {
	one, two := newTestIdP(t), newTestIdP(t)
	one.m.QueueUser(&testUser{sub: "from-one", email: "a@example.com", verified: true})
	two.m.QueueUser(&testUser{sub: "from-two", email: "b@example.com", verified: true})
	p2, err := oidc.NewProvider("two", two.issuer(), testClientID, oidc.WithClientSecret(testClientSecret), oidc.WithDisplayName("Second IdP"))
	if err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, appOptions{}, provider(t, "one", one), p2)

	links := a.login.Providers("/me", false)
	if len(links) != 2 || links[0].URL != "/auth/one/login?next=%2Fme" || links[1].DisplayName != "Second IdP" {
		t.Errorf("Providers: got %+v", links)
	}

	b := newBrowser(t, a)
	cbOne := b.authorize(a, "one", "")
	// Mix-up: provider one's state cookie, under two's name, at two's callback.
	stolen := cookieValue(t, b, a, "__Host-keycard-oidc-one")
	u, _ := url.Parse(cbOne)
	resp := getWithCookie(t, a, a.srv.URL+"/auth/two/callback?"+u.RawQuery, "__Host-keycard-oidc-two", stolen)
	if code := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || code != "state_wrong_provider" {
		t.Errorf("one's state at two's callback: %d %q, want 400 state_wrong_provider", resp.StatusCode, code)
	}
	cbTwo := b.authorize(a, "two", "")
	// Each callback completes with its own provider, in any order.
	for _, tc := range []struct{ callback, sub string }{{cbTwo, "from-two"}, {cbOne, "from-one"}} {
		resp := b.get(tc.callback, false)
		if resp.StatusCode != http.StatusSeeOther || !hasSession(resp) {
			t.Fatalf("callback %s: status %d, session %v; logs %s", tc.callback, resp.StatusCode, hasSession(resp), a.logs)
		}
		if id := <-a.identity; id.Subject != tc.sub || id.Provider != strings.TrimPrefix(tc.sub, "from-") {
			t.Errorf("identity subject %q of provider %q, want %q of %q", id.Subject, id.Provider, tc.sub, strings.TrimPrefix(tc.sub, "from-"))
		}
	}
}

// TestStateBoundToProvider: a state cookie completes only the flow of the provider that began
// it, by name and by issuer, even where the other check alone would let it through.
func TestStateBoundToProvider(t *testing.T) {
	t.Run("two clients at one issuer", func(t *testing.T) {
		// Two registrations at the same provider (say, different scopes or max_age): the issuer
		// is the same, only the name tells the flows apart.
		idp := newTestIdP(t)
		a := newTestApp(t, appOptions{}, provider(t, "one", idp), provider(t, "two", idp))
		b := newBrowser(t, a)
		cb, err := url.Parse(b.authorize(a, "one", ""))
		if err != nil {
			t.Fatal(err)
		}
		stolen := cookieValue(t, b, a, "__Host-keycard-oidc-one")
		resp := getWithCookie(t, a, a.srv.URL+"/auth/two/callback?"+cb.RawQuery, "__Host-keycard-oidc-two", stolen)
		if code := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || code != "state_wrong_provider" || hasSession(resp) {
			t.Errorf("one's state at two's callback: %d %q (session %v), want 400 state_wrong_provider", resp.StatusCode, code, hasSession(resp))
		}
	})
	t.Run("one name at two issuers", func(t *testing.T) {
		// Two applications (tenants) sharing a state secret, each with a provider "test" at
		// its own issuer: only the issuer tells the flows apart.
		secret := []byte(strings.Repeat("s", 32))
		idpA, idpB := newTestIdP(t), newTestIdP(t)
		a := newTestApp(t, appOptions{opts: []oidc.Option{oidc.WithStateSecret(secret)}}, provider(t, "test", idpA))
		other := newTestApp(t, appOptions{opts: []oidc.Option{oidc.WithStateSecret(secret)}}, provider(t, "test", idpB))
		b := newBrowser(t, a)
		cb, err := url.Parse(b.authorize(a, "test", ""))
		if err != nil {
			t.Fatal(err)
		}
		stolen := cookieValue(t, b, a, "__Host-keycard-oidc-test")
		resp := getWithCookie(t, other, other.srv.URL+"/auth/test/callback?"+cb.RawQuery, "__Host-keycard-oidc-test", stolen)
		if code := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || code != "state_wrong_provider" || hasSession(resp) {
			t.Errorf("A's state at B's callback: %d %q (session %v), want 400 state_wrong_provider", resp.StatusCode, code, hasSession(resp))
		}
	})
}

func TestLinkRefusals(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
		want     int
	}{
		{"unknown identity", oidc.ErrUnknownIdentity, "unknown_identity", http.StatusForbidden},
		{"unverified e-mail", oidc.ErrEmailNotVerified, "email_not_verified", http.StatusForbidden},
		{"refused", oidc.ErrRefused, "refused", http.StatusForbidden},
		{"application failure", errString("database down"), "internal", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newTestIdP(t)
			idp.m.QueueUser(&testUser{sub: "bob", email: "bob@example.com", verified: false})
			link := func(_ *http.Request, id oidc.Identity) (token.Subject, payload, error) {
				if id.EmailVerified {
					t.Error("identity says verified; the provider said not")
				}
				// The account was found (a subject is returned) but refused, say disabled: the
				// error alone must stop the sign-in.
				return "user-bob", payload{Email: id.Email}, tt.err
			}
			a := newTestApp(t, appOptions{link: link}, provider(t, "test", idp))
			b := newBrowser(t, a)
			resp := b.get(b.authorize(a, "test", ""), true)
			if got := errorCode(t, resp); resp.StatusCode != tt.want || got != tt.wantCode || hasSession(resp) {
				t.Errorf("got %d %q (session %v), want %d %q and no session", resp.StatusCode, got, hasSession(resp), tt.want, tt.wantCode)
			}
			if strings.Contains(a.logs.String(), "database down") != (tt.want == http.StatusInternalServerError) {
				t.Errorf("logs: the application's error should be logged only for a 500: %s", a.logs)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// cookieValue returns the value of the cookie name the browser holds for the app.
func cookieValue(t *testing.T, b *browser, a *testApp, name string) string {
	t.Helper()
	u, _ := url.Parse(a.srv.URL + "/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	t.Fatalf("the browser holds no %s cookie", name)
	return ""
}

// getWithCookie fetches u (as JSON) with only the given cookie.
func getWithCookie(t *testing.T, a *testApp, u, name, value string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.AddCookie(&http.Cookie{Name: name, Value: value})
	c := *a.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// clearsCookie reports whether resp deletes the cookie name.
func clearsCookie(resp *http.Response, name string) bool {
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=;") && strings.Contains(line, "Max-Age=0") {
			return true
		}
	}
	return false
}
