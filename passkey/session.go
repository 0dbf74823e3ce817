package passkey

import (
	"net/http"

	"github.com/keycard-go/keycard/token"
)

// This file is where the passkey handlers meet keycard's session lifecycle.

// boundAccount returns the account a sign-in ceremony is bound to, if any, and whether it is
// the second step of a sign-in.
func (p *Passkeys[T]) boundAccount(r *http.Request) (token.Subject, bool) {
	if claims, err := p.sessions.Current(r); err == nil {
		return claims.Subject, false
	}
	return "", false
}

// start starts the session of a passkey sign-in.
func (p *Passkeys[T]) start(w http.ResponseWriter, r *http.Request, sub token.Subject, payload T, second bool) (*token.Claims[T], *rejection) {
	claims, err := p.sessions.Start(w, r, sub, payload)
	if err != nil {
		return nil, reject(http.StatusInternalServerError, "internal", "start_failed", err)
	}
	return claims, nil
}

// emit reports an event through the sessions' event hook.
func (p *Passkeys[T]) emit(r *http.Request, kind string, sub token.Subject, sid token.SessionID, reason string) {
}

// emitRejection reports a refused request.
func (p *Passkeys[T]) emitRejection(r *http.Request, kind, reason string) {
}
