package middleware

import (
	"net/http"
	"slices"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Authentication method references (RFC 8176) that [Sessions.Start] records in the token's amr
// claim through [AuthMethods]. A passkey login records AMRHardwareKey; a login with a second
// factor records both methods and AMRMultiFactor.
const (
	AMRPassword    = "pwd" // a password ([Sessions.LoginHandler] records it)
	AMROTP         = "otp" // a one-time code (TOTP, e-mailed or texted codes)
	AMRHardwareKey = "hwk" // a proof of possession of a hardware-bound key: a passkey, a security key
	AMRMultiFactor = "mfa" // more than one factor was used
)

// A StartOption configures one call of [Sessions.Start]. The zero set of options starts a
// session whose authentication is now, with no recorded method and, for a new session, no
// "remember me".
type StartOption func(*startOptions)

type startOptions struct {
	remember    bool
	rememberSet bool
	amr         []string
	authAt      time.Time
	fresh       bool // always a new session, never a re-authentication (a completed pending login)
}

// newSession makes Start begin a new session even when the request carries one of the same
// subject.
func newSession() StartOption { return func(o *startOptions) { o.fresh = true } }

// RememberMe sets the session's "remember me" choice. A remembered session gets a persistent
// cookie and lasts up to [WithRememberLifetime] from its start (default
// [DefaultRememberLifetime]); any other gets a browser-session cookie (no Max-Age, no Expires)
// and [WithAbsoluteLifetime]. Without RememberMe, a new session is not remembered and a
// re-authentication keeps the session's choice.
func RememberMe(remember bool) StartOption {
	return func(o *startOptions) { o.remember, o.rememberSet = remember, true }
}

// AuthMethods records the methods of this authentication in the token's amr claim, such as
// [AMRPassword] or [AMRHardwareKey], [AMROTP] and [AMRMultiFactor] together. Values repeated
// (in one call or across several) are recorded once, in the order first given. They replace the
// methods of an earlier authentication of the session: amr says how the user last proved who
// they are. Values must be ASCII letters, digits or "-_.:"; Start fails with
// [token.ErrInvalidClaims] otherwise.
func AuthMethods(amr ...string) StartOption {
	return func(o *startOptions) {
		for _, m := range amr {
			if !slices.Contains(o.amr, m) {
				o.amr = append(o.amr, m)
			}
		}
	}
}

// AuthenticatedAt sets when the user authenticated, such as an identity provider's auth_time,
// which can be earlier than the callback that starts the session. Default: now. A time in the
// future is taken as now. [Sessions.RequireRecentAuth] compares against it.
func AuthenticatedAt(t time.Time) StartOption {
	return func(o *startOptions) { o.authAt = t }
}

// Start records an authentication of sub and sets the session cookie on w: after a login, a
// sign-up, an SSO or magic-link callback, a passkey or second-factor step. It returns the new
// token's claims.
//
// When r carries a valid session of the same subject, this is a re-authentication (a step-up):
// Start keeps the session ID, the session's start (so the absolute lifetime does not grow) and
// its "remember me" choice (unless [RememberMe] is given), moves the authentication time to
// now (or [AuthenticatedAt]), records the methods given with [AuthMethods], and carries payload.
// With a revocation store, the session's earlier tokens stop working (a failure to record that
// is logged and does not fail Start).
//
// Otherwise Start begins a brand-new session (new session ID, new token ID: a session the
// request carried is never reused, so there is no session fixation). In both cases, with a
// revocation store, every other session whose cookie r carries and verifies is revoked, of
// whatever subject (as by [Sessions.End]; a failure to revoke is logged and does not fail
// Start).
//
// It fails, setting nothing, when the payload or the methods are refused by the codec or the
// cookie would be too large for browsers ([token.ErrInvalidClaims], [ErrCookieTooLarge],
// [token.ErrTooLarge]). Safe for concurrent use.
func (s *Sessions[T]) Start(w http.ResponseWriter, r *http.Request, sub token.Subject, payload T, opts ...StartOption) (*token.Claims[T], error) {
	var o startOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	now := s.codec.Now()
	authAt := o.authAt
	if authAt.IsZero() || authAt.After(now) {
		authAt = now
	}
	tmpl := token.Claims[T]{Subject: sub, Payload: payload, AuthTime: authAt, AMR: o.amr, SessionStart: now}
	st := s.current(r)
	prev := st.claims
	again := !o.fresh && st.err == nil && prev != nil && prev.Subject == sub
	if again {
		tmpl.SessionID, tmpl.SessionStart, tmpl.Remember, tmpl.Version = prev.SessionID, prev.SessionStart, prev.Remember, prev.Version+1
	}
	if o.rememberSet {
		tmpl.Remember = o.remember
	}
	if again && !now.Before(s.sessionEnd(&tmpl)) {
		// Turning "remember me" off made the session older than its lifetime: a new one.
		again = false
		tmpl.SessionID, tmpl.SessionStart, tmpl.Version = "", now, 0
	}
	tmpl.Expiry = s.tokenExpiry(&tmpl)
	raw, claims, err := s.codec.IssueClaims(tmpl)
	if err != nil {
		return nil, err
	}
	if err := s.setSessionCookie(w, raw, claims); err != nil {
		return nil, err
	}
	ctx := r.Context()
	if again {
		if err := s.cutOff(ctx, prev, claims); err != nil {
			s.logger(r).Error().Err(err).Msg("keycard: could not revoke the re-authenticated session's earlier tokens")
		}
	}
	revoked, err := s.revokePresented(r, claims.SessionID)
	if err != nil {
		s.logger(r).Error().Err(err).Msg("keycard: could not revoke the session replaced by a new one")
	}
	for _, old := range revoked {
		e := s.sessionEvent(r, EventSessionRevoked, old)
		e.Reason = "replaced"
		s.Emit(ctx, e)
	}
	s.forgetRevoked(r, revoked)
	s.record(r, claims)
	if again {
		s.Emit(ctx, s.sessionEvent(r, EventSessionReauthenticated, claims))
	} else {
		s.Emit(ctx, s.sessionEvent(r, EventSessionStarted, claims))
		s.checkDevice(r, claims)
	}
	return claims, nil
}

// sessionEnd is when the session of c reaches its absolute lifetime: counted from its start,
// longer for a remembered session.
func (s *Sessions[T]) sessionEnd(c *token.Claims[T]) time.Time {
	if c.Remember {
		return c.SessionStart.Add(s.cfg.rememberLifetime)
	}
	return c.SessionStart.Add(s.cfg.absoluteLifetime)
}

// tokenExpiry is the expiry of a new token of the session c: the codec's lifetime (zero) for a
// browser-session cookie, and the session's end for a remembered one, whose persistent cookie
// must carry a token that outlives a closed browser.
func (s *Sessions[T]) tokenExpiry(c *token.Claims[T]) time.Time {
	if c.Remember {
		return s.sessionEnd(c)
	}
	return time.Time{}
}
