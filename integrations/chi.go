package integrations

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	keycard "github.com/keycard-go/keycard/middleware"
)

// chiRouter mounts keycard's handlers and a protected group on chi, beside chi's own
// middleware package. keycard's middleware are func(http.Handler) http.Handler, which chi takes
// as they are.
func chiRouter(sessions *keycard.Sessions[User], auth keycard.Authenticator[User]) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer)
	r.Method(http.MethodPost, "/login", sessions.LoginHandler(auth))
	r.Method(http.MethodPost, "/logout", sessions.LogoutHandler())
	r.Group(func(r chi.Router) {
		r.Use(sessions.RequireSession)
		r.Get("/account", func(w http.ResponseWriter, r *http.Request) {
			if claims, ok := keycard.ClaimsFrom[User](r.Context()); ok {
				fmt.Fprintf(w, "Hello, %s (request %s)", claims.Payload.Email, middleware.GetReqID(r.Context()))
			}
		})
	})
	return r
}
