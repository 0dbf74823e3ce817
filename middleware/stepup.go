package middleware

import (
	"fmt"
	"net/http"
	"time"
)

// RequireRecentAuth returns middleware that serves next only to sessions whose user
// authenticated within maxAge ([token.Claims.AuthTime]): a step-up in front of sensitive routes
// (changing a password or an e-mail address, deleting an account, payment details). Signing in
// again as the same user ([Sessions.Start]) keeps the session and moves its authentication time.
//
// A request without a valid session is answered as by [Sessions.RequireSession]. A session
// whose authentication is older than maxAge gets:
//   - 303 See Other to the login path with next= set to the original path and query and
//     reason=reauth, for a browser navigation (a form submission included: the session is
//     valid, only older than maxAge), so the login page can say why it asks again;
//   - 401 with HX-Redirect to that URL, for an htmx request;
//   - 401 with WWW-Authenticate: Bearer error="insufficient_user_authentication",
//     max_age=N (RFC 9470, N in whole seconds) and {"error":"insufficient_user_authentication"},
//     for anything else.
//
// All of them carry Cache-Control: no-store. maxAge must be positive: RequireRecentAuth panics
// otherwise, when the route is built, never on a request. It composes with RequireSession
// (verification happens once per request) and is safe for concurrent use.
func (s *Sessions[T]) RequireRecentAuth(maxAge time.Duration) func(http.Handler) http.Handler {
	if maxAge <= 0 {
		panic(fmt.Sprintf("middleware: RequireRecentAuth needs a positive maxAge, got %v", maxAge))
	}
	secs := int64((maxAge + time.Second - 1) / time.Second)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, r := s.resolve(w, r)
			if st.err != nil {
				s.unauthorized(w, r, st.err)
				return
			}
			if s.codec.Now().Sub(st.claims.AuthTime) <= maxAge {
				next.ServeHTTP(w, r)
				return
			}
			s.logger(r).Info().Str("event", "step_up_required").Str("path", r.URL.Path).
				Msg("keycard: recent authentication required")
			s.stepUp(w, r, secs)
		})
	}
}

// stepUp answers a request whose session must authenticate again.
func (s *Sessions[T]) stepUp(w http.ResponseWriter, r *http.Request, maxAgeSecs int64) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Cookie")
	login := s.loginURL(r.URL.RequestURI())
	if login == s.cfg.loginPath {
		login += "?reason=reauth"
	} else {
		login += "&reason=reauth"
	}
	switch {
	case r.Header.Get("HX-Request") == "true":
		h.Set("HX-Redirect", login)
		writeJSONError(w, http.StatusUnauthorized, "insufficient_user_authentication")
	case isNavigation(r), r.Header.Get("Sec-Fetch-Mode") == "navigate" && acceptsHTML(r):
		http.Redirect(w, r, login, http.StatusSeeOther)
	default:
		h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_user_authentication", error_description=%q, max_age=%d`,
			"A more recent authentication is required", maxAgeSecs))
		writeJSONError(w, http.StatusUnauthorized, "insufficient_user_authentication")
	}
}
