package passkey_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/passkey/passkeytest"
)

// A passkey sign-in records "hwk" in amr and is reported as a login of that method.
func TestPasskeySessionAMR(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.enrolled(t, a)
	if rec := b.login(a); rec.Code != http.StatusOK {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	c, _ := b.session()
	if !slices.Equal(c.AMR, []string{"hwk"}) {
		t.Errorf("amr: got %v, want [hwk]", c.AMR)
	}
	logins := f.eventsOf(middleware.EventLoginSucceeded)
	if len(logins) != 1 || logins[0].Subject != "user-1" || logins[0].Method != "hwk" || logins[0].SessionID != c.SessionID {
		t.Errorf("login events: %+v", logins)
	}
	if reg := f.eventsOf(passkey.EventRegistered); len(reg) != 1 || reg[0].Subject != "user-1" {
		t.Errorf("registration events: %+v", reg)
	}
}

// A passkey satisfies step-up: signed in with a password, the user authenticates again with a
// passkey; the session keeps its ID and its auth_time moves, so RequireRecentAuth passes.
func TestPasskeyStepUp(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.enrolled(t, a)
	b.signIn("user-1")
	before, _ := b.session()
	f.clk.Advance(30 * time.Minute)

	recent := f.sessions.RequireRecentAuth(10 * time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	protected := func() int {
		req, _ := http.NewRequest("GET", origin+"/settings", nil)
		req.Header.Set("Accept", "application/json")
		for n, v := range b.cookies {
			req.AddCookie(&http.Cookie{Name: n, Value: v})
		}
		rec := newRecorder()
		f.sessions.RequireSession(recent).ServeHTTP(rec, req)
		return rec.Code
	}
	if got := protected(); got != http.StatusUnauthorized {
		t.Fatalf("a 30-minute-old sign-in on a 10-minute step-up route: got %d, want 401", got)
	}
	if rec := b.login(a); rec.Code != http.StatusOK {
		t.Fatalf("passkey step-up: %d %s", rec.Code, rec.Body)
	}
	after, _ := b.session()
	if after.SessionID != before.SessionID {
		t.Errorf("step-up changed the session ID")
	}
	if !after.AuthTime.After(before.AuthTime) {
		t.Errorf("auth_time did not move: %v then %v", before.AuthTime, after.AuthTime)
	}
	if !slices.Contains(after.AMR, "hwk") {
		t.Errorf("amr after step-up: %v", after.AMR)
	}
	if got := protected(); got != http.StatusNoContent {
		t.Errorf("after the passkey step-up: got %d, want 204", got)
	}
	if n := len(f.eventsOf(middleware.EventSessionReauthenticated)); n != 1 {
		t.Errorf("reauthentication events: %d, want 1", n)
	}
}

// A passkey as the second factor after a password: the ceremony is bound to the pending login's
// account, and completing it starts a session with amr "pwd hwk mfa".
func TestPasskeySecondFactor(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	f.enrolled(t, a)
	bob := newAuthenticator(t)
	bb := f.browser(t)
	bb.signIn("user-2")
	if rec := bb.register(bob); rec.Code != http.StatusCreated {
		t.Fatal(rec.Body)
	}

	password := func(b *browser, sub string) {
		t.Helper()
		if rec := b.do("POST", "/test/password?sub="+sub, nil); rec.Code != http.StatusOK {
			t.Fatalf("password step: %d %s", rec.Code, rec.Body)
		}
	}

	t.Run("completes the login", func(t *testing.T) {
		b := f.browser(t)
		password(b, "user-1")
		if _, ok := b.session(); ok {
			t.Fatal("a session before the second step")
		}
		opts := b.options("/passkey/login/options")
		if !contains(string(opts), "allowCredentials") {
			t.Errorf("second-step options are not bound to the account: %s", opts)
		}
		resp, err := a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusOK {
			t.Fatalf("second step: %d %s", rec.Code, rec.Body)
		}
		c, ok := b.session()
		if !ok || c.Subject != "user-1" || !slices.Equal(c.AMR, []string{"pwd", "hwk", "mfa"}) {
			t.Fatalf("session after the second step: %+v, %v; want user-1 with amr [pwd hwk mfa]", c, ok)
		}
	})

	t.Run("another user's passkey", func(t *testing.T) {
		b := f.browser(t)
		password(b, "user-1")
		opts := b.options("/passkey/login/options")
		resp, err := bob.Get([]byte(`{"challenge":"` + challengeOf(t, opts) + `","rpId":"example.com"}`))
		if err != nil {
			t.Fatal(err)
		}
		if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusUnauthorized {
			t.Fatalf("got %d %s, want 401", rec.Code, rec.Body)
		}
		if _, ok := b.session(); ok {
			t.Error("a session was started")
		}
		f.wantReason(t, "wrong_account")
	})

	t.Run("a bad assertion costs a try", func(t *testing.T) {
		b := f.browser(t)
		password(b, "user-1")
		before, _ := f.sessions.Pending(pendingRequest(b))
		if rec := b.login(a, passkeytest.FlipSignature()); rec.Code != http.StatusUnauthorized {
			t.Fatalf("got %d %s, want 401", rec.Code, rec.Body)
		}
		after, err := f.sessions.Pending(pendingRequest(b))
		if err != nil || after.TriesLeft != before.TriesLeft-1 {
			t.Errorf("tries left: %d then %v (%v); want one less", before.TriesLeft, after, err)
		}
		if rec := b.login(a); rec.Code != http.StatusOK {
			t.Fatalf("a good try after a bad one: %d %s", rec.Code, rec.Body)
		}
	})

	t.Run("the pending login was replaced", func(t *testing.T) {
		// The user entered the password again (another tab): the ceremony begun for the
		// first pending login does not complete the second.
		b := f.browser(t)
		password(b, "user-1")
		opts := b.options("/passkey/login/options")
		password(b, "user-1")
		resp, err := a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusUnauthorized {
			t.Fatalf("got %d %s, want 401", rec.Code, rec.Body)
		}
		if _, ok := b.session(); ok {
			t.Error("a session was started")
		}
		f.wantReason(t, "pending_mismatch")
	})

	t.Run("an account without passkeys", func(t *testing.T) {
		// The second step has no passkey to ask for: the options say so rather than fall
		// back to a discoverable ceremony that any passkey answers.
		b := f.browser(t)
		password(b, "user-9")
		rec := b.do("POST", "/passkey/login/options", nil)
		if rec.Code != http.StatusConflict || errorCode(rec) != "no_passkeys" {
			t.Errorf("second-step options without passkeys: got %d %s, want 409 no_passkeys", rec.Code, rec.Body)
		}
		if _, ok := b.cookies["__Host-passkey-login"]; ok {
			t.Error("a ceremony was begun")
		}
	})

	t.Run("the pending login expired", func(t *testing.T) {
		b := f.browser(t)
		password(b, "user-1")
		opts := b.options("/passkey/login/options")
		f.clk.Advance(6 * time.Minute)
		b.options("/passkey/login/options") // a fresh ceremony, the pending login is gone
		resp, err := a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		rec := b.do("POST", "/passkey/login", resp)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("got %d %s, want 4xx", rec.Code, rec.Body)
		}
		if _, ok := b.session(); ok {
			t.Error("a session was started")
		}
	})
}

// pendingRequest is a request carrying b's cookies, to read its pending login.
func pendingRequest(b *browser) *http.Request {
	req, _ := http.NewRequest("GET", origin+"/", nil)
	for n, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: n, Value: v})
	}
	return req
}

