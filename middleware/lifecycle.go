package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/keycard-go/keycard/token"
)

// End ends r's session: it clears the cookie on w and, when a revocation store is configured,
// revokes the session so that a copy of its token stops working too. Every session cookie of
// the request whose token verifies is revoked, the valid session and any other (a second cookie
// planted beside the user's, a session the store or [WithCheck] refused), since each is a
// session somebody holds a copy of. The error reports a revocation that was not recorded: a
// store failure, or a request with more session cookies than are examined ([ErrAmbiguous]).
// The cookie is cleared regardless. A pending login the request carries (a second step not
// taken) is cancelled too, as [Sessions.CancelPending] does.
func (s *Sessions[T]) End(w http.ResponseWriter, r *http.Request) error {
	s.clearSessionCookie(w)
	revoked, err := s.revokePresented(r, "")
	s.forgetRevoked(r, revoked)
	if _, perr := r.Cookie(s.pcookie.Name); perr == nil {
		// A second step not taken ends with the session: logging out on a shared computer
		// must not leave a password-proven attempt for the next person to complete.
		err = errors.Join(err, s.CancelPending(w, r))
	}
	if c := s.current(r).verified; c != nil {
		if !slices.ContainsFunc(revoked, func(x *token.Claims[T]) bool { return x.SessionID == c.SessionID }) {
			s.forget(r, c.Subject, c.SessionID)
		}
		if err == nil {
			s.Emit(r.Context(), s.sessionEvent(r, EventSessionEnded, c))
		}
	}
	return err
}

// revokePresented revokes every session whose token r carries in a session cookie and that
// verifies, except keep. It returns the sessions it revoked and the joined failures, nil when
// every revocation was recorded (or there is no revocation store).
func (s *Sessions[T]) revokePresented(r *http.Request, keep token.SessionID) ([]*token.Claims[T], error) {
	if s.cfg.revocation == nil {
		return nil, nil
	}
	var buf [maxSessionCookies]string
	values, overflow := sessionCookies(r, s.cookie.Name, buf[:])
	keys, now := s.codec.Keys(), s.codec.Now()
	var done [maxSessionCookies]token.SessionID
	var revoked []*token.Claims[T]
	var errs []error
	for i, raw := range values {
		c, err := s.verify(raw, keys, now)
		if err != nil || c.SessionID == keep || slices.Contains(done[:i], c.SessionID) {
			continue
		}
		done[i] = c.SessionID
		if err := s.revoke(r.Context(), c); err != nil {
			errs = append(errs, err)
			continue
		}
		revoked = append(revoked, c)
	}
	if overflow {
		errs = append(errs, fmt.Errorf("%w: more than %d session cookies; the others were not examined", ErrAmbiguous, maxSessionCookies))
	}
	return revoked, errors.Join(errs...)
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
	if reg := s.cfg.registry; reg != nil {
		// The sessions that began before now leave the list. A failure leaves entries that are
		// revoked anyway; they go when they expire.
		if list, err := reg.List(ctx, sub); err == nil {
			var ids []token.SessionID
			for _, e := range list {
				if revokedBySubject(e.Created, now) {
					ids = append(ids, e.ID)
				}
			}
			if len(ids) > 0 {
				_ = reg.Delete(ctx, sub, ids...)
			}
		}
	}
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
