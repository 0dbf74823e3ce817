package passkey_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/passkey/passkeytest"
)

// A signed-in user re-authenticating (step-up) gets a ceremony bound to their account:
// allowCredentials lists their passkeys, and another user's passkey is refused.
func TestLoginBoundToSessionAccount(t *testing.T) {
	f := newFixture(t)
	ada := newAuthenticator(t)
	f.enrolled(t, ada)
	bob := newAuthenticator(t)
	bb := f.browser(t)
	bb.signIn("user-2")
	if rec := bb.register(bob); rec.Code != http.StatusCreated {
		t.Fatalf("register bob: %d %s", rec.Code, rec.Body)
	}

	b := f.browser(t)
	b.signIn("user-1")
	before, _ := b.session()
	opts := b.options("/passkey/login/options")
	var req struct {
		Allow []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
		UserVerification string `json:"userVerification"`
		RPID             string `json:"rpId"`
	}
	if err := json.Unmarshal(opts, &req); err != nil {
		t.Fatal(err)
	}
	if len(req.Allow) != 1 || req.UserVerification != "required" || req.RPID != "example.com" {
		t.Fatalf("bound request options: %s", opts)
	}

	// Bob's passkey, on Ada's signed-in browser, for Ada's ceremony.
	resp, err := bob.Get([]byte(strings.Replace(string(opts), `"allowCredentials"`, `"ignored"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusUnauthorized {
		t.Fatalf("another user's passkey: got %d %s, want 401", rec.Code, rec.Body)
	}
	f.wantReason(t, "wrong_account")
	if after, _ := b.session(); after.SessionID != before.SessionID {
		t.Error("the refused step-up replaced the session")
	}

	// Ada's own passkey re-authenticates her.
	if rec := b.login(ada); rec.Code != http.StatusOK {
		t.Fatalf("step-up: %d %s", rec.Code, rec.Body)
	}
	after, _ := b.session()
	if after.Subject != "user-1" {
		t.Errorf("after step-up: subject %q", after.Subject)
	}
}

// Without a session the ceremony is discoverable: no allowCredentials, and any registered
// passkey says who the user is.
func TestLoginDiscoverable(t *testing.T) {
	f := newFixture(t)
	ada := newAuthenticator(t)
	f.enrolled(t, ada)
	bob := newAuthenticator(t)
	bb := f.browser(t)
	bb.signIn("user-2")
	if rec := bb.register(bob); rec.Code != http.StatusCreated {
		t.Fatal(rec.Body)
	}
	for _, tt := range []struct {
		a    *passkeytest.Authenticator
		want string
	}{{ada, "user-1"}, {bob, "user-2"}} {
		b := f.browser(t)
		opts := b.options("/passkey/login/options")
		if strings.Contains(string(opts), "allowCredentials") {
			t.Errorf("discoverable options list credentials: %s", opts)
		}
		resp, err := tt.a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusOK {
			t.Fatalf("login: %d %s", rec.Code, rec.Body)
		}
		if c, _ := b.session(); c.Subject != tokenSubject(tt.want) {
			t.Errorf("signed in as %q, want %s", c.Subject, tt.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// The ceremony cookie is encrypted: whoever sees it (a proxy's log, say) learns neither the
// account the ceremony is bound to nor its challenge.
func TestCeremonyCookieOpaque(t *testing.T) {
	f := newFixture(t)
	f.enrolled(t, newAuthenticator(t))
	b := f.browser(t)
	b.signIn("user-1")
	challenge := challengeOf(t, b.options("/passkey/login/options"))
	raw := b.cookies["__Host-passkey-login"]
	if raw == "" {
		t.Fatal("no ceremony cookie")
	}
	for _, part := range append(strings.Split(raw, "."), raw) {
		plain, _ := base64.RawURLEncoding.DecodeString(part)
		for _, secret := range []string{"user-1", challenge} {
			if strings.Contains(string(plain), secret) || strings.Contains(part, secret) {
				t.Errorf("the ceremony cookie shows %q", secret)
			}
		}
	}
}
