package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// LoginFailure describes a failed form login, for the renderer set with [WithLoginForm].
type LoginFailure struct {
	// Status is the HTTP status to write: 400, 401, 413, 415, 429, 500 or 503.
	Status int
	// Code is a fixed machine-readable reason: "bad_request", "invalid_credentials",
	// "too_many_attempts", "unavailable", "internal".
	Code string
	// Message is a generic sentence to show the user. It is the same for an unknown account
	// and a wrong password.
	Message string
	// RetryAfter is set with 429 and 503.
	RetryAfter time.Duration
	// Next is the safe redirect target the form carried, for its hidden field.
	Next string
	// Identifier is the account name as the user typed it, to fill the form again. It comes
	// from the request: escape it when rendering.
	Identifier string
}

// Limits on login fields, so that a login request cannot make the authenticator work on
// absurd input.
const (
	maxIdentifierLen = 320  // the longest e-mail address RFC 5321 allows, roughly
	maxPasswordLen   = 1024 // far above bcrypt's 72; beyond, it is not a password
)

// loginTimeout bounds how long one login may wait for the authenticator, most of which is
// queueing for a bcrypt slot under load.
const loginTimeout = 5 * time.Second

// LoginHandler returns the handler for POST requests to the login path. It accepts
// application/x-www-form-urlencoded and JSON bodies with the account field ("email" unless
// [WithIdentifierField] says otherwise), "password", an optional "next" and an optional
// "remember" ([WithRememberField]: a checkbox, or true/false in JSON), bounded by
// [WithMaxLoginBody].
//
// It checks the credentials with auth and, on success, calls [Sessions.Start] with
// [AMRPassword] and the remember-me choice: a brand-new session (new token, no session
// fixation), or, when the request carries a valid session of the same user, a
// re-authentication of it (step-up). It answers 303 to the safe next target ([SafeNext]) for
// forms or 200 with {"subject", "session_id", "expires_at", "remember"} for JSON. On failure it answers
// 401 with one generic message for an unknown account and a wrong password alike; repeated
// attempts for the same account from the same client, and a client's attempts past its budget
// across accounts, get 429 with Retry-After ([WithLimiter]); a limiter that fails or is full
// gets 503 (fail closed).
// Form failures are rendered by [WithLoginForm]; JSON ones are {"error": code}.
//
// With [WithSecondFactor], a correct password for an account that has a second factor starts
// no session: the handler sets a pending login ([Sessions.StartPending]) and sends the client to
// the second step instead.
//
// The handler is wrapped in [http.CrossOriginProtection]: cross-origin POSTs get 403
// ([WithTrustedOrigins] allows some). Other methods get 405.
func (s *Sessions[T]) LoginHandler(auth Authenticator[T]) http.Handler {
	if auth == nil {
		panic("middleware: LoginHandler needs an Authenticator") // a programming error at setup, never on a request
	}
	return s.protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.login(w, r, auth)
	}))
}

// loginRequest is a parsed login body.
type loginRequest struct {
	identifier  string
	password    []byte
	next        string
	json        bool
	remember    bool
	rememberSet bool
}

