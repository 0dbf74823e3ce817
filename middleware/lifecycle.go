package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/keycard-go/keycard/token"
)

// Start begins a new session for sub carrying payload and sets its cookie on w: after a login,
// a sign-up, an SSO or magic-link callback, or a change of privilege. The token is brand new
// (new token ID, new session ID), so a session the request already carried is never reused
// (no session fixation); when a revocation store is configured, that earlier session is revoked
// (as by [Sessions.End], every verifying session cookie of the request; a failure to revoke is
// logged and does not fail Start).
// It fails, setting nothing, when the payload is refused by the codec or the cookie would be too
// large for browsers ([ErrCookieTooLarge], [token.ErrTooLarge]).
func (s *Sessions[T]) Start(w http.ResponseWriter, r *http.Request, sub token.Subject, payload T) (*token.Claims[T], error) {
	raw, claims, err := s.codec.Issue(sub, payload)
	if err != nil {
		return nil, err
	}
	if err := s.setSessionCookie(w, raw, claims.Expiry); err != nil {
		return nil, err
	}
	if err := s.revokePresented(r, claims.SessionID); err != nil {
		s.logger(r).Error().Err(err).Msg("keycard: could not revoke the session replaced by a new one")
	}
	return claims, nil
}

// End ends r's session: it clears the cookie on w and, when a revocation store is configured,
// revokes the session so that a copy of its token stops working too. Every session cookie of
// the request whose token verifies is revoked, the valid session and any other (a second cookie
// planted beside the user's, a session the store or [WithCheck] refused), since each is a
// session somebody holds a copy of. The error reports a revocation that was not recorded: a
// store failure, or a request with more session cookies than are examined ([ErrAmbiguous]).
// The cookie is cleared regardless.
func (s *Sessions[T]) End(w http.ResponseWriter, r *http.Request) error {
	s.clearSessionCookie(w)
	return s.revokePresented(r, "")
}

// revokePresented revokes every session whose token r carries in a session cookie and that
// verifies, except keep. It returns the joined failures, nil when every revocation was
// recorded (or there is no revocation store).
func (s *Sessions[T]) revokePresented(r *http.Request, keep token.SessionID) error {
	if s.cfg.revocation == nil {
		return nil
	}
	var buf [maxSessionCookies]string
	values, overflow := sessionCookies(r, s.cookie.Name, buf[:])
	keys, now := s.codec.Keys(), s.codec.Now()
	var done [maxSessionCookies]token.SessionID
	var errs []error
	for i, raw := range values {
		c, err := s.verify(raw, keys, now)
		if err != nil || c.SessionID == keep || slices.Contains(done[:i], c.SessionID) {
			continue
		}
		done[i] = c.SessionID
		if err := s.revoke(r.Context(), c); err != nil {
			errs = append(errs, err)
		}
	}
	if overflow {
		errs = append(errs, fmt.Errorf("%w: more than %d session cookies; the others were not examined", ErrAmbiguous, maxSessionCookies))
	}
	return errors.Join(errs...)
}

// EndAll ends every session of sub, everywhere ("log out everywhere"), for instance after a
// password change: every session that began before now, to the microsecond, is revoked (one
// that begins later, or in the same microsecond, is kept). It needs a revocation store
// and fails without one. The current request's cookie is left alone; call [Sessions.End] as
// well, or [Sessions.Start] to give the user a fresh session.
func (s *Sessions[T]) EndAll(ctx context.Context, sub token.Subject) error {
	if s.cfg.revocation == nil {
		return errors.New("middleware: EndAll needs a revocation store (WithRevocation)")
	}
	now := s.codec.Now()
	return s.cfg.revocation.RevokeSubject(ctx, sub, now, now.Add(s.revokeFor))
}

// revoke revokes a session for as long as any of its tokens can be valid.
func (s *Sessions[T]) revoke(ctx context.Context, c *token.Claims[T]) error {
	if s.cfg.revocation == nil {
		return nil
	}
	return s.cfg.revocation.Revoke(ctx, c.SessionID, s.codec.Now().Add(s.revokeFor))
}
