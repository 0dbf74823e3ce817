package middleware

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/token"
)

// RequireSession returns a handler that serves next only to requests with a valid session. It
// reads the session cookie, verifies the token, consults the revocation store and the
// application's check when configured, puts the claims into the request context (read them
// with [ClaimsFrom]) and calls next. A session past the refresh point ([WithRefreshAfter]), or
// signed with a retired key, gets a renewed cookie in the same response.
//
// Without a valid session next is not called, and the request gets:
//   - 303 See Other to the login path with next= set to the original path and query, for a
//     browser navigation (GET or HEAD that accepts HTML);
//   - 401 with HX-Redirect to that login URL, for an htmx request (HX-Request: true);
//   - 401 with a small JSON body, WWW-Authenticate and Cache-Control: no-store, for anything
//     else (API calls, fetch, other methods);
//   - whatever [WithUnauthorizedHandler] writes, when it is set.
//
// A cookie that was present but invalid, expired, ended or revoked is cleared in the same
// response. Verification happens at most once per request, however many of RequireSession,
// [Sessions.LoadSession] and [Sessions.Current] of the same Sessions run for it; a Sessions
// never reuses what another one (another cookie or key set) found.
func (s *Sessions[T]) RequireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, r := s.resolve(w, r)
		if st.err != nil {
			s.unauthorized(w, r, st.err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LoadSession returns a handler that attaches the session's claims to the request context when
// the session is valid and calls next in every case: for pages that look different when signed
// in. It renews and clears cookies like [Sessions.RequireSession], and never rejects.
func (s *Sessions[T]) LoadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, r = s.resolve(w, r)
		next.ServeHTTP(w, r)
	})
}

// Current returns the session of r. Inside [Sessions.RequireSession] or [Sessions.LoadSession]
// it returns what they found, without verifying again; elsewhere it verifies the cookie now
// (without renewing it, since it has no response to write to). The error matches one of the
// package's sentinels ([ErrNoSession], [ErrInvalidSession], ...) with [errors.Is]. As with
// [ClaimsFrom], the claims are the request's own copy.
func (s *Sessions[T]) Current(r *http.Request) (*token.Claims[T], error) {
	st := s.current(r)
	return st.claims, st.err
}

// current returns the state of r that an earlier middleware of s attached, or computes it
// without renewing.
func (s *Sessions[T]) current(r *http.Request) *state[T] {
	st, ok := s.stateFrom(r.Context())
	if !ok {
		st = new(state[T])
		s.authenticate(nil, r, st)
	}
	return st
}

// resolve returns r's session state and a request that carries it, computing it only if no
// earlier middleware did.
func (s *Sessions[T]) resolve(w http.ResponseWriter, r *http.Request) (*state[T], *http.Request) {
	if st, ok := s.stateFrom(r.Context()); ok {
		return st, r
	}
	// The state lives in the context node handed to next: one allocation for both.
	sc := &sessionContext[T]{Context: r.Context()}
	st := &sc.st
	s.authenticate(w, r, st)
	st.owner = s
	if st.err != nil && st.cookiePresent && clearable(st.err) {
		s.clearSessionCookie(w)
	}
	s.logOutcome(r, st)
	return st, r.WithContext(sc)
}

// clearable reports whether a rejected cookie should be deleted from the browser. A store
// outage says nothing about the cookie, and clearing our cookie cannot remove one planted under
// another Domain or Path, so those two keep it.
func clearable(err error) bool {
	return !errors.Is(err, ErrStoreUnavailable) && !errors.Is(err, ErrAmbiguous)
}

// authenticate verifies r's session from scratch and records the outcome in st, which is zero
// on entry. With a non-nil w, it renews the cookie when due.
func (s *Sessions[T]) authenticate(w http.ResponseWriter, r *http.Request, st *state[T]) {
	var buf [maxSessionCookies]string
	values, overflow := sessionCookies(r, s.cookie.Name, buf[:])
	if len(values) == 0 {
		st.err = ErrNoSession
		return
	}
	st.cookiePresent = true
	if overflow {
		st.err = fmt.Errorf("%w: more than %d session cookies", ErrAmbiguous, maxSessionCookies)
		return
	}

	keys := s.codec.Keys()
	now := s.codec.Now()
	var claims *token.Claims[T]
	var firstErr error
	for _, raw := range values {
		c, err := s.verify(raw, keys, now)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		if claims != nil && claims.SessionID != c.SessionID {
			// Two valid sessions in one request: one was planted (cookie tossing). Picking
			// either could sign the user into the attacker's account.
			st.err = ErrAmbiguous
			return
		}
		claims = c
	}
	if claims == nil {
		st.err = fmt.Errorf("%w: %w", ErrInvalidSession, firstErr)
		return
	}

	if !now.Before(s.sessionEnd(claims)) {
		st.err = ErrSessionEnded
		return
	}
	st.verified = claims
	if err := s.checkRevoked(r, claims); err != nil {
		st.err = err
		return
	}
	if s.check != nil {
		if err := s.check(r.Context(), claims); err != nil {
			st.err = fmt.Errorf("%w: %w", ErrRejected, err)
			return
		}
	}
	st.handOut(claims)
	if w != nil && s.renewalDue(claims, keys, now) {
		s.renew(w, r, st)
	}
}