func (s *Sessions[T]) login(w http.ResponseWriter, r *http.Request, auth Authenticator[T]) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	failed := func(status int) {
		e := s.requestEvent(r, EventLoginFailed)
		e.Method, e.Reason = AMRPassword, loginReason(status)
		s.Emit(r.Context(), e)
	}
	req, status := s.parseLogin(w, r)
	if status != 0 {
		s.loginEvent(r, "login_rejected", "", status)
		failed(status)
		s.loginFailed(w, r, req, status, 0)
		return
	}

	// One key per client and one per account and client: the limiter checks the client's
	// budget before it makes any state for the account, so a flood of fresh account names
	// from one client stops growing it.
	key := newThrottleKey(req.identifier, s.cfg.clientIP(r))
	retry, err := s.cfg.limiter.Hit(r.Context(), key)
	switch {
	case err != nil:
		// Fail closed: without a count, brute force is unbounded.
		s.logger(r).Error().Err(err).Str("event", "login_unavailable").Msg("keycard: login limiter failed")
		failed(http.StatusServiceUnavailable)
		s.loginFailed(w, r, req, http.StatusServiceUnavailable, time.Second)
		return
	case retry > 0:
		s.loginEvent(r, "login_throttled", key.Account, http.StatusTooManyRequests)
		e := s.requestEvent(r, EventLoginThrottled)
		e.Method, e.Reason = AMRPassword, "too_many_attempts"
		s.Emit(r.Context(), e)
		s.loginFailed(w, r, req, http.StatusTooManyRequests, retry)
		return
	}

	// Bound the wait for a bcrypt slot: during a login flood, callers past the deadline get 503
	// instead of piling up behind each other.
	ctx, cancel := context.WithTimeout(r.Context(), loginTimeout)
	sub, payload, err := auth(ctx, req.identifier, req.password)
	cancel()
	clear(req.password)
	switch {
	case errors.Is(err, ErrBadCredentials):
		s.loginEvent(r, "login_failed", key.Account, http.StatusUnauthorized)
		failed(http.StatusUnauthorized)
		s.loginFailed(w, r, req, http.StatusUnauthorized, 0)
		return
	case errors.Is(err, password.ErrBusy), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		s.loginEvent(r, "login_busy", key.Account, http.StatusServiceUnavailable)
		failed(http.StatusServiceUnavailable)
		s.loginFailed(w, r, req, http.StatusServiceUnavailable, time.Second)
		return
	case err != nil:
		s.logger(r).Error().Err(err).Str("event", "login_error").Msg("keycard: authenticator failed")
		failed(http.StatusInternalServerError)
		s.loginFailed(w, r, req, http.StatusInternalServerError, 0)
		return
	}

	if s.handOver(w, r, req, sub, key) {
		return
	}
	opts := []StartOption{AuthMethods(AMRPassword)}
	if req.rememberSet {
		opts = append(opts, RememberMe(req.remember))
	}
	claims, err := s.Start(w, r, sub, payload, opts...)
	if err != nil {
		s.logger(r).Error().Err(err).Str("event", "login_error").Msg("keycard: could not start session")
		failed(http.StatusInternalServerError)
		s.loginFailed(w, r, req, http.StatusInternalServerError, 0)
		return
	}
	if err := s.cfg.limiter.Reset(r.Context(), key); err != nil {
		s.logger(r).Warn().Err(err).Msg("keycard: login limiter reset failed")
	}
	s.logger(r).Info().Str("event", "login_succeeded").Str("subject", string(claims.Subject)).
		Str("account", accountTag(key.Account)).Msg("keycard: login succeeded")
	e := s.sessionEvent(r, EventLoginSucceeded, claims)
	e.Method = AMRPassword
	s.Emit(r.Context(), e)

	if req.json {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(struct {
			Subject   token.Subject   `json:"subject"`
			SessionID token.SessionID `json:"session_id"`
			ExpiresAt time.Time       `json:"expires_at"`
			Remember  bool            `json:"remember"`
		}{claims.Subject, claims.SessionID, claims.Expiry.UTC(), claims.Remember})
		return
	}
	http.Redirect(w, r, SafeNext(req.next), http.StatusSeeOther)
}

// parseLogin reads and checks a login body. It returns a non-zero status when the request is
// not a well-formed login.
func (s *Sessions[T]) parseLogin(w http.ResponseWriter, r *http.Request) (loginRequest, int) {
	var req loginRequest
	req.next = r.URL.Query().Get("next")
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return req, http.StatusUnsupportedMediaType
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.maxLoginBody)
	var fields map[string]string
	switch mediaType {
	case "application/x-www-form-urlencoded":
		fields, err = readForm(r)
	case "application/json":
		req.json = true
		fields, err = readJSON(r.Body, s.cfg.rememberField)
	default:
		return req, http.StatusUnsupportedMediaType
	}
	if next, ok := fields["next"]; ok {
		req.next = next
	}
	req.identifier = strings.TrimSpace(fields[s.cfg.identifierField])
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return req, http.StatusRequestEntityTooLarge
	case err != nil:
		return req, http.StatusBadRequest
	}
	if v, ok := fields[s.cfg.rememberField]; ok {
		if req.remember, ok = rememberValue(v); !ok {
			return req, http.StatusBadRequest
		}
		req.rememberSet = true
	}
	pw := fields["password"]
	if req.identifier == "" || len(req.identifier) > maxIdentifierLen || !printable(req.identifier) ||
		pw == "" || len(pw) > maxPasswordLen || !utf8.ValidString(pw) {
		return req, http.StatusBadRequest
	}
	req.password = []byte(pw)
	return req, 0
}

