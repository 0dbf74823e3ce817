package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"golang.org/x/oauth2"

	"github.com/keycard-go/keycard/token"
)

// CallbackHandler returns the callback route of the provider called name
// (GET PREFIX/NAME/callback), where the provider sends the browser back. It takes the state
// cookie (and clears it, whatever happens next), checks the authorization response against it,
// exchanges the code with the PKCE verifier, marks the state used, verifies the ID token, asks
// the [LinkFunc] whose account it is and starts the session ([middleware.Sessions.Start] with
// the provider's auth_time and amr), then redirects (303) to the target the login route kept.
//
// Every failure starts no session and is answered with a reason code (JSON {"error": code}, or
// the failure page for browsers, [WithFailurePage]): 400 for a missing, expired, foreign,
// mismatched or replayed state, a malformed query, a missing code, a mixed-up iss or a code the
// provider refused; 403 when the user cancelled at the provider (access_denied and the like)
// or the LinkFunc refused; 401 for an ID token that fails verification; 502 or 504 when the
// provider is down, slow or misbehaving; 503 when the [middleware.OnceStore] fails; 500 when
// the LinkFunc or starting the session fails. It panics at setup when no provider is called
// name.
func (l *Login[T]) CallbackHandler(name string) http.Handler {
	ip := l.provider(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			l.respond(w, r, ip, fail(http.StatusMethodNotAllowed, "method_not_allowed", ErrProviderResponse, nil))
			return
		}
		if fe := l.callback(w, r, ip); fe != nil {
			l.failed(w, r, ip, fe)
		}
	})
}

// callback runs the flow's second half. On success it has answered; on failure the caller does.
func (l *Login[T]) callback(w http.ResponseWriter, r *http.Request, ip *idp) *flowError {
	st, fe := l.takeState(w, r, ip)
	if fe != nil {
		return fe
	}
	q, err := parseCallback(r.URL.RawQuery)
	if err != nil {
		return fail(http.StatusBadRequest, "bad_request", ErrProviderResponse, err)
	}
	if q.state == "" || subtle.ConstantTimeCompare([]byte(q.state), []byte(st.Payload.State)) != 1 {
		return stateFailure("state_mismatch", nil)
	}
	if q.hasIss && q.iss != ip.p.issuer {
		// RFC 9207: the response comes from another provider than this flow's (mix-up).
		return fail(http.StatusBadRequest, "issuer_mismatch", ErrProviderResponse, nil)
	}
	if q.hasError {
		return providerError(q.errCode)
	}
	if q.code == "" {
		return fail(http.StatusBadRequest, "code_missing", ErrProviderResponse, nil)
	}
	m, err := l.metadata(r.Context(), ip)
	if err != nil {
		return asFlowError(err)
	}
	if !q.hasIss && m.issParam {
		return fail(http.StatusBadRequest, "issuer_missing", ErrProviderResponse, nil)
	}

	raw, fe := l.exchange(r.Context(), m, q.code, st.Payload.Verifier)
	if fe != nil {
		return fe
	}
	// Single use, once the provider redeemed the code and before anything trusts its answer: a
	// replay of this response, with or without a copy of the cookie, stops here (or at the
	// provider, which redeems a code once). Not earlier: a state and its cookie cost nothing to
	// get, and markers of flows that redeemed no code would let one client fill a bounded store.
	first, err := l.once.Use(r.Context(), "oidc:"+string(st.ID), st.Expiry.Add(clockSkew))
	switch {
	case err != nil:
		return fail(http.StatusServiceUnavailable, "unavailable", ErrState, err)
	case !first:
		return stateFailure("state_replayed", nil)
	}
	id, fe := l.verifyIDToken(r.Context(), ip, m, raw, st)
	if fe != nil {
		return fe
	}
	sub, payload, err := l.link(r, id)
	switch {
	case errors.Is(err, ErrUnknownIdentity):
		return fail(http.StatusForbidden, "unknown_identity", ErrUnknownIdentity, err)
	case errors.Is(err, ErrEmailNotVerified):
		return fail(http.StatusForbidden, "email_not_verified", ErrEmailNotVerified, err)
	case errors.Is(err, ErrRefused):
		return fail(http.StatusForbidden, "refused", ErrRefused, err)
	case err != nil:
		return fail(http.StatusInternalServerError, "internal", errLink, err)
	}
	claims, err := l.start(w, r, sub, payload, id)
	if err != nil {
		return fail(http.StatusInternalServerError, "internal", errStart, err)
	}
	l.logger(r).Info().Str("event", "oidc_login_succeeded").Str("provider", ip.p.name).
		Str("subject", string(claims.Subject)).Msg("keycard: OpenID Connect sign-in succeeded")
	l.emit(r.Context(), r, ip, EventLoginSucceeded, "", claims)
	http.Redirect(w, r, st.Payload.Next, http.StatusSeeOther)
	return nil
}