// verify checks one token, through the verified-token cache.
func (s *Sessions[T]) verify(raw string, keys *token.KeySet, now time.Time) (*token.Claims[T], error) {
	if c, ok := s.cache.get(raw, keys, now); ok {
		return c, nil
	}
	c, err := s.codec.Verify(raw)
	if err != nil {
		return nil, err
	}
	if slices.Contains(c.Audience, pendingAudience) {
		// A pending login's credential is signed with the session keys; whatever the codec's
		// audiences, it never passes for a session.
		return nil, fmt.Errorf("%w: a pending login is not a session", token.ErrAudience)
	}
	s.cache.put(raw, keys, c)
	return c, nil
}

// checkRevoked consults the revocation store, failing closed unless configured otherwise.
func (s *Sessions[T]) checkRevoked(r *http.Request, c *token.Claims[T]) error {
	if s.cfg.revocation == nil {
		return nil
	}
	revoked, err := s.cfg.revocation.IsRevoked(r.Context(), c.SessionID, c.Subject, c.SessionStart, c.Version)
	switch {
	case err != nil && s.cfg.revocationFailOpen:
		s.logger(r).Error().Err(err).Msg("keycard: revocation store unavailable; failing open")
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	case revoked:
		return ErrRevoked
	}
	return nil
}

// renewalDue reports whether a valid session should get a fresh token: it was signed by a key
// that is no longer the signing key, or it has used its share of the lifetime. A remembered
// session's token lasts until the session ends already, so only a key change renews it. A token
// past its exp is never renewed: the verifier's leeway absorbs clock skew between servers, it
// does not extend sessions ([WithRefreshAfter](1) promises a token is never both valid and fully
// used).
func (s *Sessions[T]) renewalDue(c *token.Claims[T], keys *token.KeySet, now time.Time) bool {
	if !now.Before(c.Expiry) {
		return false
	}
	if c.KeyID != keys.SigningKey().ID() {
		return true
	}
	if c.Remember {
		return false
	}
	used := now.Sub(c.IssuedAt)
	return float64(used) >= s.cfg.refreshAfter*float64(s.codec.Lifetime())
}

// renew issues the session's next token and sets it on w. It signs what was verified
// (st.verified), never the copy handed to the application. The previous token stays valid until
// it expires, so parallel requests still holding it are not logged out. A failure keeps the
// current token and is logged.
func (s *Sessions[T]) renew(w http.ResponseWriter, r *http.Request, st *state[T]) {
	tmpl := *st.verified
	tmpl.Expiry = s.tokenExpiry(st.verified)
	raw, next, err := s.codec.IssueClaims(tmpl)
	if err == nil {
		err = s.setSessionCookie(w, raw, next)
	}
	if err != nil {
		s.logger(r).Error().Err(err).Msg("keycard: session renewal failed")
		return
	}
	st.claims = next
	s.logger(r).Debug().Str("event", "session_renewed").Msg("keycard: session renewed")
	s.record(r, next)
	s.Emit(r.Context(), s.sessionEvent(r, EventSessionRenewed, next))
}

// logOutcome records a rejected session. A missing cookie is routine (anonymous visitors) and
// not logged.
func (s *Sessions[T]) logOutcome(r *http.Request, st *state[T]) {
	if st.err == nil || errors.Is(st.err, ErrNoSession) {
		return
	}
	level := zerolog.WarnLevel
	switch {
	case errors.Is(st.err, token.ErrExpired), errors.Is(st.err, ErrSessionEnded):
		level = zerolog.InfoLevel
	case errors.Is(st.err, ErrStoreUnavailable):
		level = zerolog.ErrorLevel
	}
	e := s.logger(r).WithLevel(level)
	if errors.Is(st.err, ErrRejected) || errors.Is(st.err, ErrStoreUnavailable) {
		// The application's check and the store speak about their own failures; token
		// errors are reduced to the reason code, so that nothing read from the cookie is logged.
		e = e.Err(st.err)
	}
	e.Str("event", "session_rejected").
		Str("reason", reasonCode(st.err)).
		Str("method", r.Method).
		Str("path", r.URL.Path).
		Msg("keycard: request without a valid session")
}
