package oidc

import (
	"context"
	"errors"
	"html/template"
	"net"
	"net/http"
	"strings"
)

// Failure describes a failed sign-in, for the page set with [WithFailurePage].
type Failure struct {
	// Status is the HTTP status to write: 400, 401, 403, 405 or 409 for a refused or broken
	// flow, 500 when the application's [LinkFunc] failed, 502 or 504 when the provider is down,
	// slow or misbehaving, 503 when the [middleware.OnceStore] failed.
	Status int
	// Code is a fixed machine-readable reason ("state_mismatch", "provider_denied",
	// "unknown_identity", ...), the same as in the logs and the JSON answer.
	Code string
	// Message is a generic sentence to show the user. It never contains anything the provider
	// or the request said.
	Message string
	// Provider is the display name of the provider the sign-in went through.
	Provider string
	// Err is the cause, matching one of the package's sentinels with [errors.Is]: for logs,
	// never for the client.
	Err error
}

// flowError is a failure on its way to the client: status and fixed reason code, with the
// sentinel and the cause for [errors.Is] and the logs.
type flowError struct {
	status   int
	code     string
	sentinel error
	cause    error
}

// maxCauseLen bounds the cause's text in Error: some causes quote a provider's response body.
const maxCauseLen = 256

func (e *flowError) Error() string {
	if e.cause == nil {
		return e.sentinel.Error() + " (" + e.code + ")"
	}
	cause := e.cause.Error()
	if len(cause) > maxCauseLen {
		cause = cause[:maxCauseLen] + "..."
	}
	return e.sentinel.Error() + " (" + e.code + "): " + cause
}

func (e *flowError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.sentinel}
	}
	return []error{e.sentinel, e.cause}
}

func fail(status int, code string, sentinel, cause error) *flowError {
	return &flowError{status: status, code: code, sentinel: sentinel, cause: cause}
}

func stateFailure(code string, cause error) *flowError {
	return fail(http.StatusBadRequest, code, ErrState, cause)
}

func tokenFailure(code string, cause error) *flowError {
	return fail(http.StatusUnauthorized, code, ErrIDToken, cause)
}

func upstreamFailure(code string, cause error) *flowError {
	return fail(http.StatusBadGateway, code, ErrUpstream, cause)
}

// classifyUpstream turns a failed call to the provider into 504 for a timeout, 502 otherwise.
func classifyUpstream(what string, err error) *flowError {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fail(http.StatusGatewayTimeout, "provider_timeout", ErrUpstream, err)
	case errors.As(err, &ne), errors.Is(err, errResponseTooLarge):
		return upstreamFailure("provider_unavailable", err)
	}
	return upstreamFailure(what+"_bad_response", err)
}

// message returns the sentence shown for a reason code.
func message(code string) string {
	switch {
	case code == "provider_denied":
		return "Sign-in was cancelled or refused at the provider."
	case code == "unknown_identity":
		return "No account is linked to this identity."
	case code == "email_not_verified":
		return "The provider has not verified your e-mail address."
	case code == "refused":
		return "This account cannot sign in this way."
	case code == "provider_timeout":
		return "The identity provider did not answer in time. Try again in a moment."
	case code == "unavailable", code == "internal":
		return "Something went wrong. Try again in a moment."
	case strings.HasPrefix(code, "state_"):
		return "This sign-in has expired or was already used. Start again."
	case strings.HasPrefix(code, "provider_"), strings.HasPrefix(code, "discovery_"),
		strings.HasPrefix(code, "token_"), strings.HasPrefix(code, "jwks_"):
		return "The identity provider is unavailable. Try again in a moment."
	}
	return "Sign-in failed. Start again."
}

// respond answers a failed sign-in: JSON {"error": code} unless the client accepts HTML, then
// the failure page. Nothing in the answer comes from the request or the provider.
func (l *Login[T]) respond(w http.ResponseWriter, r *http.Request, ip *idp, fe *flowError) {
	if answeredJSON(w, r, fe) {
		return
	}
	h := w.Header()
	f := Failure{Status: fe.status, Code: fe.code, Message: message(fe.code), Err: fe}
	if ip != nil {
		f.Provider = ip.p.display
	}
	if l.cfg.failure != nil {
		l.cfg.failure(w, r, f)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(fe.status)
	_ = failurePage.Execute(w, struct {
		Failure
		LoginPath string
	}{f, l.cfg.loginPath})
}

var failurePage = template.Must(template.New("failure").Parse(`<!doctype html>
<meta charset="utf-8"><title>Sign-in failed</title>
<p>{{if .Provider}}Sign-in with {{.Provider}} failed. {{end}}{{.Message}}</p>
<p><a href="{{.LoginPath}}">Back to sign in</a></p>
`))

// answeredJSON sets the headers every failure answer carries and, for a client that does not
// accept HTML, answers {"error": code} with fe's status; it reports whether it answered.
func answeredJSON(w http.ResponseWriter, r *http.Request, fe *flowError) bool {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if acceptsHTML(r) {
		return false
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(fe.status)
	_, _ = w.Write([]byte(`{"error":"` + fe.code + `"}` + "\n"))
	return true
}

// acceptsHTML reports whether the client takes an HTML page: browsers navigating do.
func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}
