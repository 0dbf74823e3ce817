package passkey

import (
	"context"
	"errors"
	"net/http"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// This file is where the passkey handlers meet keycard's session lifecycle: what a sign-in
// ceremony is bound to, how a verified passkey becomes a session, and the events.

// Kinds of the events the passkey handlers report through [middleware.Sessions.Emit], besides
// the login and session events ([middleware.EventLoginSucceeded], [middleware.EventLoginFailed]
// with Method "hwk", and the session events of Start).
const (
	EventRegistered         = "passkey.registered"           // a passkey was added to the subject's account
	EventRemoved            = "passkey.removed"              // a passkey was removed
	EventRegisterFailed     = "passkey.register_failed"      // a registration was refused; Reason says why
	EventSignCountRegressed = "passkey.sign_count_regressed" // a valid signature whose counter did not increase: maybe a cloned authenticator
)

// boundAccount returns the account a sign-in ceremony is bound to, if any: the subject of a
// pending login (the second step after a first factor), or of the current session
// (re-authentication).
func (p *Passkeys[T]) boundAccount(r *http.Request) (sub token.Subject, attempt string, second bool) {
	if pending, err := p.sessions.Pending(r); err == nil {
		return pending.Subject, pending.Attempt, true
	}
	if claims, err := p.sessions.Current(r); err == nil {
		return claims.Subject, "", false
	}
	return "", "", false
}

// tryPending counts the second-step try of a ceremony bound to a pending login, before its
// assertion is verified, as [middleware.Sessions.TryPending] asks.
func (p *Passkeys[T]) tryPending(w http.ResponseWriter, r *http.Request, c ceremony) (*middleware.Pending, *rejection) {
	pending, err := p.sessions.TryPending(w, r)
	if err != nil {
		status, code := middleware.PendingFailure(err)
		if status >= 500 {
			return nil, reject(status, code, "pending_unavailable", err)
		}
		return nil, reject(status, code, code, nil)
	}
	if pending.Subject != c.Subject || pending.Attempt != c.Attempt {
		// Another pending login (another tab signed in as someone else) replaced this one.
		return nil, refused("pending_mismatch")
	}
	return pending, nil
}

// start ends a verified passkey sign-in in a session: a second step completes the pending
// login (amr "pwd hwk mfa", say), a first factor starts or re-authenticates a session with amr
// "hwk" (a session of the same user keeps its ID and moves auth_time: a step-up).
func (p *Passkeys[T]) start(w http.ResponseWriter, r *http.Request, sub token.Subject, payload T, pending *middleware.Pending) (*token.Claims[T], *rejection) {
	var claims *token.Claims[T]
	var err error
	if pending != nil {
		claims, err = p.sessions.CompletePending(w, r, pending, payload, middleware.AMRHardwareKey)
		if errors.Is(err, middleware.ErrPendingReplayed) {
			return nil, reject(http.StatusConflict, "pending_login_used", "pending_replayed", nil)
		}
	} else {
		claims, err = p.sessions.Start(w, r, sub, payload, middleware.AuthMethods(middleware.AMRHardwareKey))
		if err == nil {
			p.sessions.Emit(r.Context(), p.event(r, middleware.EventLoginSucceeded, claims.Subject, claims.SessionID, ""))
		}
	}
	if err != nil {
		return nil, reject(http.StatusInternalServerError, "internal", "start_failed", err)
	}
	return claims, nil
}

// HasPasskeys reports whether sub has registered a passkey: for the second-factor check of
// middleware.WithSecondFactor, or to offer "Sign in with a passkey" to a known user.
func (p *Passkeys[T]) HasPasskeys(ctx context.Context, sub token.Subject) (bool, error) {
	creds, err := p.store.List(ctx, sub)
	return len(creds) > 0, err
}

// event builds an event of r's client. Method is always "hwk": the events are about passkeys.
func (p *Passkeys[T]) event(r *http.Request, kind string, sub token.Subject, sid token.SessionID, reason string) middleware.Event {
	return middleware.Event{
		Kind: kind, Subject: sub, SessionID: sid, Method: middleware.AMRHardwareKey, Reason: reason,
		Device: middleware.DeviceName(r.UserAgent()),
	}
}

// emit reports an event through the sessions' event hook.
func (p *Passkeys[T]) emit(r *http.Request, kind string, sub token.Subject, sid token.SessionID, reason string) {
	p.sessions.Emit(r.Context(), p.event(r, kind, sub, sid, reason))
}

// emitRejection reports a refused request: a failed sign-in as [middleware.EventLoginFailed],
// a refused registration as [EventRegisterFailed]. Refusals of the management routes are only
// logged.
func (p *Passkeys[T]) emitRejection(r *http.Request, event, reason string) {
	switch event {
	case eventLoginRejected:
		p.emit(r, middleware.EventLoginFailed, "", "", reason)
	case eventRegisterRejected:
		var sub token.Subject
		var sid token.SessionID
		if claims, err := p.sessions.Current(r); err == nil {
			sub, sid = claims.Subject, claims.SessionID
		}
		p.emit(r, EventRegisterFailed, sub, sid, reason)
	}
}
