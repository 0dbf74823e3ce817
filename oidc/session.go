package oidc

import (
	"context"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Kinds of the events a sign-in reports through [middleware.Sessions.Emit], next to the
// session's own (session.started or session.reauthenticated). Their Method is "oidc:NAME", the
// provider's name; a failure's Reason is its reason code ([Failure.Code]).
const (
	EventLoginSucceeded = "oidc.login.succeeded"
	EventLoginFailed    = "oidc.login.failed"
)

// unknownAuthTime is the authentication time recorded when the ID token has no auth_time: older
// than any step-up accepts. The token's iat says when the provider answered, maybe from a
// single sign-on session of any age, not when the user authenticated; taking it would let a
// plain sign-in (a login link without reason=reauth) pass [middleware.Sessions.RequireRecentAuth].
var unknownAuthTime = time.Unix(0, 0).UTC()

// start begins the session of sub (or re-authenticates it, when r carries a session of the same
// subject) with the provider's account of the authentication: when (auth_time, else
// unknownAuthTime) and how (amr).
func (l *Login[T]) start(w http.ResponseWriter, r *http.Request, sub token.Subject, payload T, id Identity) (*token.Claims[T], error) {
	at := id.AuthTime
	if at.IsZero() {
		at = unknownAuthTime
	}
	opts := []middleware.StartOption{middleware.AuthenticatedAt(at)}
	if len(id.AMR) > 0 {
		opts = append(opts, middleware.AuthMethods(id.AMR...))
	}
	return l.sessions.Start(w, r, sub, payload, opts...)
}

// emit reports a sign-in event of provider ip.
func (l *Login[T]) emit(ctx context.Context, r *http.Request, ip *idp, kind, reason string, claims *token.Claims[T]) {
	e := middleware.Event{Kind: kind, Method: "oidc:" + ip.p.name, Reason: reason, Device: middleware.DeviceName(r.UserAgent())}
	if claims != nil {
		e.Subject, e.SessionID = claims.Subject, claims.SessionID
	}
	l.sessions.Emit(ctx, e)
}
