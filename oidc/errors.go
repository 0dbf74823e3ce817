package oidc

import "errors"

// Errors the application's [LinkFunc] returns (or wraps) to refuse a verified identity. Each is
// answered 403 with its own reason code and message; no session is started. Any other error is
// the application's own failure and is answered 500.
var (
	// ErrUnknownIdentity: no account has this (issuer, subject) pair, and the application does
	// not create or link one. Reason code "unknown_identity".
	ErrUnknownIdentity = errors.New("oidc: no account for this identity")

	// ErrEmailNotVerified: the application would link or create an account by the e-mail
	// address, but the provider did not verify it ([Identity.EmailVerified] is false).
	// Reason code "email_not_verified".
	ErrEmailNotVerified = errors.New("oidc: e-mail address not verified by the provider")

	// ErrRefused: the application refuses this identity for another reason (a disabled
	// account, a provider not allowed for this account). Reason code "refused".
	ErrRefused = errors.New("oidc: identity refused")
)

// Errors of the flow, for the logs and for [Failure.Err]. They never reach the client.
var (
	// ErrState: the callback's state cookie is missing, does not verify, has expired, belongs
	// to another provider, does not match the state parameter, or was used already.
	ErrState = errors.New("oidc: invalid or replayed state")

	// ErrProviderResponse: the provider answered the authorization request with an error
	// (access_denied, ...), or sent a malformed or mixed-up authorization response.
	ErrProviderResponse = errors.New("oidc: provider refused or sent a bad authorization response")

	// ErrUpstream: the provider could not be reached, was too slow, or answered discovery or
	// the token request with something unusable.
	ErrUpstream = errors.New("oidc: provider unavailable or misbehaving")

	// ErrIDToken: the ID token failed verification (signature, algorithm, issuer, audience,
	// azp, expiry, issued-at, nonce, subject).
	ErrIDToken = errors.New("oidc: invalid ID token")
)
