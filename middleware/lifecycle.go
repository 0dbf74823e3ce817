package middleware

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/token"
)

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
	if err := s.revoke(r.Context(), claims); err != nil {
		return err
	}
	s.Emit(r.Context(), s.sessionEvent(r, EventSessionEnded, claims))
	return nil
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
	if err := s.cfg.revocation.RevokeSubject(ctx, sub, now, now.Add(s.revokeFor)); err != nil {
		return err
	}
	s.Emit(ctx, Event{Kind: EventSessionRevoked, Time: now, Subject: sub, Reason: "end_all"})
	return nil
}

// revoke revokes a session for as long as any of its tokens can be valid.
func (s *Sessions[T]) revoke(ctx context.Context, c *token.Claims[T]) error {
	if s.cfg.revocation == nil {
		return nil
	}
	return s.cfg.revocation.Revoke(ctx, c.SessionID, s.revokeUntil(c))
}

// revokeUntil is how long a revocation of the session c must be kept: until every token of the
// session issued up to now has expired, with a margin for the verifier's leeway. A remembered
// session's tokens last until the session ends.
func (s *Sessions[T]) revokeUntil(c *token.Claims[T]) time.Time {
	until := s.codec.Now().Add(s.codec.Lifetime())
	if c.Remember {
		until = maxTime(until, s.sessionEnd(c))
	}
	return until.Add(revocationMargin)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
