package passkey

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/rs/zerolog"
)

// rejection is why a request failed: the status and the fixed code the client gets, the
// reason code the log gets, and for internal failures the cause (logged, never sent).
type rejection struct {
	status int
	code   string // sent to the client: bad_request, no_ceremony, passkey_rejected, ...
	reason string // logged: wrong_origin, replayed, bad_signature, ...
	err    error
}

func reject(status int, code, reason string, err error) *rejection {
	return &rejection{status: status, code: code, reason: reason, err: err}
}

// refused is a verification failure: 401, the generic code, the precise reason in the log.
func refused(reason string) *rejection {
	return reject(http.StatusUnauthorized, "passkey_rejected", reason, nil)
}

// malformed is input that does not parse: 400.
func malformed(err error) *rejection {
	return reject(http.StatusBadRequest, "bad_request", "malformed", err)
}

// logger returns the request's zerolog logger (hlog's, with its request ID) or the configured
// one.
func (p *Passkeys[T]) logger(r *http.Request) *zerolog.Logger {
	if l := zerolog.Ctx(r.Context()); l != nil && l.GetLevel() != zerolog.Disabled && l != zerolog.DefaultContextLogger {
		return l
	}
	return &p.cfg.logger
}

// fail logs a rejection and answers it. The error of a client mistake is not logged: it may
// quote the client's input; the reason code says what went wrong.
func (p *Passkeys[T]) fail(w http.ResponseWriter, r *http.Request, event string, rj *rejection) {
	var e *zerolog.Event
	switch {
	case rj.status >= 500:
		e = p.logger(r).Error().Err(rj.err)
	case rj.status == http.StatusUnauthorized || rj.status == http.StatusForbidden:
		e = p.logger(r).Warn()
	default:
		e = p.logger(r).Info()
	}
	e.Str("event", event).Str("reason", rj.reason).Int("status", rj.status).Msg("keycard: passkey " + rj.reason)
	p.emitRejection(r, event, rj.reason)
	writeJSON(w, rj.status, map[string]string{"error": rj.code})
}

// writeJSON answers v as JSON, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readBody reads a JSON request body of at most the configured size. An empty body is
// allowed when optional.
func (p *Passkeys[T]) readBody(w http.ResponseWriter, r *http.Request, optional bool) ([]byte, *rejection) {
	if r.ContentLength == 0 && optional {
		return nil, nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, reject(http.StatusUnsupportedMediaType, "unsupported_media_type", "not_json", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.cfg.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, reject(http.StatusRequestEntityTooLarge, "too_large", "too_large", nil)
	case err != nil:
		return nil, malformed(err)
	case len(body) == 0 && !optional:
		return nil, malformed(errors.New("empty body"))
	}
	return body, nil
}
