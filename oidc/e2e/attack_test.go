package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
)

// Attacks from outside, through the routes: what one client does must not change another's
// outcome, and a session must say no more than the provider vouched for.

// TestOnceStoreNotFilledByStrangers: starting a sign-in is free and the state it returns is in
// the redirect to the provider, so anyone can pair a state cookie with its state without ever
// signing in at the provider. Such callbacks must not take room in the bounded single-use store,
// or one client could fill it and make every user's sign-in fail (503) for ten minutes.
func TestOnceStoreNotFilledByStrangers(t *testing.T) {
	idp := newTestIdP(t)
	once := middleware.NewMemoryOnceSize(nil, 4)
	a := newTestApp(t, appOptions{opts: []oidc.Option{oidc.WithOnceStore(once)}}, provider(t, "test", idp))
	attacker := newBrowser(t, a)
	for i := range 10 {
		resp := attacker.get(a.srv.URL+"/auth/test/login", true)
		authz, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login route: %d, %v", resp.StatusCode, err)
		}
		cb := a.srv.URL + "/auth/test/callback?" + url.Values{"state": {authz.Query().Get("state")}, "code": {"made-up"}}.Encode()
		resp = attacker.get(cb, true)
		if code := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || code != "code_rejected" {
			t.Fatalf("attacker's callback %d: %d %q, want 400 code_rejected", i, resp.StatusCode, code)
		}
	}
	if n := once.Len(); n != 0 {
		t.Errorf("the single-use store holds %d markers of flows that redeemed no code, want 0", n)
	}
	victim := newBrowser(t, a)
	if resp := victim.get(victim.authorize(a, "test", ""), true); resp.StatusCode != http.StatusSeeOther || !hasSession(resp) {
		t.Errorf("victim's sign-in after the attack: %d (session %v), want 303 and a session; logs %s",
			resp.StatusCode, hasSession(resp), a.logs)
	}
}

// TestStepUpNotBypassedWithoutAuthTime: the step-up asks for reason=reauth, but the login route
// is a plain link and whoever holds the browser can drop it. A provider that answers from its
// single sign-on session without auth_time (as many do unless max_age is asked) vouches for no
// fresh authentication, so the session must not look freshly authenticated.
func TestStepUpNotBypassedWithoutAuthTime(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	b := newBrowser(t, a)
	idp.m.QueueUser(&testUser{sub: "erin", email: "e@example.com", verified: true, authTime: time.Now().Add(-time.Hour)})
	signIn(t, a, b, "test")
	if resp := b.get(a.srv.URL+"/sensitive", false); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("step-up with an hour-old authentication: %d, want 303", resp.StatusCode)
	}
	// The login link without reason=reauth; the provider's SSO answers without auth_time.
	idp.m.QueueUser(&testUser{sub: "erin", email: "e@example.com", verified: true})
	signIn(t, a, b, "test")
	if resp := b.get(a.srv.URL+"/sensitive", false); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("step-up after a sign-in without auth_time: %d, want 303 (no fresh authentication was shown)", resp.StatusCode)
	}
	// A real re-authentication still passes.
	idp.m.QueueUser(&testUser{sub: "erin", email: "e@example.com", verified: true, authTime: time.Now()})
	if resp := b.get(b.authorizeAt(a, a.login.Providers("/sensitive", true)[0].URL), false); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-authentication: %d; logs %s", resp.StatusCode, a.logs)
	}
	if resp := b.get(a.srv.URL+"/sensitive", false); resp.StatusCode != http.StatusOK {
		t.Errorf("step-up after a fresh re-authentication: %d, want 200", resp.StatusCode)
	}
}

