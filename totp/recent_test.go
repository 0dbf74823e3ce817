package totp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/totp"
)

// staleBrowser signs alice in with her password and keeps the session alive, without signing
// in again, for longer than the recent-authentication bound: a session cookie stolen an hour
// ago looks like this.
func (e *env) staleBrowser(t *testing.T) *browser {
	t.Helper()
	b := e.browser()
	b.login(t)
	for range 12 {
		e.clk.Advance(5 * time.Minute)
		if status, _ := b.me(t); status != http.StatusOK {
			t.Fatalf("keeping the session alive: %d", status)
		}
	}
	return b
}

// A stolen session must not switch a second factor on: the thief would hold the secret and
// the recovery codes, and the owner could no longer sign in.
func TestEnrolmentNeedsRecentAuth(t *testing.T) {
	t.Run("enrol", func(t *testing.T) {
		e := newEnv(t)
		b := e.staleBrowser(t)
		rec := b.do("POST", "/2fa/enrol", "application/json", "{}")
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"reauth_required"`) ||
			strings.Contains(rec.Body.String(), "secret") {
			t.Fatalf("enrol with an hour-old sign-in: %d %s, want 401 reauth_required", rec.Code, rec.Body)
		}
		if h := rec.Header().Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_user_authentication"`) || !strings.Contains(h, "max_age=900") {
			t.Errorf("WWW-Authenticate %q", h)
		}
		if on, _ := e.factor.Enabled(t.Context(), "user-1"); on {
			t.Error("second factor on")
		}
		if _, err := e.store.Get(t.Context(), "user-1"); err == nil {
			t.Error("an enrolment was stored")
		}
	})
	t.Run("an enrolment begun earlier", func(t *testing.T) {
		// The owner began an enrolment and left it; the thief must get neither its secret
		// (QR code, the set-up page of a failed confirmation) nor switch it on.
		e := newEnv(t)
		owner := e.browser()
		owner.login(t)
		if status, out := owner.json(t, "/2fa/enrol", nil); status != http.StatusOK {
			t.Fatalf("enrol: %d %v", status, out)
		}
		rec, _ := e.store.Get(t.Context(), "user-1")
		thief := e.staleBrowser(t)
		if r := thief.do("GET", "/2fa/qr.png", "", ""); r.Code != http.StatusUnauthorized || r.Header().Get("Content-Type") == "image/png" {
			t.Errorf("QR code with an hour-old sign-in: %d %s", r.Code, r.Header().Get("Content-Type"))
		}
		e.pages = nil
		if r := thief.form("/2fa/confirm", url.Values{"code": {"000000"}}); r.Code != http.StatusUnauthorized {
			t.Errorf("confirm (form) with an hour-old sign-in: %d", r.Code)
		}
		for _, p := range e.pages {
			if p.Key != nil {
				t.Errorf("page %s showed the enrolment's key", p.Kind)
			}
		}
		code, _ := totp.Params{}.Code(rec.Secret, e.clk.Now())
		if status, out := thief.json(t, "/2fa/confirm", map[string]string{"code": code}); status != http.StatusUnauthorized || out["error"] != "reauth_required" {
			t.Errorf("confirm with an hour-old sign-in: %d %v, want 401 reauth_required", status, out)
		}
		if on, _ := e.factor.Enabled(t.Context(), "user-1"); on {
			t.Error("second factor switched on by an old session")
		}
	})
	t.Run("signing in again", func(t *testing.T) {
		e := newEnv(t)
		b := e.staleBrowser(t)
		b.login(t) // the same user: the session stays, auth_time moves
		if status, out := b.json(t, "/2fa/enrol", nil); status != http.StatusOK || out["secret"] == nil {
			t.Errorf("enrol after signing in again: %d %v", status, out)
		}
	})
}