// readForm reads a url-encoded body. A field given twice is malformed: which one a checker
// reads is exactly what request-smuggling tricks play on.
func readForm(r *http.Request) (map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	fields := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		if len(v) != 1 {
			return nil, errors.New("field repeated")
		}
		fields[k] = v[0]
	}
	return fields, nil
}

// readJSON reads a JSON object of string fields, except that boolField may also be true or
// false (read as "true" or "false"); anything else is malformed. A field given twice is
// malformed too, as in readForm: encoding/json would silently keep the last one, while a proxy
// or a logger in front of us may read the first.
func readJSON(body io.Reader, boolField string) (map[string]string, error) {
	dec := json.NewDecoder(body)
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	fields := make(map[string]string, 4)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if _, dup := fields[name]; dup {
			return nil, errors.New("field repeated")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if name == boolField && (string(raw) == "true" || string(raw) == "false") {
			fields[name] = string(raw)
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("field is not a string: %w", err)
		}
		fields[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return fields, nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return false
		}
	}
	return true
}

// loginEvent logs one login outcome.
func (s *Sessions[T]) loginEvent(r *http.Request, event, key string, status int) {
	e := s.logger(r).Info()
	if status != http.StatusUnauthorized && status < 500 && event != "login_throttled" {
		e = s.logger(r).Debug()
	}
	if event == "login_throttled" {
		e = s.logger(r).Warn()
	}
	if key != "" {
		e = e.Str("account", accountTag(key))
	}
	e.Str("event", event).Int("status", status).Msg("keycard: login " + strings.TrimPrefix(event, "login_"))
}

// loginReason is the Reason of a login.failed event for status.
func loginReason(status int) string {
	code, _ := loginMessage(status)
	return code
}

// loginMessage returns the only texts a failed login shows for status.
func loginMessage(status int) (code, message string) {
	switch status {
	case http.StatusUnauthorized:
		return "invalid_credentials", "Incorrect account or password."
	case http.StatusTooManyRequests:
		return "too_many_attempts", "Too many attempts. Try again later."
	case http.StatusRequestEntityTooLarge:
		return "bad_request", "The request is too large."
	case http.StatusUnsupportedMediaType:
		return "bad_request", "Unsupported request format."
	case http.StatusServiceUnavailable:
		return "unavailable", "The service is busy. Try again in a moment."
	case http.StatusInternalServerError:
		return "internal", "Something went wrong. Try again later."
	default:
		return "bad_request", "Enter your account and password."
	}
}

// loginFailed answers a failed login.
func (s *Sessions[T]) loginFailed(w http.ResponseWriter, r *http.Request, req loginRequest, status int, retry time.Duration) {
	code, message := loginMessage(status)
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	}
	if req.json || (status == http.StatusUnsupportedMediaType && !acceptsHTML(r)) {
		writeJSONError(w, status, code)
		return
	}
	f := LoginFailure{
		Status: status, Code: code, Message: message, RetryAfter: retry,
		Next: SafeNext(req.next), Identifier: req.identifier,
	}
	if s.cfg.loginForm != nil {
		s.cfg.loginForm(w, r, f)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = defaultLoginFailure.Execute(w, struct {
		LoginFailure
		LoginPath string
	}{f, s.cfg.loginPath})
}

var defaultLoginFailure = template.Must(template.New("failure").Parse(`<!doctype html>
<meta charset="utf-8"><title>Sign in</title>
<p>{{.Message}}</p>
<p><a href="{{.LoginPath}}?next={{.Next}}">Back to sign in</a></p>
`))
