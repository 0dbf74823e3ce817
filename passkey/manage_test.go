package passkey_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/keycard-go/keycard/passkey"
)

type listBody struct {
	RPID     string `json:"rp_id"`
	UserID   string `json:"user_id"`
	Passkeys []struct {
		ID       string     `json:"id"`
		Name     string     `json:"name"`
		Created  time.Time  `json:"created"`
		LastUsed *time.Time `json:"last_used"`
	} `json:"passkeys"`
}

func list(t *testing.T, b *browser) listBody {
	t.Helper()
	rec := b.do("GET", "/passkey/credentials", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	var l listBody
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestManagePasskeys(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.browser(t)
	b.signIn("user-1")
	rec := b.do("POST", "/passkey/register/options", []byte(`{"name":"  Work laptop "}`))
	if rec.Code != http.StatusOK {
		t.Fatalf("options: %d %s", rec.Code, rec.Body)
	}
	resp, err := a.Create(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if rec := b.do("POST", "/passkey/register", resp); rec.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	l := list(t, b)
	if len(l.Passkeys) != 1 || l.Passkeys[0].Name != "Work laptop" || l.RPID != "example.com" || l.UserID == "" || l.Passkeys[0].LastUsed != nil {
		t.Fatalf("list: %+v", l)
	}
	id := l.Passkeys[0].ID

	if rec := b.do("PATCH", "/passkey/credentials/"+id, []byte(`{"name":"Old laptop"}`)); rec.Code != http.StatusOK {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	if got := list(t, b).Passkeys[0].Name; got != "Old laptop" {
		t.Errorf("after rename: %q", got)
	}
	for _, bad := range []string{`{"name":""}`, `{"name":"a\u0000b"}`, `{"name":"` + string(make([]byte, 0)) + `0123456789012345678901234567890123456789012345678901234567890123456789"}`, `{"nom":"x"}`, `nope`} {
		if rec := b.do("PATCH", "/passkey/credentials/"+id, []byte(bad)); rec.Code != http.StatusBadRequest {
			t.Errorf("rename to %s: got %d, want 400", bad, rec.Code)
		}
	}

	// Another user can neither rename nor remove it, nor see it.
	other := f.browser(t)
	other.signIn("user-2")
	if rec := other.do("PATCH", "/passkey/credentials/"+id, []byte(`{"name":"mine"}`)); rec.Code != http.StatusNotFound {
		t.Errorf("rename by another user: got %d, want 404", rec.Code)
	}
	if rec := other.do("DELETE", "/passkey/credentials/"+id, nil); rec.Code != http.StatusNotFound {
		t.Errorf("remove by another user: got %d, want 404", rec.Code)
	}
	if l := list(t, other); len(l.Passkeys) != 0 {
		t.Errorf("another user lists %d passkeys", len(l.Passkeys))
	}
	for _, bad := range []string{"not%20base64!", base64.RawURLEncoding.EncodeToString([]byte("nope"))} {
		if rec := b.do("DELETE", "/passkey/credentials/"+bad, nil); rec.Code != http.StatusNotFound {
			t.Errorf("remove %q: got %d, want 404", bad, rec.Code)
		}
	}

	// Removing needs a recent sign-in, then works, and the passkey no longer signs in.
	f.clk.Advance(20 * time.Minute)
	if rec := b.do("DELETE", "/passkey/credentials/"+id, nil); rec.Code != http.StatusUnauthorized || errorCode(rec) != "reauth_required" {
		t.Errorf("remove with a stale session: got %d %s, want 401 reauth_required", rec.Code, rec.Body)
	}
	b.signIn("user-1")
	if rec := b.do("DELETE", "/passkey/credentials/"+id, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("remove: %d %s", rec.Code, rec.Body)
	}
	if l := list(t, b); len(l.Passkeys) != 0 {
		t.Errorf("after remove: %d passkeys", len(l.Passkeys))
	}
	anon := f.browser(t)
	if rec := anon.login(a); rec.Code != http.StatusUnauthorized || errorCode(rec) != "unknown_credential" {
		t.Errorf("login with the removed passkey: got %d %s, want 401 unknown_credential", rec.Code, rec.Body)
	}
	if rec := anon.do("GET", "/passkey/credentials", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("list without a session: got %d, want 401", rec.Code)
	}
}

// removingStore removes each credential just before its use is recorded: the user removing a
// passkey while a sign-in with it is being verified.
type removingStore struct{ *passkey.MemoryStore }

func (s removingStore) Used(ctx context.Context, id []byte, u passkey.Use) error {
	if c, err := s.Get(ctx, id); err == nil {
		_ = s.Remove(ctx, c.Subject, id)
	}
	return s.MemoryStore.Used(ctx, id, u)
}

// A passkey removed while a sign-in with it is under way does not sign in.
func TestPasskeyRemovedDuringSignIn(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.enrolled(t, a)
	pk, err := passkey.New(f.sessions, rp, removingStore{f.store}, findUser)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/passkey/", pk.Handler())
	f.h = mux
	if rec := b.login(a); rec.Code != http.StatusUnauthorized || errorCode(rec) != "unknown_credential" {
		t.Errorf("sign-in with a passkey removed meanwhile: got %d %s, want 401 unknown_credential", rec.Code, rec.Body)
	}
	if _, ok := b.session(); ok {
		t.Error("a session was started")
	}
}

func TestRegisterLimits(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	b.signIn("user-1")
	for i := range 20 {
		// A fresh authenticator each time: one authenticator keeps one passkey per user.
		if rec := b.register(newAuthenticator(t)); rec.Code != http.StatusCreated {
			t.Fatalf("register %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if rec := b.do("POST", "/passkey/register/options", nil); rec.Code != http.StatusConflict || errorCode(rec) != "too_many_passkeys" {
		t.Errorf("21st passkey: got %d %s, want 409 too_many_passkeys", rec.Code, rec.Body)
	}
	if rec := b.do("POST", "/passkey/register/options", []byte(`{"name":"x","extra":1}`)); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: got %d, want 400", rec.Code)
	}
}

// The limit holds at the end of a registration too: two ceremonies begun while under it (two
// tabs) do not both add a passkey.
func TestRegisterLimitAcrossCeremonies(t *testing.T) {
	f := newFixture(t, passkey.WithMaxPasskeys(1))
	b := f.browser(t)
	b.signIn("user-1")
	first, err := newAuthenticator(t).Create(b.options("/passkey/register/options"))
	if err != nil {
		t.Fatal(err)
	}
	firstCookie := b.cookies["__Host-passkey-register"]
	if rec := b.register(newAuthenticator(t)); rec.Code != http.StatusCreated {
		t.Fatalf("register in the second tab: %d %s", rec.Code, rec.Body)
	}
	b.cookies["__Host-passkey-register"] = firstCookie
	if rec := b.do("POST", "/passkey/register", first); rec.Code != http.StatusConflict || errorCode(rec) != "too_many_passkeys" {
		t.Errorf("register in the first tab over the limit: got %d %s, want 409 too_many_passkeys", rec.Code, rec.Body)
	}
	if creds, _ := f.store.List(t.Context(), "user-1"); len(creds) != 1 {
		t.Errorf("%d passkeys, want 1 (the limit)", len(creds))
	}
}

// The options exclude the user's passkeys, so an authenticator that has one already refuses
// to make another; and all of a user's passkeys share one user handle.
func TestRegisterExcludesAndSharesHandle(t *testing.T) {
	f := newFixture(t)
	a := newAuthenticator(t)
	b := f.browser(t)
	b.signIn("user-1")
	if rec := b.register(a); rec.Code != http.StatusCreated {
		t.Fatal(rec.Body)
	}
	if _, err := a.Create(b.options("/passkey/register/options")); err == nil {
		t.Error("the authenticator made a second passkey despite excludeCredentials")
	}
	if rec := b.register(newAuthenticator(t)); rec.Code != http.StatusCreated {
		t.Fatal(rec.Body)
	}
	creds, _ := f.store.List(t.Context(), "user-1")
	if len(creds) != 2 || string(creds[0].UserHandle) != string(creds[1].UserHandle) || len(creds[0].UserHandle) != 32 {
		t.Errorf("user handles: %x, %x; want one shared 32-byte handle", creds[0].UserHandle, creds[1].UserHandle)
	}
}
