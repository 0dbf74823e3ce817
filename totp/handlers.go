package totp

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// The handlers below accept POST bodies as application/x-www-form-urlencoded or JSON with the
// fields "code" and an optional "next" (4 KiB at most), answer JSON requests with JSON and form
// requests with a [Page] ([WithPage]) or a 303 to the safe next target, and are wrapped in the
// sessions' cross-origin protection (cross-origin POSTs get 403). Other methods get 405. Every
// answer carries Cache-Control: no-store. The handlers that manage an enrolment (all but
// SecondStepHandler) must run behind [middleware.Sessions.RequireSession]; without a session
// they answer 401.

// EnrolHandler starts an enrolment for the signed-in user ([Factor.Begin]). JSON: 200 with
// {"secret", "otpauth_uri", "qr_png" (base64), "algorithm", "digits", "period"}; forms: a
// PageSetup. 409 "already_enabled" when the second factor is on; 401 "reauth_required" when the
// user signed in longer ago than [WithRecentAuth] allows.
func (f *Factor[T]) EnrolHandler() http.Handler {
	return f.post(PageSetup, false, func(w http.ResponseWriter, r *http.Request, req codeRequest, claims *token.Claims[T]) {
		if !f.recentEnough(w, r, req, claims) {
			return
		}
		key, err := f.Begin(r.Context(), claims.Subject, f.account(claims))
		if err != nil {
			f.fail(w, r, req, PageSetup, err, Page{})
			return
		}
		if !req.json {
			f.render(w, r, Page{Kind: PageSetup, Status: http.StatusOK, Key: key, Next: middleware.SafeNext(req.next)})
			return
		}
		png, err := key.QR(DefaultQRSize)
		if err != nil {
			f.fail(w, r, req, PageSetup, err, Page{})
			return
		}
		p := key.Params.withDefaults()
		writeJSON(w, http.StatusOK, map[string]any{
			"secret":      key.Secret.Base32(),
			"otpauth_uri": key.URI(),
			"qr_png":      base64.StdEncoding.EncodeToString(png),
			"algorithm":   p.Algorithm,
			"digits":      p.Digits,
			"period":      int(p.Period / time.Second),
		})
	})
}

// QRHandler serves the QR code of the signed-in user's enrolment that awaits confirmation, as a
// PNG ([DefaultQRSize] pixels): the image of the set-up page. 404 when there is none (the
// secret of a confirmed enrolment is never shown again), 401 "reauth_required" as for
// [Factor.EnrolHandler].
func (f *Factor[T]) QRHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := middleware.ClaimsFrom[T](r.Context())
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthenticated"})
			return
		}
		if !f.recentEnough(w, r, codeRequest{json: true}, claims) {
			return
		}
		key, err := f.Enrolment(r.Context(), claims.Subject, f.account(claims))
		if errors.Is(err, ErrEnabled) {
			err = ErrNotEnrolled
		}
		var png []byte
		if err == nil {
			png, err = key.QR(DefaultQRSize)
		}
		if err != nil {
			status, code := failure(err)
			writeJSON(w, status, map[string]string{"error": code})
			return
		}
		h := w.Header()
		h.Set("Content-Type", "image/png")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(png)
	})
}

// ConfirmHandler switches the signed-in user's enrolment on with its first code
// ([Factor.Confirm]). JSON: 200 with {"enabled": true, "recovery_codes": [...]}; forms: a
// PageRecoveryCodes. A wrong code: 401 "invalid_code" (a PageSetup again for forms); 401
// "reauth_required" as for [Factor.EnrolHandler].
func (f *Factor[T]) ConfirmHandler() http.Handler {
	return f.post(PageSetup, true, func(w http.ResponseWriter, r *http.Request, req codeRequest, claims *token.Claims[T]) {
		if !f.recentEnough(w, r, req, claims) {
			return
		}
		codes, err := f.Confirm(r.Context(), claims.Subject, req.code)
		if err != nil {
			f.sessions.Emit(r.Context(), f.event(r, EventFailed, claims.Subject, err))
			page := Page{}
			if key, kerr := f.Enrolment(r.Context(), claims.Subject, f.account(claims)); kerr == nil {
				page.Key = key
			}
			f.fail(w, r, req, PageSetup, err, page)
			return
		}
		f.showCodes(w, r, req, codes, map[string]any{"enabled": true})
	})
}

// DisableHandler switches the signed-in user's second factor off, given a TOTP code or a
// recovery code ([Factor.Disable]). JSON: 200 with {"enabled": false}; forms: 303 to next.
func (f *Factor[T]) DisableHandler() http.Handler {
	return f.post(PageDisable, true, func(w http.ResponseWriter, r *http.Request, req codeRequest, claims *token.Claims[T]) {
		if err := f.Disable(r.Context(), claims.Subject, req.code); err != nil {
			f.sessions.Emit(r.Context(), f.event(r, EventFailed, claims.Subject, err))
			f.fail(w, r, req, PageDisable, err, Page{})
			return
		}
		if req.json {
			writeJSON(w, http.StatusOK, map[string]any{"enabled": false})
			return
		}
		http.Redirect(w, r, middleware.SafeNext(req.next), http.StatusSeeOther)
	})
}

