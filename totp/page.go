package totp

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/keycard-go/keycard/middleware"
)

// Page is what a form request's answer shows, for the renderer set with [WithPage]. Kind says
// which page; the fields that do not concern it are zero.
type Page struct {
	// Kind is one of the Page... constants.
	Kind string
	// Status is the HTTP status to write.
	Status int
	// Error is a fixed machine-readable code when something failed ("invalid_code",
	// "code_used", "malformed_code", "too_many_attempts", "pending_login_expired", ...), and
	// empty otherwise. Message is a generic sentence for it, to show the user.
	Error, Message string
	// Key is the enrolment to confirm (PageSetup): show its QR code ([Key.QR], or a route
	// serving [Factor.QRHandler]) and its secret (Key.Secret.Base32()) for typing in.
	Key *Key
	// RecoveryCodes are the new recovery codes (PageRecoveryCodes): show them once, now.
	RecoveryCodes []string
	// TriesLeft is how many tries the pending login has left (PageSecondStep).
	TriesLeft int
	// RetryAfter is set, in seconds, with a throttled attempt (429).
	RetryAfter int64
	// Next is the safe redirect target the form carried, for its hidden field.
	Next string
}

// Kinds of [Page].
const (
	PageSetup         = "setup"          // scan the QR code, confirm with a code (enrol, failed confirm)
	PageRecoveryCodes = "recovery_codes" // the recovery codes, shown once (confirm, regenerate)
	PageSecondStep    = "second_step"    // a failed second step: the code form again
	PageSignInAgain   = "sign_in_again"  // the pending login is over (expired, used, no tries left)
	PageStepUp        = "step_up"        // a failed step-up: the code form again
	PageDisable       = "disable"        // a failed disable: the code form again
	PageRegenerate    = "regenerate"     // a failed regeneration of recovery codes
)

// failure returns the status and code of err.
func failure(err error) (int, string) {
	var throttled *ThrottledError
	switch {
	case errors.Is(err, ErrMalformedCode):
		return http.StatusBadRequest, "malformed_code"
	case errors.Is(err, ErrInvalidCode):
		return http.StatusUnauthorized, "invalid_code"
	case errors.Is(err, ErrCodeUsed):
		return http.StatusUnauthorized, "code_used"
	case errors.As(err, &throttled):
		return http.StatusTooManyRequests, "too_many_attempts"
	case errors.Is(err, ErrNotEnrolled):
		return http.StatusNotFound, "not_enrolled"
	case errors.Is(err, ErrEnabled):
		return http.StatusConflict, "already_enabled"
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	}
	if status, code := middleware.PendingFailure(err); status != http.StatusInternalServerError {
		return status, code
	}
	return http.StatusInternalServerError, "internal"
}

// messages are the only texts failures show.
var messages = map[string]string{
	"malformed_code":          "Enter the 6-digit code from your authenticator app, or a recovery code.",
	"invalid_code":            "That code is not right. Try again.",
	"code_used":               "That code was used already. Wait for the next one.",
	"too_many_attempts":       "Too many attempts. Try again later.",
	"not_enrolled":            "Two-factor authentication is not set up.",
	"already_enabled":         "Two-factor authentication is on already.",
	"unavailable":             "The service is busy. Try again in a moment.",
	"internal":                "Something went wrong. Try again later.",
	"bad_request":             "The request is not valid.",
	"no_pending_login":        "Sign in first.",
	"pending_login_expired":   "Your sign-in expired. Sign in again.",
	"pending_login_invalid":   "Your sign-in is not valid. Sign in again.",
	"pending_login_used":      "This sign-in was used already. Sign in again.",
	"pending_login_exhausted": "Too many wrong codes. Sign in again.",
	"reauth_required":         "For your security, sign in again to set up two-factor authentication.",
}

// fail answers a failed request: JSON {"error": code, ...extra} or the page of kind.
func (f *Factor[T]) fail(w http.ResponseWriter, r *http.Request, req codeRequest, kind string, err error, page Page) {
	status, code := failure(err)
	if code == "internal" {
		f.logger(r, err)
	}
	var throttled *ThrottledError
	if errors.As(err, &throttled) {
		w.Header().Set("Retry-After", strconv.FormatInt(throttled.RetryAfter, 10))
		page.RetryAfter = throttled.RetryAfter
	}
	f.failWith(w, r, req, kind, status, code, page)
}

// failWith answers with a given status and code.
func (f *Factor[T]) failWith(w http.ResponseWriter, r *http.Request, req codeRequest, kind string, status int, code string, page Page) {
	if req.json {
		body := map[string]any{"error": code}
		if kind == PageSecondStep || kind == PageSignInAgain {
			body["tries_left"] = page.TriesLeft
		}
		if page.RetryAfter > 0 {
			body["retry_after"] = page.RetryAfter
		}
		writeJSON(w, status, body)
		return
	}
	page.Kind, page.Status, page.Error, page.Message = kind, status, code, messages[code]
	page.Next = middleware.SafeNext(req.next)
	f.render(w, r, page)
}

// render answers a form request with a page.
func (f *Factor[T]) render(w http.ResponseWriter, r *http.Request, p Page) {
	w.Header().Set("Cache-Control", "no-store")
	if f.cfg.page != nil {
		f.cfg.page(w, r, p)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = defaultPage.Execute(w, p)
}

// writeJSON writes v with status, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var defaultPage = template.Must(template.New("page").Parse(`<!doctype html>
<meta charset="utf-8"><title>Two-factor authentication</title>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Key}}<p>Add this key to your authenticator app: <code>{{.Key.Secret.Base32}}</code></p>{{end}}
{{if .RecoveryCodes}}<p>Your recovery codes. Each works once; this is the only time they are shown.</p>
<ul>{{range .RecoveryCodes}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
{{if eq .Kind "sign_in_again"}}<p><a href="/">Sign in again</a></p>{{end}}
`))
