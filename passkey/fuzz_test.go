package passkey_test

import (
	"net/http"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

// The JSON entry points must never panic, never answer 5xx to what a client sends, and never
// start a session or store a passkey from anything but a valid response. Each input is sent
// with a genuine ceremony cookie, so the parser and verifier are reached.

func FuzzLoginResponse(f *testing.F) {
	fx := newFixture(f)
	a := newAuthenticator(f)
	b := fx.enrolled(f, a)
	valid, err := a.Get(b.options("/passkey/login/options"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0","authenticatorData":"SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ","signature":"MEUCIQ","userHandle":"dXNlcg"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		br := fx.browser(t)
		br.options("/passkey/login/options")
		rec := br.do("POST", "/passkey/login", body)
		if rec.Code >= 500 {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK {
			t.Fatalf("a fuzzed response signed in: %s", body)
		}
		if _, ok := br.cookies[middleware.DefaultCookieName]; ok {
			t.Fatal("a session cookie was set")
		}
	})
}

func FuzzRegistrationResponse(f *testing.F) {
	fx := newFixture(f)
	a := newAuthenticator(f)
	b := fx.browser(f)
	b.signIn("user-1")
	valid, err := a.Create(b.options("/passkey/register/options"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVgl"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		br := fx.browser(t)
		br.signIn("user-2")
		br.options("/passkey/register/options")
		rec := br.do("POST", "/passkey/register", body)
		if rec.Code >= 500 {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusCreated {
			t.Fatalf("a fuzzed response registered a passkey: %s", body)
		}
	})
}

func FuzzOptionsRequest(f *testing.F) {
	fx := newFixture(f)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"name":"YubiKey"}`))
	f.Add([]byte(`{"name":"\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b := fx.browser(t)
		b.signIn("user-1")
		for _, path := range []string{"/passkey/register/options", "/passkey/login/options"} {
			if rec := b.do("POST", path, body); rec.Code >= 500 {
				t.Fatalf("POST %s: got %d %s", path, rec.Code, rec.Body)
			}
		}
	})
}
