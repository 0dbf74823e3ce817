package middleware

import (
	"net/http"
	"slices"

	"github.com/keycard-go/keycard/token"
)

// Authorize returns middleware that serves next only to sessions whose claims satisfy allow:
// a route guard by role, tenant, or authentication method, such as
//
//	admin := sessions.Authorize(func(c *token.Claims[User]) bool { return c.Payload.Role == "admin" })
//	mux.Handle("/admin/", admin(adminPages))
//
// A request without a valid session is answered as by [Sessions.RequireSession] (303 to the
// login page or 401). A signed-in user whom allow refuses gets 403 Forbidden, with Cache-Control:
// no-store: {"error":"forbidden"} for API calls, a short text for browsers. allow receives the
// request's own copy of the claims and must not keep it; it runs on every request, so it should
// be quick, and safe for concurrent use. allow must not be nil: Authorize panics otherwise, when
// the route is built, never on a request.
func (s *Sessions[T]) Authorize(allow func(c *token.Claims[T]) bool) func(http.Handler) http.Handler {
	if allow == nil {
		panic("middleware: Authorize needs a predicate")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, r := s.resolve(w, r)
			if st.err != nil {
				s.unauthorized(w, r, st.err)
				return
			}
			if !allow(st.claims) {
				s.logger(r).Info().Str("event", "forbidden").Str("method", r.Method).Str("path", r.URL.Path).
					Msg("keycard: signed-in user not allowed here")
				h := w.Header()
				h.Set("Cache-Control", "no-store")
				h.Add("Vary", "Cookie")
				if acceptsHTML(r) {
					h.Set("Content-Type", "text/plain; charset=utf-8")
					h.Set("X-Content-Type-Options", "nosniff")
					w.WriteHeader(http.StatusForbidden)
					_, _ = w.Write([]byte(http.StatusText(http.StatusForbidden) + "\n"))
					return
				}
				writeJSONError(w, http.StatusForbidden, "forbidden")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// HasAuthMethod returns a predicate for [Sessions.Authorize] that holds when the session's
// latest authentication used method ([token.Claims.AMR]), such as [AMRMultiFactor] or
// [AMRHardwareKey].
func HasAuthMethod[T any](method string) func(c *token.Claims[T]) bool {
	return func(c *token.Claims[T]) bool { return slices.Contains(c.AMR, method) }
}