// WithUserVerificationPreferred is for a passkey as the second factor after a password: there a
// security key without a PIN completes the login. A passkey that signs in on its own, or
// re-authenticates a session, must still verify the user, or holding the key would be enough.
func TestUserVerificationPreferredOnlyAsSecondFactor(t *testing.T) {
	f := newFixture(t, passkey.WithUserVerificationPreferred())
	a := newAuthenticator(t)
	b := f.browser(t)
	b.signIn("user-1")
	if rec := b.register(a, passkeytest.WithoutUV()); rec.Code != http.StatusCreated {
		t.Fatalf("register without user verification: %d %s", rec.Code, rec.Body)
	}

	t.Run("second step without user verification", func(t *testing.T) {
		b := f.browser(t)
		if rec := b.do("POST", "/test/password?sub=user-1", nil); rec.Code != http.StatusOK {
			t.Fatalf("password step: %d %s", rec.Code, rec.Body)
		}
		if rec := b.login(a, passkeytest.WithoutUV()); rec.Code != http.StatusOK {
			t.Fatalf("second step: %d %s", rec.Code, rec.Body)
		}
		if c, ok := b.session(); !ok || !slices.Equal(c.AMR, []string{"pwd", "hwk", "mfa"}) {
			t.Errorf("session after the second step: %+v, %v; want amr [pwd hwk mfa]", c, ok)
		}
	})
	for _, tt := range []struct {
		name   string
		signIn bool
	}{{"sign-in on its own", false}, {"step-up", true}} {
		t.Run(tt.name+" without user verification", func(t *testing.T) {
			b := f.browser(t)
			if tt.signIn {
				b.signIn("user-1")
			}
			before, _ := b.session()
			opts := b.options("/passkey/login/options")
			if !contains(string(opts), `"userVerification":"required"`) {
				t.Errorf("options do not require user verification: %s", opts)
			}
			resp, err := a.Get(opts, passkeytest.WithoutUV())
			if err != nil {
				t.Fatal(err)
			}
			if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusUnauthorized {
				t.Fatalf("got %d %s, want 401", rec.Code, rec.Body)
			}
			if after, _ := b.session(); (after == nil) != (before == nil) || (after != nil && !after.AuthTime.Equal(before.AuthTime)) {
				t.Error("the refused ceremony started or re-authenticated a session")
			}
			f.wantReason(t, "user_not_verified")
			if rec := b.login(a); rec.Code != http.StatusOK {
				t.Errorf("with user verification: %d %s", rec.Code, rec.Body)
			}
		})
	}
}