// TestSignInAfterEndAll: after "log out everywhere" (a compromised account, say), the user signs
// in again through the provider, which answers from its own session begun before the cut-off.
// The new keycard session began after the cut-off and must work.
func TestSignInAfterEndAll(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	sso := time.Now().Add(-time.Hour)
	idp.m.QueueUser(&testUser{sub: "frank", email: "f@example.com", verified: true, authTime: sso})
	b := newBrowser(t, a)
	signIn(t, a, b, "test")
	if err := a.sessions.EndAll(context.Background(), "user-frank"); err != nil {
		t.Fatal(err)
	}
	if resp := b.get(a.srv.URL+"/me", true); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session after EndAll: %d, want 401", resp.StatusCode)
	}
	for _, at := range []time.Time{sso, {}} { // the provider's old auth_time, and none
		idp.m.QueueUser(&testUser{sub: "frank", email: "f@example.com", verified: true, authTime: at})
		b = newBrowser(t, a)
		signIn(t, a, b, "test")
		if resp := b.get(a.srv.URL+"/me", true); resp.StatusCode != http.StatusOK {
			t.Errorf("new session (provider auth_time %v) after EndAll: %d, want 200", at, resp.StatusCode)
		}
	}
}

// TestAttackedNext: the return target cannot leave the application, however it is written.
func TestAttackedNext(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	for _, next := range []string{"//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "https://evil.example",
		"/%5Cevil.example", "/\t/evil.example", "javascript:alert(1)", "/%252F%252Fevil.example", "\\\\evil.example"} {
		idp.m.QueueUser(&testUser{sub: "gus", email: "g@example.com", verified: true})
		b := newBrowser(t, a)
		resp := b.get(b.authorizeAt(a, "/auth/test/login?next="+url.QueryEscape(next)+"&next=/ok"), false)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/" {
			t.Errorf("next %q: %d to %q, want 303 to /", next, resp.StatusCode, got)
		}
	}
}

// redeemTwice makes the provider answer every token request with the first answer it gave: a
// provider that does not redeem a code only once.
func redeemTwice(p *testIdP) {
	var mu sync.Mutex
	var first *httptest.ResponseRecorder
	p.set(func(p *testIdP) {
		p.token = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			mu.Lock()
			if first == nil || first.Code != http.StatusOK {
				first = httptest.NewRecorder()
				next.ServeHTTP(first, r)
			}
			code, body := first.Code, first.Body.Bytes()
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, _ = w.Write(body)
		}
	})
}

// TestReplayAtDoubleRedeemingProvider: a copy of the state cookie and the provider's response,
// replayed, after or during the sign-in, starts no second session even when the provider
// redeems the code again: the single-use marker refuses it.
func TestReplayAtDoubleRedeemingProvider(t *testing.T) {
	t.Run("after", func(t *testing.T) {
		idp := newTestIdP(t)
		redeemTwice(idp)
		a := newTestApp(t, appOptions{}, provider(t, "test", idp))
		b := newBrowser(t, a)
		callback := b.authorize(a, "test", "")
		stateCookie := cookieValue(t, b, a, "__Host-keycard-oidc-test")
		if resp := b.get(callback, true); resp.StatusCode != http.StatusSeeOther || !hasSession(resp) {
			t.Fatalf("sign-in: %d; logs %s", resp.StatusCode, a.logs)
		}
		resp := getWithCookie(t, a, callback, "__Host-keycard-oidc-test", stateCookie)
		if code := errorCode(t, resp); resp.StatusCode != http.StatusBadRequest || code != "state_replayed" || hasSession(resp) {
			t.Errorf("replay: %d %q (session %v), want 400 state_replayed and no session", resp.StatusCode, code, hasSession(resp))
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		idp := newTestIdP(t)
		redeemTwice(idp)
		a := newTestApp(t, appOptions{}, provider(t, "test", idp))
		b := newBrowser(t, a)
		callback := b.authorize(a, "test", "")
		stateCookie := cookieValue(t, b, a, "__Host-keycard-oidc-test")
		const n = 8
		var wg sync.WaitGroup
		var sessions atomic.Int32
		for range n {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, callback, nil)
				req.Header.Set("Accept", "application/json")
				req.AddCookie(&http.Cookie{Name: "__Host-keycard-oidc-test", Value: stateCookie})
				c := *a.srv.Client()
				c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				resp, err := c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if hasSession(resp) {
					sessions.Add(1)
				}
			})
		}
		wg.Wait()
		if got := sessions.Load(); got != 1 {
			t.Errorf("%d of %d parallel copies of one response started a session, want 1", got, n)
		}
	})
}
