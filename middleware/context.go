package middleware

import (
	"context"
	"fmt"
	"slices"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/token"
)

// sessionKey is the context key of a request's session state. An unexported empty struct type:
// no other package can read or overwrite the value.
type sessionKey struct{}

// state is what one request learned about its session. It is computed once, by the first of
// [Sessions.RequireSession], [Sessions.LoadSession] or [Sessions.Current] to run, and shared by
// every later one, so a token is verified at most once per request.
type state[T any] struct {
	claims *token.Claims[T] // what the application sees: &own, or a renewed token's; nil when err != nil
	err    error
	// own is this request's private copy of the verified claims. The verified claims are shared
	// through the cache with every request presenting the same token, and they are what a
	// renewal signs; a handler writing to the claims it was handed (a preview that sets
	// Payload.Role, say) must reach neither.
	own token.Claims[T]
	// ownAMR backs own.AMR, so that copying the usual one to three methods allocates nothing.
	ownAMR [3]string
	// verified holds the claims of a token that verified and is within its absolute lifetime,
	// even when the revocation store or the application's check then refused the session:
	// logging out must still revoke it, or a copy would work again once the store answers or
	// the check passes. Never handed to the application.
	verified *token.Claims[T]
	// cookiePresent records whether the request carried a session cookie at all, so that an
	// invalid one can be cleared.
	cookiePresent bool
	// owner is the Sessions that computed the state; nil for [NewContext].
	owner *Sessions[T]
}

// sessionContext is the context [Sessions.RequireSession] and [Sessions.LoadSession] give the
// next handler: its parent with the request's session state under [sessionKey], as
// [context.WithValue] would make it, but in one allocation with the state. Everything else
// (deadline, cancellation, other values) is the parent's.
type sessionContext[T any] struct {
	context.Context
	st state[T]
}

// Value returns the session state for [sessionKey] and asks the parent for any other key.
func (c *sessionContext[T]) Value(key any) any {
	if _, ok := key.(sessionKey); ok {
		return &c.st
	}
	return c.Context.Value(key)
}

// String names the context without printing the session, like context.WithValue's contexts.
func (c *sessionContext[T]) String() string {
	return fmt.Sprintf("%v.WithValue(middleware.sessionKey)", c.Context)
}

// ClaimsFrom returns the session claims that [Sessions.RequireSession] or
// [Sessions.LoadSession] attached to ctx, and whether there are any. It returns (nil, false)
// when the request has no valid session, when no session middleware ran, and when T is not the
// payload type the [Sessions] was built with: ClaimsFrom[*User] on sessions of User finds
// nothing, and logs that mistake at debug level on the Sessions' logger. It never panics.
//
// The claims are the request's own copy: writing to them changes neither what other requests
// see nor what a renewed token carries. Slices and maps inside the payload are not copied.
func ClaimsFrom[T any](ctx context.Context) (*token.Claims[T], bool) {
	v := ctx.Value(sessionKey{})
	st, ok := v.(*state[T])
	if !ok {
		if m, isState := v.(payloadMismatch); isState {
			m.reportMismatch(ctx, fmt.Sprintf("%T", (*T)(nil))[1:])
		}
		return nil, false
	}
	if st.claims == nil {
		return nil, false
	}
	return st.claims, true
}

// payloadMismatch is implemented by every state: ClaimsFrom calls it when it finds a session
// state of another payload type than it was asked for, a mistake that otherwise looks exactly
// like a signed-out request.
type payloadMismatch interface {
	reportMismatch(ctx context.Context, asked string)
}

func (st *state[T]) reportMismatch(ctx context.Context, asked string) {
	if st.owner == nil {
		return
	}
	have := fmt.Sprintf("%T", (*T)(nil))[1:]
	l := zerolog.Ctx(ctx)
	if l.GetLevel() == zerolog.Disabled || l == zerolog.DefaultContextLogger {
		l = &st.owner.cfg.logger
	}
	l.Debug().Str("event", "claims_type_mismatch").Str("asked", asked).Str("payload", have).
		Msg("keycard: ClaimsFrom asked for another payload type than the session carries; it returns false")
}

// handOut makes the request's private copy of the verified claims c and points st.claims at
// it. The copy is made by value; Audience and AMR, the slices of registered claims, are copied
// (Audience at one allocation, none without an audience; AMR into ownAMR, allocating only past
// three methods).
func (st *state[T]) handOut(c *token.Claims[T]) {
	st.own = *c
	if c.Audience != nil {
		st.own.Audience = slices.Clone(c.Audience)
	}
	if c.AMR != nil {
		st.own.AMR = append(st.ownAMR[:0], c.AMR...)
	}
	st.claims = &st.own
}

// NewContext returns a copy of ctx carrying claims, as [Sessions.RequireSession] would attach
// them. It is meant for testing handlers that call [ClaimsFrom] without running the middleware.
func NewContext[T any](ctx context.Context, claims *token.Claims[T]) context.Context {
	return context.WithValue(ctx, sessionKey{}, &state[T]{claims: claims, cookiePresent: true})
}

// stateFrom returns the state s itself attached to ctx. A state attached by another Sessions of
// the same payload type (another cookie, key set or policy) or by [NewContext] is not reused:
// otherwise an admin area's RequireSession, nested inside the site-wide LoadSession of the
// user sessions, would accept the user's session as an admin one.
func (s *Sessions[T]) stateFrom(ctx context.Context) (*state[T], bool) {
	st, ok := ctx.Value(sessionKey{}).(*state[T])
	if !ok || st.owner != s {
		return nil, false
	}
	return st, true
}
