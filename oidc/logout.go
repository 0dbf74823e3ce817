package oidc

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// LogoutHandler returns the RP-initiated logout route of the provider called name
// (POST PREFIX/NAME/logout): it ends the keycard session ([middleware.Sessions.End]: clears the
// cookie and, with a revocation store, revokes the session), then sends the browser (303) to
// the provider's end_session_endpoint with client_id and post_logout_redirect_uri
// ([WithPostLogoutPath]), so the user is signed out at the provider too. When the provider has
// no such endpoint, or its metadata cannot be read, logout stays local and goes to the
// post-logout path. Clients that do not accept HTML get 200 with {"redirect": URL} instead of
// the redirect.
//
// Like the session's own logout, it refuses cross-origin requests (403, [WithTrustedOrigins])
// and methods other than POST (405), and answers 503 when the revocation store fails (the
// cookie is cleared all the same). It panics at setup when no provider is called name.
func (l *Login[T]) LogoutHandler(name string) http.Handler {
	ip := l.provider(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			l.respond(w, r, ip, fail(http.StatusMethodNotAllowed, "method_not_allowed", ErrProviderResponse, nil))
			return
		}
		if err := l.cop.Check(r); err != nil {
			l.logoutFailed(w, r, ip, fail(http.StatusForbidden, "cross_origin", ErrState, nil))
			return
		}
		if err := l.sessions.End(w, r); err != nil {
			l.logoutFailed(w, r, ip, fail(http.StatusServiceUnavailable, "unavailable", errStore, err))
			return
		}
		target := l.cfg.postLogout
		if m, err := l.metadata(r.Context(), ip); err != nil {
			l.logger(r).Warn().Str("event", "oidc_logout_local").Str("provider", ip.p.name).
				Str("reason", asFlowError(err).code).Msg("keycard: provider metadata unavailable; logout is local only")
		} else if m.endSession != "" {
			target = endSessionURL(m.endSession, ip.p.clientID, l.base+l.cfg.postLogout)
		}
		l.logger(r).Info().Str("event", "oidc_logout").Str("provider", ip.p.name).Msg("keycard: logout")
		if !acceptsHTML(r) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_ = json.NewEncoder(w).Encode(struct {
				Redirect string `json:"redirect"`
			}{target})
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// logoutFailed logs a logout that did not happen and answers it: {"error": code} JSON, or for
// browsers a short page that says signing out failed. It is no sign-in failure: no
// [EventLoginFailed] is emitted and [WithFailurePage] is not used.
func (l *Login[T]) logoutFailed(w http.ResponseWriter, r *http.Request, ip *idp, fe *flowError) {
	lg := l.logger(r)
	e := lg.Warn()
	if fe.status >= 500 {
		e = lg.Error().Err(fe)
	}
	e.Str("event", "oidc_logout_failed").Str("provider", ip.p.name).Str("reason", fe.code).
		Int("status", fe.status).Msg("keycard: OpenID Connect logout failed")
	if answeredJSON(w, r, fe) {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(fe.status)
	_, _ = w.Write([]byte(logoutFailedPage))
}

// logoutFailedPage is the page of a failed logout. The session cookie is cleared whatever the
// cause; what may not have happened is the revocation of copies, so the user is asked to retry.
const logoutFailedPage = `<!doctype html>
<meta charset="utf-8"><title>Sign-out failed</title>
<p>Signing out did not complete. Try again in a moment.</p>
`

// errStore is the cause of a logout whose revocation failed.
var errStore = errors.New("oidc: revocation store failed at logout")

// endSessionURL is the provider's end_session_endpoint with the logout request's parameters
// (OpenID Connect RP-Initiated Logout 1.0), keeping any query the endpoint has.
func endSessionURL(endpoint, clientID, postLogout string) string {
	u, err := url.Parse(endpoint)
	if err != nil { // checked at discovery
		return postLogout
	}
	q := u.Query()
	q.Set("client_id", clientID)
	q.Set("post_logout_redirect_uri", postLogout)
	u.RawQuery = q.Encode()
	return u.String()
}
