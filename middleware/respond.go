package middleware

import (
	"net/http"
	"net/url"
	"strings"
)

// unauthorized answers a request that needs a session and has none. See
// [Sessions.RequireSession] for the decision.
func (s *Sessions[T]) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if s.cfg.unauthorized != nil {
		s.cfg.unauthorized(w, r, err)
		return
	}
	h := w.Header()
	noStore(h)
	login := s.loginURL(r.URL.RequestURI())
	switch {
	case r.Header.Get("HX-Request") == "true":
		h.Set("HX-Redirect", login)
		writeJSONError(w, http.StatusUnauthorized, "unauthenticated")
	case isNavigation(r):
		http.Redirect(w, r, login, http.StatusSeeOther)
	default:
		h.Set("WWW-Authenticate", `Cookie realm="keycard", form-action="`+s.cfg.loginPath+`", cookie-name="`+s.cookie.Name+`"`)
		writeJSONError(w, http.StatusUnauthorized, "unauthenticated")
	}
}

// loginURL is the login path with next= carrying where the user was going, when that is a safe
// local target.
func (s *Sessions[T]) loginURL(next string) string {
	if next == "" || next == s.cfg.loginPath || !isSafeNext(next) {
		return s.cfg.loginPath
	}
	return s.cfg.loginPath + "?next=" + url.QueryEscape(next)
}

// isNavigation reports whether r is a browser loading a page, which is better answered by a
// redirect to the login page than by a 401. Fetch metadata (Sec-Fetch-Mode) decides when the
// browser sends it; otherwise a GET or HEAD that accepts HTML and is not marked as XHR.
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return false
	}
	return acceptsHTML(r)
}

func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}

// wantsJSON reports whether a login or logout request comes from a script rather than a form.
func wantsJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") {
		return true
	}
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		return false
	}
	return !acceptsHTML(r)
}

// writeError answers a failed login, logout or cross-origin check: {"error": code} for scripts,
// the status text for browsers submitting a form.
func writeError(w http.ResponseWriter, r *http.Request, status int, code string) {
	if wantsJSON(r) {
		writeJSONError(w, status, code)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status) + "\n"))
}

// writeJSONError writes {"error": code}. code is one of the package's fixed strings, never
// anything taken from the request or from an error.
func writeJSONError(w http.ResponseWriter, status int, code string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + code + `"}` + "\n"))
}
