package oidc

import (
	"net/http"

	"github.com/keycard-go/keycard/token"
)

// start begins the session of sub for the identity the provider vouched for.
func (l *Login[T]) start(w http.ResponseWriter, r *http.Request, sub token.Subject, payload T, id Identity) (*token.Claims[T], error) {
	return l.sessions.Start(w, r, sub, payload)
}
