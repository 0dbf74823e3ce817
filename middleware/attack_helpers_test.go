package middleware_test

import (
	"net/http"

	"github.com/keycard-go/keycard/middleware"
)

// protectedBy is a handler that checks the session itself with s.Current, as an application
// handler outside s's middleware would.
func protectedBy(s *middleware.Sessions[User]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := s.Current(r)
		if err != nil {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("hello " + claims.Payload.Email))
	})
}