// RecoveryCodesHandler replaces the signed-in user's recovery codes, given a TOTP code
// ([Factor.RegenerateRecoveryCodes]). JSON: 200 with {"recovery_codes": [...]}; forms: a
// PageRecoveryCodes.
func (f *Factor[T]) RecoveryCodesHandler() http.Handler {
	return f.post(PageRegenerate, true, func(w http.ResponseWriter, r *http.Request, req codeRequest, claims *token.Claims[T]) {
		codes, err := f.RegenerateRecoveryCodes(r.Context(), claims.Subject, req.code)
		if err != nil {
			f.sessions.Emit(r.Context(), f.event(r, EventFailed, claims.Subject, err))
			f.fail(w, r, req, PageRegenerate, err, Page{})
			return
		}
		f.showCodes(w, r, req, codes, nil)
	})
}

// StepUpHandler re-authenticates the signed-in user with a TOTP code (recovery codes are not
// accepted): [middleware.Sessions.Start] for the same subject with amr "otp", which keeps the
// session and moves its authentication time, as [middleware.Sessions.RequireRecentAuth]
// wants. JSON: 200 with {"auth_time"}; forms: 303 to next.
func (f *Factor[T]) StepUpHandler() http.Handler {
	return f.post(PageStepUp, true, func(w http.ResponseWriter, r *http.Request, req codeRequest, claims *token.Claims[T]) {
		rec, err := f.enabled(r.Context(), claims.Subject)
		if err == nil {
			_, err = f.check(r.Context(), claims.Subject, rec, req.code, false)
		}
		if err != nil {
			f.sessions.Emit(r.Context(), f.event(r, EventFailed, claims.Subject, err))
			f.fail(w, r, req, PageStepUp, err, Page{})
			return
		}
		next, err := f.sessions.Start(w, r, claims.Subject, claims.Payload, middleware.AuthMethods(middleware.AMROTP))
		if err != nil {
			f.fail(w, r, req, PageStepUp, err, Page{})
			return
		}
		if req.json {
			writeJSON(w, http.StatusOK, map[string]any{"auth_time": next.AuthTime, "expires_at": next.Expiry})
			return
		}
		http.Redirect(w, r, middleware.SafeNext(req.next), http.StatusSeeOther)
	})
}

// recentEnough answers 401 "reauth_required" (RFC 9470) and reports false when the user of
// claims signed in longer ago than [WithRecentAuth] allows.
func (f *Factor[T]) recentEnough(w http.ResponseWriter, r *http.Request, req codeRequest, claims *token.Claims[T]) bool {
	if f.sessions.Codec().Now().Sub(claims.AuthTime) <= f.cfg.recent {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_user_authentication", max_age=`+
		strconv.FormatInt(int64((f.cfg.recent+time.Second-1)/time.Second), 10))
	f.failWith(w, r, req, PageSetup, http.StatusUnauthorized, "reauth_required", Page{})
	return false
}

// showCodes answers with new recovery codes.
func (f *Factor[T]) showCodes(w http.ResponseWriter, r *http.Request, req codeRequest, codes []string, extra map[string]any) {
	if req.json {
		body := map[string]any{"recovery_codes": codes}
		for k, v := range extra {
			body[k] = v
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	f.render(w, r, Page{Kind: PageRecoveryCodes, Status: http.StatusOK, RecoveryCodes: codes, Next: middleware.SafeNext(req.next)})
}

// post wraps a handler for signed-in users: POST only, cross-origin protection, body parsed.
func (f *Factor[T]) post(kind string, needCode bool, h func(http.ResponseWriter, *http.Request, codeRequest, *token.Claims[T])) http.Handler {
	return f.sessions.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
			return
		}
		claims, ok := middleware.ClaimsFrom[T](r.Context())
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthenticated"})
			return
		}
		req, status := readRequest(w, r, needCode)
		if status != 0 {
			f.failWith(w, r, req, kind, status, "bad_request", Page{})
			return
		}
		h(w, r, req, claims)
	}))
}

// event describes a failed code check of sub.
func (f *Factor[T]) event(r *http.Request, kind string, sub token.Subject, err error) middleware.Event {
	_, code := failure(err)
	return middleware.Event{Kind: kind, Subject: sub, Method: middleware.AMROTP, Reason: code, Device: middleware.DeviceName(r.UserAgent())}
}

// logger logs an internal failure to the request's logger (hlog's, when one is attached).
func (f *Factor[T]) logger(r *http.Request, err error) {
	zerolog.Ctx(r.Context()).Error().Err(err).Str("event", "totp_error").Msg("keycard: second factor failed")
}
