package passkey_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/passkey/passkeytest"
)

// Every bad sign-in gets a 4xx with a reason code in the log, and no session.
func TestLoginBadInput(t *testing.T) {
	challenge := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name   string
		knobs  []passkeytest.Knob
		edit   func(t *testing.T, f *fixture, b *browser, resp []byte) []byte // nil: send as is
		status int
		reason string
	}{
		{"wrong challenge", []passkeytest.Knob{passkeytest.WithChallenge(challenge)}, nil, 401, "wrong_challenge"},
		{"wrong origin", []passkeytest.Knob{passkeytest.WithOrigin("https://examp1e.com")}, nil, 401, "wrong_origin"},
		{"same host, other port", []passkeytest.Knob{passkeytest.WithOrigin("https://example.com:8443")}, nil, 401, "wrong_origin"},
		{"wrong RP ID hash", []passkeytest.Knob{passkeytest.WithRPIDHash("evil.example")}, nil, 401, "wrong_rp_id"},
		{"flipped signature", []passkeytest.Knob{passkeytest.FlipSignature()}, nil, 401, "bad_signature"},
		{"no user verification", []passkeytest.Knob{passkeytest.WithoutUV()}, nil, 401, "user_not_verified"},
		{"no user presence", []passkeytest.Knob{passkeytest.WithoutUP()}, nil, 401, "user_not_present"},
		{"registration client data", []passkeytest.Knob{passkeytest.WithClientDataType("webauthn.create")}, nil, 401, "wrong_type"},
		{"cross-origin iframe", []passkeytest.Knob{passkeytest.WithCrossOrigin()}, nil, 401, "cross_origin"},
		{"no user handle", []passkeytest.Knob{passkeytest.WithoutUserHandle()}, nil, 401, "no_user_handle"},
		{"client data naming a top origin", nil, func(t *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			// An embedded page reports its top-level origin; without crossOrigin set (an odd
			// client) the topOrigin alone must still refuse it.
			return editJSON(t, resp, func(m map[string]any) {
				r := m["response"].(map[string]any)
				raw, err := base64.RawURLEncoding.DecodeString(r["clientDataJSON"].(string))
				if err != nil {
					t.Fatal(err)
				}
				r["clientDataJSON"] = base64.RawURLEncoding.EncodeToString(editJSON(t, raw, func(cd map[string]any) {
					cd["topOrigin"] = "https://evil.example"
				}))
			})
		}, 401, "cross_origin"},
		{"backup eligibility changed", nil, func(t *testing.T, f *fixture, _ *browser, resp []byte) []byte {
			// The passkey was registered as device-bound; an assertion of the same credential
			// ID without that history is another credential source.
			creds, _ := f.store.List(t.Context(), "user-1")
			c := creds[0]
			c.BackupEligible = true
			if err := f.store.Remove(t.Context(), "user-1", c.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.store.Add(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			return resp
		}, 401, "backup_eligibility_changed"},
		{"passkey of a deleted user", nil, func(t *testing.T, f *fixture, _ *browser, resp []byte) []byte {
			// The account is gone (Users says ErrNoUser) but its passkey is still stored.
			creds, _ := f.store.List(t.Context(), "user-1")
			c := creds[0]
			c.Subject = "deleted-user"
			if err := f.store.Remove(t.Context(), "user-1", c.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.store.Add(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			return resp
		}, 401, "unknown_user"},
		{"unknown credential", nil, func(t *testing.T, _ *fixture, b *browser, _ []byte) []byte {
			// A passkey this relying party never registered, for the same RP ID.
			other := newAuthenticator(t)
			otherBrowser := newFixture(t).enrolled(t, other)
			_ = otherBrowser
			resp, err := other.Get([]byte(`{"challenge":"` + b.lastChallenge + `","rpId":"example.com"}`))
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, 401, "unknown_credential"},
		{"user handle of another user", nil, func(t *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			return editJSON(t, resp, func(m map[string]any) {
				m["response"].(map[string]any)["userHandle"] = base64.RawURLEncoding.EncodeToString([]byte("someone-else"))
			})
		}, 401, "user_handle_mismatch"},
		{"not JSON", nil, func(*testing.T, *fixture, *browser, []byte) []byte { return []byte("{nope") }, 400, "malformed"},
		{"JSON of the wrong shape", nil, func(*testing.T, *fixture, *browser, []byte) []byte { return []byte(`[1,2,3]`) }, 400, "malformed"},
		{"empty object", nil, func(*testing.T, *fixture, *browser, []byte) []byte { return []byte(`{}`) }, 400, "malformed"},
		{"trailing data", nil, func(_ *testing.T, _ *fixture, _ *browser, resp []byte) []byte { return append(resp, "{}"...) }, 400, "malformed"},
		{"id and rawId differ", nil, func(t *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			return editJSON(t, resp, func(m map[string]any) { m["id"] = "AAAA" })
		}, 400, "malformed"},
		{"truncated authenticator data", nil, func(t *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			return editJSON(t, resp, func(m map[string]any) { m["response"].(map[string]any)["authenticatorData"] = "AAAA" })
		}, 400, "malformed"},
		{"client data not JSON", nil, func(t *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			return editJSON(t, resp, func(m map[string]any) {
				m["response"].(map[string]any)["clientDataJSON"] = base64.RawURLEncoding.EncodeToString([]byte("{"))
			})
		}, 400, "malformed"},
		{"no ceremony cookie", nil, func(_ *testing.T, _ *fixture, b *browser, resp []byte) []byte {
			delete(b.cookies, "__Host-passkey-login")
			return resp
		}, 400, "no_ceremony"},
		{"forged ceremony cookie", nil, func(_ *testing.T, _ *fixture, b *browser, resp []byte) []byte {
			b.cookies["__Host-passkey-login"] = "eyJhbGciOiJub25lIn0.eyJwa19raW5kIjoibG9naW4ifQ."
			return resp
		}, 400, "ceremony_invalid"},
		{"registration cookie as sign-in cookie", nil, func(t *testing.T, _ *fixture, b *browser, resp []byte) []byte {
			b2 := b.f.browser(t)
			b2.signIn("user-1")
			b2.options("/passkey/register/options")
			b.cookies["__Host-passkey-login"] = b2.cookies["__Host-passkey-register"]
			return resp
		}, 400, "ceremony_invalid"},
		{"ceremony expired", nil, func(_ *testing.T, f *fixture, _ *browser, resp []byte) []byte {
			f.clk.Advance(5*time.Minute + 10*time.Second)
			return resp
		}, 400, "ceremony_expired"},
		{"too large", nil, func(_ *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			return append(resp[:len(resp)-1], append([]byte(`,"x":"`), append(bytes.Repeat([]byte("a"), 70<<10), `"}`...)...)...)
		}, 413, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := newAuthenticator(t)
			b := f.enrolled(t, a)
			opts := b.options("/passkey/login/options")
			b.lastChallenge = challengeOf(t, opts)
			resp, err := a.Get(opts, tt.knobs...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				resp = tt.edit(t, f, b, resp)
			}
			rec := b.do("POST", "/passkey/login", resp)
			if rec.Code != tt.status {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if _, ok := b.session(); ok {
				t.Error("a session was started")
			}
			if _, ok := b.cookies["__Host-passkey-login"]; ok {
				t.Error("the ceremony cookie was not cleared")
			}
			f.wantReason(t, tt.reason)
			failed := f.eventsOf(middleware.EventLoginFailed)
			if len(failed) != 1 || failed[0].Reason != tt.reason || failed[0].Method != "hwk" {
				t.Errorf("login.failed events: %+v; want one with reason %s", failed, tt.reason)
			}
		})
	}
}

// A finished ceremony cannot be finished again, whether it succeeded or not.
func TestLoginReplay(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.enrolled(t, a)
	opts := b.options("/passkey/login/options")
	stateCookie := b.cookies["__Host-passkey-login"]
	resp, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	if rec := b.do("POST", "/passkey/login", resp); rec.Code != http.StatusOK {
		t.Fatalf("first use: got %d %s, want 200", rec.Code, rec.Body)
	}
	// An attacker who captured the request (cookie and body) sends it again.
	attacker := f.browser(t)
	attacker.cookies["__Host-passkey-login"] = stateCookie
	rec := attacker.do("POST", "/passkey/login", resp)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("replay: got %d %s, want 401", rec.Code, rec.Body)
	}
	if _, ok := attacker.session(); ok {
		t.Error("the replay got a session")
	}
	f.wantReason(t, "replayed")
}

// A registration cannot be replayed either: an attacker who captured it (ceremony cookie and
// body, within the ceremony's lifetime) must not put back a passkey the user just removed.
func TestRegisterReplay(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.browser(t)
	b.signIn("user-1")
	resp, err := a.Create(b.options("/passkey/register/options"))
	if err != nil {
		t.Fatal(err)
	}
	stateCookie := b.cookies["__Host-passkey-register"]
	if rec := b.do("POST", "/passkey/register", resp); rec.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	creds, _ := f.store.List(t.Context(), "user-1")
	if rec := b.do("DELETE", "/passkey/credentials/"+base64.RawURLEncoding.EncodeToString(creds[0].ID), nil); rec.Code != http.StatusNoContent {
		t.Fatalf("remove: %d %s", rec.Code, rec.Body)
	}
	b.cookies["__Host-passkey-register"] = stateCookie
	if rec := b.do("POST", "/passkey/register", resp); rec.Code != http.StatusUnauthorized {
		t.Fatalf("replayed registration: got %d %s, want 401", rec.Code, rec.Body)
	}
	if creds, _ := f.store.List(t.Context(), "user-1"); len(creds) != 0 {
		t.Errorf("the replay put %d passkeys back", len(creds))
	}
	f.wantReason(t, "replayed")
}

// failingOnce is a single-use store that works until down is set.
type failingOnce struct {
	inner middleware.OnceStore
	down  atomic.Bool
}

func (o *failingOnce) Use(ctx context.Context, key string, until time.Time) (bool, error) {
	if o.down.Load() {
		return false, errors.New("once store down")
	}
	return o.inner.Use(ctx, key, until)
}

// With the single-use store down, a valid sign-in is refused (503): without it, the same
// ceremony could be finished again and again.
func TestLoginFailsClosedWithoutOnceStore(t *testing.T) {
	once := &failingOnce{}
	f := newFixture(t, passkey.WithOnceStore(once))
	once.inner = f.sessions.OnceStore()
	a := newAuthenticator(t)
	b := f.enrolled(t, a)
	once.down.Store(true)
	rec := b.login(a)
	if rec.Code != http.StatusServiceUnavailable || errorCode(rec) != "unavailable" {
		t.Fatalf("sign-in with the single-use store down: got %d %s, want 503 unavailable", rec.Code, rec.Body)
	}
	if _, ok := b.session(); ok {
		t.Error("a session was started")
	}
	f.wantReason(t, "once_store_failed")
}

// A login ceremony is bound to the browser that began it: another browser's ceremony cookie
// carries another challenge.
func TestLoginOtherBrowsersCeremony(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	victim := f.enrolled(t, a)
	resp, err := a.Get(victim.options("/passkey/login/options"))
	if err != nil {
		t.Fatal(err)
	}
	attacker := f.browser(t)
	attacker.options("/passkey/login/options") // the attacker's own ceremony
	rec := attacker.do("POST", "/passkey/login", resp)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("got %d %s, want 401", rec.Code, rec.Body)
	}
	f.wantReason(t, "wrong_challenge")
}

// Every bad registration gets a 4xx with a reason code, and stores nothing.
func TestRegisterBadInput(t *testing.T) {
	tests := []struct {
		name   string
		knobs  []passkeytest.Knob
		edit   func(t *testing.T, f *fixture, b *browser, resp []byte) []byte
		status int
		reason string
	}{
		{"wrong challenge", []passkeytest.Knob{passkeytest.WithChallenge(bytes.Repeat([]byte{1}, 32))}, nil, 401, "wrong_challenge"},
		{"wrong origin", []passkeytest.Knob{passkeytest.WithOrigin("https://evil.example")}, nil, 401, "wrong_origin"},
		{"wrong RP ID hash", []passkeytest.Knob{passkeytest.WithRPIDHash("evil.example")}, nil, 401, "wrong_rp_id"},
		{"flipped attestation signature", []passkeytest.Knob{passkeytest.FlipSignature()}, nil, 401, "bad_attestation"},
		{"no user verification", []passkeytest.Knob{passkeytest.WithoutUV()}, nil, 401, "user_not_verified"},
		{"no user presence", []passkeytest.Knob{passkeytest.WithoutUP()}, nil, 401, "user_not_present"},
		{"sign-in client data", []passkeytest.Knob{passkeytest.WithClientDataType("webauthn.get")}, nil, 401, "wrong_type"},
		{"cross-origin iframe", []passkeytest.Knob{passkeytest.WithCrossOrigin()}, nil, 401, "cross_origin"},
		{"not JSON", nil, func(*testing.T, *fixture, *browser, []byte) []byte { return []byte("nope") }, 400, "malformed"},
		{"attestation object not CBOR", nil, func(t *testing.T, _ *fixture, _ *browser, resp []byte) []byte {
			return editJSON(t, resp, func(m map[string]any) { m["response"].(map[string]any)["attestationObject"] = "oWNmbXQ" })
		}, 400, "malformed"},
		{"no ceremony cookie", nil, func(_ *testing.T, _ *fixture, b *browser, resp []byte) []byte {
			delete(b.cookies, "__Host-passkey-register")
			return resp
		}, 400, "no_ceremony"},
		{"finished in another session", nil, func(_ *testing.T, _ *fixture, b *browser, resp []byte) []byte {
			b.signIn("user-2") // a new session (another user) in the same browser
			return resp
		}, 401, "session_mismatch"},
		{"finished in another session of the same user", nil, func(_ *testing.T, _ *fixture, b *browser, resp []byte) []byte {
			// The session that began the ceremony ended (signed out, say) and the same user
			// signed in again: the ceremony belongs to the old session only.
			delete(b.cookies, middleware.DefaultCookieName)
			b.signIn("user-1")
			return resp
		}, 401, "session_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := newAuthenticator(t)
			b := f.browser(t)
			b.signIn("user-1")
			resp, err := a.Create(b.options("/passkey/register/options"), tt.knobs...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				resp = tt.edit(t, f, b, resp)
			}
			rec := b.do("POST", "/passkey/register", resp)
			if rec.Code != tt.status {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			for _, sub := range []string{"user-1", "user-2"} {
				if creds, _ := f.store.List(t.Context(), tokenSubject(sub)); len(creds) != 0 {
					t.Errorf("%s has %d passkeys, want none", sub, len(creds))
				}
			}
			f.wantReason(t, tt.reason)
		})
	}
}

// Registration needs a session, and a recent sign-in.
func TestRegisterNeedsRecentSession(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	if rec := b.do("POST", "/passkey/register/options", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("without a session: got %d, want 401", rec.Code)
	}
	b.signIn("user-1")
	f.clk.Advance(16 * time.Minute)
	rec := b.do("POST", "/passkey/register/options", nil)
	if rec.Code != http.StatusUnauthorized || errorCode(rec) != "reauth_required" {
		t.Fatalf("stale session: got %d %s, want 401 reauth_required", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer error="insufficient_user_authentication", max_age=900`; got != want {
		t.Errorf("WWW-Authenticate: got %q, want %q", got, want)
	}
}

// A cross-origin page can neither begin nor finish a ceremony in the user's browser.
func TestCrossOriginRequestsRefused(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	b.origin = "https://evil.example"
	for _, path := range []string{"/passkey/login/options", "/passkey/login", "/passkey/register/options", "/passkey/register"} {
		rec := b.do("POST", path, []byte(`{}`))
		if rec.Code != http.StatusForbidden || errorCode(rec) != "cross_origin" {
			t.Errorf("POST %s from another site: got %d %s, want 403 cross_origin", path, rec.Code, rec.Body)
		}
		if _, ok := b.cookies["__Host-passkey-login"]; ok {
			t.Errorf("POST %s from another site set a ceremony cookie", path)
		}
	}
}

// editJSON rewrites a response's JSON.
func editJSON(t *testing.T, data []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// challengeOf returns the challenge of options JSON.
func challengeOf(t *testing.T, opts []byte) string {
	t.Helper()
	var o struct {
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	return o.Challenge
}
