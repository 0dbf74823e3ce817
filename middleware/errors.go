package middleware

import (
	"errors"

	"github.com/keycard-go/keycard/token"
)

// Reasons a request has no session. Every error the middleware reports (to a
// [WithUnauthorizedHandler] hook, from [Sessions.Current]) matches one of these with
// [errors.Is]; an invalid token also matches the [token] sentinel that says why
// ([token.ErrExpired], [token.ErrSignature], ...).
var (
	// ErrNoSession: the request carries no session cookie.
	ErrNoSession = errors.New("middleware: no session")

	// ErrInvalidSession: the session cookie holds a token that does not verify.
	ErrInvalidSession = errors.New("middleware: invalid session")

	// ErrSessionEnded: the session reached its absolute lifetime ([WithAbsoluteLifetime]);
	// rolling refresh cannot extend it, the user must log in again.
	ErrSessionEnded = errors.New("middleware: session reached its absolute lifetime")

	// ErrRevoked: the session was ended by logout or "log out everywhere".
	ErrRevoked = errors.New("middleware: session revoked")

	// ErrStoreUnavailable: the revocation store failed to answer, and the middleware fails
	// closed.
	ErrStoreUnavailable = errors.New("middleware: revocation store unavailable")

	// ErrRejected: the application's check ([WithCheck]) refused the session.
	ErrRejected = errors.New("middleware: session rejected by check")

	// ErrAmbiguous: the request carries several session cookies that verify and belong to
	// different sessions (cookie tossing); none is trusted.
	ErrAmbiguous = errors.New("middleware: several valid session cookies")
)

// Errors of the login flow.
var (
	// ErrBadCredentials is what an [Authenticator] returns (or wraps) for an unknown account
	// and a wrong password alike. The login handler answers it with one generic message.
	ErrBadCredentials = errors.New("middleware: invalid credentials")

	// ErrNoAccount is what the lookup function given to [PasswordAuthenticator] returns when
	// no account has the identifier. It never reaches the client.
	ErrNoAccount = errors.New("middleware: no such account")

	// ErrCookieTooLarge: an issued session cookie would exceed the 4096 bytes browsers keep
	// for one cookie; browsers would drop it silently, so it is refused instead.
	ErrCookieTooLarge = errors.New("middleware: session cookie too large")
)

// Errors of the pending second-step state ([Sessions.StartPending]); [PendingFailure] says how
// to answer each.
var (
	// ErrNoPending: the request carries no pending login.
	ErrNoPending = errors.New("middleware: no pending login")

	// ErrPendingInvalid: the pending credential does not verify, or several do.
	ErrPendingInvalid = errors.New("middleware: invalid pending login")

	// ErrPendingExpired: the pending login is past its lifetime ([WithPendingLifetime]).
	ErrPendingExpired = errors.New("middleware: pending login expired")

	// ErrPendingReplayed: the pending credential was used for a try already, or its login
	// completed or was cancelled.
	ErrPendingReplayed = errors.New("middleware: pending login credential used already")

	// ErrPendingUnavailable: the single-use store failed to answer ([WithOnceStore]); the
	// middleware fails closed.
	ErrPendingUnavailable = errors.New("middleware: single-use store unavailable")
)

// reasonCode turns a rejection into a short, stable code for logs. Codes carry no data from
// the request.
func reasonCode(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNoSession):
		return "missing"
	case errors.Is(err, ErrSessionEnded):
		return "absolute_lifetime"
	case errors.Is(err, ErrRevoked):
		return "revoked"
	case errors.Is(err, ErrStoreUnavailable):
		return "store_unavailable"
	case errors.Is(err, ErrRejected):
		return "rejected_by_check"
	case errors.Is(err, ErrAmbiguous):
		return "ambiguous_cookies"
	case errors.Is(err, token.ErrExpired):
		return "expired"
	case errors.Is(err, token.ErrNotYetValid):
		return "not_yet_valid"
	case errors.Is(err, token.ErrTooLarge):
		return "too_large"
	case errors.Is(err, token.ErrSignature):
		return "bad_signature"
	case errors.Is(err, token.ErrUnknownKey):
		return "unknown_key"
	case errors.Is(err, token.ErrAlgorithm):
		return "algorithm_mismatch"
	case errors.Is(err, token.ErrIssuer):
		return "wrong_issuer"
	case errors.Is(err, token.ErrAudience):
		return "wrong_audience"
	case errors.Is(err, token.ErrInvalidClaims):
		return "invalid_claims"
	case errors.Is(err, token.ErrDecrypt):
		return "decrypt_failed"
	case errors.Is(err, token.ErrMalformed):
		return "malformed"
	default:
		return "invalid"
	}
}