// Causes of 500s: the application's, not the client's nor the provider's.
var (
	errLink  = errors.New("oidc: link function failed")
	errStart = errors.New("oidc: could not start the session")
)

// takeState reads and clears the provider's state cookie and verifies it.
func (l *Login[T]) takeState(w http.ResponseWriter, r *http.Request, ip *idp) (*token.Claims[flowState], *flowError) {
	cookies := r.CookiesNamed(ip.cookie.Name)
	if len(cookies) == 0 {
		return nil, stateFailure("state_missing", nil)
	}
	c := ip.cookie
	c.MaxAge = -1
	h := w.Header()
	h.Add("Set-Cookie", c.String())
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Cookie")
	if len(cookies) > 1 {
		// Only a planted cookie makes two (none can be under __Host-): trust neither.
		return nil, stateFailure("state_ambiguous", nil)
	}
	st, err := l.state.Verify(cookies[0].Value)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, stateFailure("state_expired", err)
	case err != nil:
		return nil, stateFailure("state_invalid", err)
	case string(st.Subject) != ip.p.name || st.Payload.Issuer != ip.p.issuer:
		return nil, stateFailure("state_wrong_provider", nil)
	}
	return st, nil
}

// providerError answers the provider's error response. What the user did (cancel, no consent,
// no login) is 403; anything else is the provider's or the configuration's failure, 502. The
// provider's error_description is never shown: an attacker can write it.
func providerError(code string) *flowError {
	switch code {
	case "access_denied", "login_required", "consent_required", "interaction_required", "account_selection_required":
		return fail(http.StatusForbidden, "provider_denied", ErrProviderResponse, errors.New("provider said "+code))
	}
	if !slices.Contains(knownErrors, code) {
		code = "other"
	}
	return fail(http.StatusBadGateway, "provider_error", ErrProviderResponse, errors.New("provider said "+code))
}

// knownErrors are the authorization error codes of RFC 6749 and OpenID Connect Core, the only
// ones logged as sent: any other value is attacker-writable text and is logged as "other".
var knownErrors = []string{"invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_scope",
	"server_error", "temporarily_unavailable", "invalid_request_uri", "invalid_request_object",
	"request_not_supported", "request_uri_not_supported", "registration_not_supported"}

// tokenErrors are the token endpoint's error codes (RFC 6749 section 5.2), logged as sent.
var tokenErrors = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
	"unsupported_grant_type", "invalid_scope"}

// exchange redeems the code at the token endpoint with the PKCE verifier and returns the raw ID
// token.
func (l *Login[T]) exchange(ctx context.Context, m *metadata, code, verifier string) (string, *flowError) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.timeout)
	defer cancel()
	tok, err := m.oauth.Exchange(context.WithValue(ctx, oauth2.HTTPClient, l.client), code, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// Never keep re itself: its text holds the response body, in which some providers echo
		// the code or the client secret they refused.
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := re.ErrorCode
		if !slices.Contains(tokenErrors, code) {
			code = "other"
		}
		cause := fmt.Errorf("token endpoint answered %d %s", status, code)
		if code == "invalid_grant" {
			// The code is unknown, used, expired or not this verifier's.
			return "", fail(http.StatusBadRequest, "code_rejected", ErrProviderResponse, cause)
		}
		return "", upstreamFailure("token_endpoint_error", cause)
	}
	switch {
	case err != nil:
		return "", classifyUpstream("token", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return "", upstreamFailure("token_no_id_token", nil)
	}
	return raw, nil
}

// asFlowError returns err as a *flowError, or an upstream failure wrapping it.
func asFlowError(err error) *flowError {
	var fe *flowError
	if errors.As(err, &fe) {
		return fe
	}
	return upstreamFailure("provider_bad_response", err)
}

// failed logs a failed sign-in with its reason code, reports the event and answers it.
func (l *Login[T]) failed(w http.ResponseWriter, r *http.Request, ip *idp, fe *flowError) {
	lg := l.logger(r)
	e := lg.Info()
	switch {
	case fe.status >= 500:
		e = lg.Error().Err(fe)
	case fe.status == http.StatusUnauthorized || fe.code == "issuer_mismatch" || fe.code == "state_replayed" ||
		fe.code == "state_wrong_provider" || fe.code == "state_ambiguous" || fe.code == "state_invalid":
		e = lg.Warn() // what an attack looks like
	}
	e.Str("event", "oidc_login_failed").Str("provider", ip.p.name).Str("reason", fe.code).
		Int("status", fe.status).Msg("keycard: OpenID Connect sign-in failed")
	l.emit(r.Context(), r, ip, EventLoginFailed, fe.code, nil)
	l.respond(w, r, ip, fe)
}
