package middleware

import (
	"context"
	"fmt"
	"net/http"

	"github.com/keycard-go/keycard/token"
)

// Update re-issues r's session with a new payload and sets its cookie on w: after a profile
// edit, a change of roles, a switch of tenant. It keeps the session ID, the session's start
// (so the absolute lifetime does not move), the authentication time and methods, and the
// "remember me" choice; the token is new and its version ([token.Claims.Version]) one higher.
// Later handlers of the same request see the new claims through [ClaimsFrom].
//
// With a revocation store, the session's tokens issued before the update stop working at once
// (a role removed does not live on in an older cookie). Without one they stay valid until they
// expire: up to the token lifetime ([token.WithLifetime]), and for a remembered session until
// the session ends; use a store when an update takes something away.
//
// It fails, setting nothing, when r has no valid session (the error matches [ErrNoSession],
// [ErrInvalidSession], ... as from [Sessions.Current]), when the payload or cookie is refused
// ([token.ErrInvalidClaims], [token.ErrTooLarge], [ErrCookieTooLarge]), and when the store
// cannot record the cut-off ([ErrStoreUnavailable]; the old token then stays the session's).
// Safe for concurrent use.
func (s *Sessions[T]) Update(w http.ResponseWriter, r *http.Request, payload T) (*token.Claims[T], error) {
	st := s.current(r)
	if st.err != nil {
		return nil, st.err
	}
	prev := st.verified
	tmpl := *prev
	tmpl.Payload = payload
	tmpl.Version = prev.Version + 1
	tmpl.Expiry = s.tokenExpiry(prev)
	raw, claims, err := s.codec.IssueClaims(tmpl)
	if err != nil {
		return nil, err
	}
	line, err := s.sessionCookieLine(raw, claims)
	if err != nil {
		return nil, err
	}
	if err := s.cutOff(r.Context(), prev, claims); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	h := w.Header()
	h.Add("Set-Cookie", line)
	noStore(h)
	if own, ok := s.stateFrom(r.Context()); ok {
		own.verified = claims
		own.handOut(claims)
	}
	s.record(r, claims)
	s.Emit(r.Context(), s.sessionEvent(r, EventSessionUpdated, claims))
	return claims, nil
}

// cutOff revokes the tokens of the session that are older than next, prev's successor: for as
// long as prev's (and so its predecessors') tokens can be valid.
func (s *Sessions[T]) cutOff(ctx context.Context, prev, next *token.Claims[T]) error {
	if s.cfg.revocation == nil {
		return nil
	}
	return s.cfg.revocation.RevokeBefore(ctx, next.SessionID, next.Version, s.revokeUntil(prev))
}
