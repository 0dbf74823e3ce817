package totp

import (
	"errors"
	"net/http"

	"github.com/keycard-go/keycard/middleware"
)

// SecondStepHandler serves the second step of a login (POST to the path given to
// [middleware.WithSecondFactor]): the request carries the pending login's cookie and a TOTP code
// or a recovery code. It needs no session and must not run behind RequireSession.
//
// A code that is not even the shape of one gets 400 "malformed_code" and costs no try. Any other
// attempt spends one try of the pending login ([middleware.Sessions.TryPending]); a right code
// completes it ([middleware.Sessions.CompletePending]: a new session with amr "pwd otp mfa")
// and is answered 303 to next for forms, or 200 with {"subject", "session_id", "expires_at",
// "method" ("totp" or "recovery_code"), "recovery_codes_left"} for JSON. A wrong one gets 401
// "invalid_code" (a used one "code_used") with "tries_left" and, for forms, a PageSecondStep;
// after the last try, 401 "pending_login_exhausted". Too many guesses for the account across
// logins get 429 "too_many_attempts" with Retry-After. A pending login that is missing,
// expired, invalid or replayed gets the 4xx of [middleware.PendingFailure] and, for forms, a
// PageSignInAgain. Failures are reported as [middleware.EventLoginFailed] or
// [middleware.EventLoginThrottled] with Method "otp", a used recovery code as
// EventRecoveryCodeUsed.
func (f *Factor[T]) SecondStepHandler() http.Handler {
	return f.sessions.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
			return
		}
		req, status := readRequest(w, r, true)
		if status != 0 {
			f.failWith(w, r, req, PageSecondStep, status, "bad_request", Page{})
			return
		}
		ctx := r.Context()
		pending, err := f.sessions.Pending(r)
		if err != nil {
			f.fail(w, r, req, PageSignInAgain, err, Page{})
			return
		}
		rec, err := f.enabled(ctx, pending.Subject)
		if err != nil {
			f.fail(w, r, req, PageSignInAgain, err, Page{})
			return
		}
		if !wellFormed(rec, req.code) {
			f.fail(w, r, req, PageSecondStep, ErrMalformedCode, Page{TriesLeft: pending.TriesLeft})
			return
		}
		p, err := f.sessions.TryPending(w, r)
		if err != nil {
			f.fail(w, r, req, PageSignInAgain, err, Page{})
			return
		}
		method, err := f.check(ctx, p.Subject, rec, req.code, true)
		if err != nil {
			kind := middleware.EventLoginFailed
			if errors.Is(err, ErrThrottled) {
				kind = middleware.EventLoginThrottled
			}
			f.sessions.Emit(ctx, f.event(r, kind, p.Subject, err))
			if p.TriesLeft == 0 && !errors.Is(err, ErrUnavailable) {
				f.failWith(w, r, req, PageSignInAgain, http.StatusUnauthorized, "pending_login_exhausted", Page{})
				return
			}
			f.fail(w, r, req, PageSecondStep, err, Page{TriesLeft: p.TriesLeft})
			return
		}
		payload, err := f.payload(ctx, p.Subject)
		if err != nil {
			f.fail(w, r, req, PageSignInAgain, err, Page{})
			return
		}
		claims, err := f.sessions.CompletePending(w, r, p, payload, middleware.AMROTP)
		if err != nil {
			f.fail(w, r, req, PageSignInAgain, err, Page{})
			return
		}
		if !req.json {
			http.Redirect(w, r, middleware.SafeNext(req.next), http.StatusSeeOther)
			return
		}
		body := map[string]any{
			"subject":    claims.Subject,
			"session_id": claims.SessionID,
			"expires_at": claims.Expiry.UTC(),
			"method":     method,
		}
		if method == MethodRecovery {
			if left, err := f.RecoveryCodesLeft(ctx, p.Subject); err == nil {
				body["recovery_codes_left"] = left
			}
		}
		writeJSON(w, http.StatusOK, body)
	}))
}

// wellFormed reports whether code has the shape of a TOTP code of rec or of a recovery code.
func wellFormed(rec Record, code string) bool {
	if _, err := ParseCode(code, rec.Params.withDefaults().Digits); err == nil {
		return true
	}
	_, err := ParseRecoveryCode(code)
	return err == nil
}
