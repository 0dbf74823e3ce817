package storetest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// sessionsLeeway is the verifier's leeway in the Sessions checks: a token stays valid that long
// past its exp, so a revocation must outlive the token's exp by at least as much.
const sessionsLeeway = 2 * time.Minute

type profile struct {
	Name string `json:"name"`
}

// sessionsRig is a [middleware.Sessions] over the store under test, on the suite's clock.
type sessionsRig struct {
	t       *testing.T
	codec   *token.Codec[profile]
	s       *middleware.Sessions[profile]
	refusal error // why the last request was refused
}

func newSessionsRig(t *testing.T, store middleware.RevocationStore, clock *Clock) *sessionsRig {
	t.Helper()
	key, err := token.NewHMACKey("storetest", token.HS256, []byte("keycard storetest signing key, 32+ bytes"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[profile](keys, token.WithClock(clock.Now), token.WithLeeway(sessionsLeeway))
	if err != nil {
		t.Fatal(err)
	}
	rig := &sessionsRig{t: t, codec: codec}
	rig.s, err = middleware.New(codec, middleware.WithRevocation(store),
		middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, _ *http.Request, err error) {
			rig.refusal = err
			w.WriteHeader(http.StatusUnauthorized)
		}))
	if err != nil {
		t.Fatal(err)
	}
	return rig
}

// issue returns a token of a new session of sub, as a login would.
func (rig *sessionsRig) issue(sub token.Subject) string {
	rig.t.Helper()
	raw, _, err := rig.codec.Issue(sub, profile{Name: string(sub)})
	if err != nil {
		rig.t.Fatal(err)
	}
	return raw
}

// request returns a request that carries raw as its session cookie.
func (rig *sessionsRig) request(method, raw string) *http.Request {
	req := httptest.NewRequest(method, "https://app.example/", nil)
	req.AddCookie(&http.Cookie{Name: rig.s.CookieName(), Value: raw})
	return req
}

// accepted reports whether RequireSession lets raw through, and why it did not.
func (rig *sessionsRig) accepted(raw string) (bool, error) {
	rig.refusal = nil
	rec := httptest.NewRecorder()
	rig.s.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})).ServeHTTP(rec, rig.request("GET", raw))
	return rec.Code == http.StatusOK, rig.refusal
}

// expectRevoked fails unless raw is refused as revoked.
func (rig *sessionsRig) expectRevoked(what, raw string) {
	rig.t.Helper()
	if ok, err := rig.accepted(raw); ok || !errors.Is(err, middleware.ErrRevoked) {
		rig.t.Errorf("%s: accepted %v, refused with %v; want refused with ErrRevoked", what, ok, err)
	}
}

// expectAccepted fails unless raw is accepted.
func (rig *sessionsRig) expectAccepted(what, raw string) {
	rig.t.Helper()
	if ok, err := rig.accepted(raw); !ok {
		rig.t.Errorf("%s: refused with %v, want accepted", what, err)
	}
}

// checkpoints are the moments, after a token was issued, at which a revoked token must still be
// refused as revoked: up to its exp and on into the verifier's leeway, where it would verify.
func checkpoints(lifetime time.Duration) []time.Duration {
	return []time.Duration{0, lifetime / 2, lifetime - Tolerance, lifetime + sessionsLeeway/2}
}

func logoutHolds(t *testing.T, store middleware.RevocationStore, clock *Clock) {
	rig := newSessionsRig(t, store, clock)
	raw, other := rig.issue("user-1"), rig.issue("user-1")
	rig.expectAccepted("before logout", raw)
	if err := rig.s.End(httptest.NewRecorder(), rig.request("POST", raw)); err != nil {
		t.Fatalf("End: %v", err)
	}
	at := time.Duration(0)
	for _, d := range checkpoints(rig.codec.Lifetime()) {
		clock.Advance(d - at)
		at = d
		rig.expectRevoked("copy of the logged-out cookie, "+d.String()+" after login", raw)
		if d < rig.codec.Lifetime() {
			rig.expectAccepted("another session of the user, "+d.String()+" after login", other)
		}
	}
}

func endAllHolds(t *testing.T, store middleware.RevocationStore, clock *Clock) {
	rig := newSessionsRig(t, store, clock)
	laptop, phone := rig.issue("user-1"), rig.issue("user-1")
	stranger := rig.issue("user-2")
	clock.Advance(time.Millisecond)
	if err := rig.s.EndAll(t.Context(), "user-1"); err != nil {
		t.Fatalf("EndAll: %v", err)
	}
	fresh := rig.issue("user-1") // a login right after, as after a password change
	at := time.Duration(0)
	for _, d := range checkpoints(rig.codec.Lifetime()) {
		clock.Advance(d - at)
		at = d
		rig.expectRevoked("laptop, "+d.String()+" after log out everywhere", laptop)
		rig.expectRevoked("phone, "+d.String()+" after log out everywhere", phone)
		if d < rig.codec.Lifetime() {
			rig.expectAccepted("session begun right after, "+d.String()+" later", fresh)
			rig.expectAccepted("another user, "+d.String()+" later", stranger)
		}
	}
}
