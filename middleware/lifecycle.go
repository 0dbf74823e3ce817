package middleware

import (
	"context"
	"errors"
	"net/http"

	"github.com/keycard-go/keycard/token"
)

// Start begins a new session for sub carrying payload and sets its cookie on w: after a login,
// a sign-up, an SSO or magic-link callback, or a change of privilege. The token is brand new
// (new token ID, new session ID), so a session the request already carried is never reused
// (no session fixation); when a revocation store is configured, that earlier session is revoked
// (as by [Sessions.End]; a failure to revoke it is logged and does not fail Start).
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
	if prev := s.toRevoke(r); prev != nil && prev.SessionID != claims.SessionID {
		if err := s.revoke(r.Context(), prev); err != nil {
			s.logger(r).Error().Err(err).Msg("keycard: could not revoke the session replaced by a new one")
		}
	}
	return claims, nil
}

// End ends r's session: it clears the cookie on w and, when a revocation store is configured,
// revokes the session so that a copy of its token stops working too. A session whose token
// verifies is revoked even when the request was refused for another reason (the store did not
// answer, [WithCheck] refused it), since a copy would work again once that reason is gone. A
// request without such a session just gets the cookie cleared. The error reports a revocation
// store failure; the cookie is cleared regardless.
func (s *Sessions[T]) End(w http.ResponseWriter, r *http.Request) error {
	s.clearSessionCookie(w)
	claims := s.toRevoke(r)
	if claims == nil {
		return nil
	}
	return s.revoke(r.Context(), claims)
}

// toRevoke returns the session of r that ending it must revoke: the valid session, or one
// whose token verified but that the revocation store or the application's check refused. It
// returns nil when no token verified, the session is past its absolute lifetime, or it is
// revoked already.
func (s *Sessions[T]) toRevoke(r *http.Request) *token.Claims[T] {
	st := s.current(r)
	switch {
	case st.err == nil:
		return st.claims
	case errors.Is(st.err, ErrRevoked):
		return nil
	}
	return st.verified
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
