package middleware

import (
	"context"
	"fmt"

	"github.com/keycard-go/keycard/token"
)

// sessionKey is the context key of a request's session state. An unexported empty struct type:
// no other package can read or overwrite the value.
type sessionKey struct{}

// state is what one request learned about its session. It is computed once, by the first of
// [Sessions.RequireSession], [Sessions.LoadSession] or [Sessions.Current] to run, and shared by
// every later one, so a token is verified at most once per request.
type state[T any] struct {
	claims *token.Claims[T] // nil when err != nil
	err    error
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
// payload type the [Sessions] was built with. It never panics.
//
// The claims are shared with other requests that present the same token: treat them as
// read-only.
func ClaimsFrom[T any](ctx context.Context) (*token.Claims[T], bool) {
	st, ok := ctx.Value(sessionKey{}).(*state[T])
	if !ok || st.claims == nil {
		return nil, false
	}
	return st.claims, true
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
