package middleware

import (
	"errors"
	"net/http"
)

// LogoutHandler returns the handler for POST requests to the logout path. It ends the session
// ([Sessions.End]: clears the cookie and, with a revocation store, revokes the session), then
// answers 303 to the login path for forms and browsers, or 204 for API requests. Other methods
// get 405: a GET that logs out can be triggered by any image tag on any site.
//
// The handler is wrapped in [http.CrossOriginProtection], like [Sessions.LoginHandler]. It
// answers success only when every session cookie that verifies was revoked: a revocation store
// failure is logged and answered 503, a request with more session cookies than are examined 400,
// with the cookie cleared all the same.
func (s *Sessions[T]) LogoutHandler() http.Handler {
	return s.protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed")
			return
		}
		if err := s.End(w, r); err != nil {
			if errors.Is(err, ErrAmbiguous) {
				s.logger(r).Warn().Str("event", "logout_error").Str("reason", "too_many_cookies").
					Msg("keycard: logout request with more session cookies than are examined")
				writeError(w, r, http.StatusBadRequest, "too_many_cookies")
				return
			}
			s.logger(r).Error().Err(err).Str("event", "logout_error").Msg("keycard: could not revoke session at logout")
			writeError(w, r, http.StatusServiceUnavailable, "unavailable")
			return
		}
		s.logger(r).Info().Str("event", "logout").Msg("keycard: logout")
		if wantsJSON(r) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, s.cfg.loginPath, http.StatusSeeOther)
	}))
}

// protect wraps a state-changing handler in cross-origin protection. Rejections are logged and
// answered 403 with a JSON body.
func (s *Sessions[T]) protect(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.cop.Check(r); err != nil {
			s.logger(r).Warn().Str("event", "cross_origin_rejected").Str("path", r.URL.Path).
				Msg("keycard: cross-origin request rejected")
			w.Header().Set("Cache-Control", "no-store")
			writeError(w, r, http.StatusForbidden, "cross_origin")
			return
		}
		h.ServeHTTP(w, r)
	})
}
