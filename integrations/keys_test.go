package integrations

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// instance is one server of an application: its own codec and sessions, same keys.
type instance struct {
	codec *token.Codec[User]
	h     http.Handler
}

func newInstance(t *testing.T, clk *clock, key *token.Key) *instance {
	t.Helper()
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[User](keys, token.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	sessions := newSessions(t, codec, clk)
	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(demoAuth()))
	mux.Handle("GET /account", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	return &instance{codec, mux}
}

func mustKey(t *testing.T, kid string) *token.Key {
	t.Helper()
	k, err := token.GenerateKey(kid, token.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// accepted reports whether inst accepts cookie for a protected page.
func accepted(inst *instance, cookie *http.Cookie) bool {
	return get(inst.h, "/account", cookie).StatusCode == http.StatusOK
}

// TestRotationRunbook follows the README's rotation runbook on two instances behind one load
// balancer: at no step does a session signed by either instance fail on the other, and after
// step 3 the old key is gone.
func TestRotationRunbook(t *testing.T) {
	clk := newClock()
	current, next := mustKey(t, "2026-11"), mustKey(t, "2026-12")
	a, b := newInstance(t, clk, current), newInstance(t, clk, current)
	step := func(signing *token.Key, verifyOnly ...*token.Key) {
		t.Helper()
		for _, inst := range []*instance{a, b} {
			if err := reloadKeys(inst.codec, signing, verifyOnly...); err != nil {
				t.Fatal(err)
			}
		}
	}
	both := func(what string, cookie *http.Cookie, want bool) {
		t.Helper()
		if accepted(a, cookie) != want || accepted(b, cookie) != want {
			t.Errorf("%s: accepted by a %v, by b %v; want %v on both", what, accepted(a, cookie), accepted(b, cookie), want)
		}
	}

	old := login(t, a.h)
	// Step 1: every instance learns the new key and still signs with the current one. Only
	// one instance is done so far: it must not sign with the new key yet, as b cannot check it.
	if err := reloadKeys(a.codec, current, next); err != nil {
		t.Fatal(err)
	}
	both("a token of before step 1, one instance through step 1", old, true)
	both("a token made during step 1", login(t, a.h), true)
	step(current, next)

	// Step 2: sign with the new key. A token signed with the current key is renewed with the
	// new one on its next request.
	step(next, current)
	fresh := login(t, b.h)
	both("a token signed with the new key", fresh, true)
	both("a token signed with the old key, during step 2", old, true)
	resp := get(a.h, "/account", old)
	renewed := sessionCookie(resp)
	if renewed == nil {
		t.Fatal("an old-key token was not renewed during step 2")
	}

	// The user keeps working: 35 minutes later the renewed token is renewed again.
	clk.Advance(35 * time.Minute)
	resp = get(b.h, "/account", renewed)
	if renewed = sessionCookie(resp); renewed == nil {
		t.Fatal("the renewed token was not renewed again after 35 minutes")
	}

	// Step 3, one token lifetime plus the leeway after step 2: drop the old key. Sessions that
	// came back during step 2 carry new-key tokens; every old-key token has expired.
	clk.Advance(a.codec.Lifetime() + 5*time.Second - 35*time.Minute)
	step(next)
	both("the twice-renewed token after step 3", renewed, true)
	both("the old-key token after step 3", old, false)
	both("a new login after step 3", login(t, a.h), true)
}

// TestKeyLeak follows the README's answer to a leaked signing key: replace it at once, with no
// grace period. Tokens forged with the leaked key, and every session it signed, stop working on
// the next request; users sign in again and get tokens of the new key.
func TestKeyLeak(t *testing.T) {
	clk := newClock()
	leaked := mustKey(t, "2026-11")
	inst := newInstance(t, clk, leaked)
	user := login(t, inst.h)

	// What an attacker holding the leaked key can do: sign in as anyone.
	forger := newInstance(t, clk, leaked)
	forged := login(t, forger.h)
	if !accepted(inst, forged) {
		t.Fatal("a token forged with the leaked key is not accepted before the response: the test proves nothing")
	}

	if err := reloadKeys(inst.codec, mustKey(t, "2026-11-27-leak")); err != nil {
		t.Fatal(err)
	}
	if accepted(inst, forged) || accepted(inst, user) {
		t.Errorf("after the key change: forged accepted %v, user's old session accepted %v; want neither", accepted(inst, forged), accepted(inst, user))
	}
	if _, err := inst.codec.Verify(forged.Value); !errors.Is(err, token.ErrUnknownKey) {
		t.Errorf("Verify(forged): got %v, want ErrUnknownKey", err)
	}
	if again := login(t, inst.h); !accepted(inst, again) {
		t.Error("a new login after the key change is not accepted")
	}
}

// TestLoadKey loads a private JWK the way the README's loadKey does.
func TestLoadKey(t *testing.T) {
	key := mustKey(t, "2026-11")
	jwk, err := key.ExportJWK()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "session.jwk")
	if err := os.WriteFile(path, jwk, 0o400); err != nil {
		t.Fatal(err)
	}
	got, err := loadKey(path)
	if err != nil || got.ID() != "2026-11" || got.Algorithm() != token.EdDSA || !got.CanSign() {
		t.Fatalf("loadKey: got %v, %v; want the signing key 2026-11 (EdDSA)", got, err)
	}
	if _, err := loadKey(path + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want os.ErrNotExist", err)
	}
	if err := reloadKeys(newCodec(t, newClock()), nil); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("reloadKeys without a signing key: got %v, want ErrInvalidKey", err)
	}
}
