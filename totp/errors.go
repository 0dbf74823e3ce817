package totp

import "errors"

// Errors of the package. Match them with [errors.Is]; handlers answer each with a fixed code,
// never with the error's text.
var (
	// ErrInvalidCode: the code is well-formed but wrong (or outside the window), or the
	// recovery code is not one of the account's.
	ErrInvalidCode = errors.New("totp: invalid code")

	// ErrMalformedCode: the input is not a code at all (wrong length, not digits). No try is
	// spent on it.
	ErrMalformedCode = errors.New("totp: malformed code")

	// ErrCodeUsed: the code is right but was accepted already within its window (a replay).
	ErrCodeUsed = errors.New("totp: code used already")

	// ErrThrottled: too many wrong codes for the account; see [ThrottledError] for how long
	// to wait.
	ErrThrottled = errors.New("totp: too many attempts")

	// ErrNotEnrolled: the account has no second factor, or no enrolment awaiting confirmation.
	ErrNotEnrolled = errors.New("totp: not enrolled")

	// ErrEnabled: the account's second factor is switched on already; disable it first to
	// enrol a new one.
	ErrEnabled = errors.New("totp: already enabled")

	// ErrUnavailable: the single-use store or the limiter failed; the package fails closed.
	ErrUnavailable = errors.New("totp: store unavailable")

	// ErrInvalidSecret: a secret too short, or not base32.
	ErrInvalidSecret = errors.New("totp: invalid secret")

	// ErrInvalidURI: an otpauth:// URI that [ParseURI] does not accept.
	ErrInvalidURI = errors.New("totp: invalid otpauth URI")

	// ErrInvalidParams: an algorithm, digit count or period that is not supported.
	ErrInvalidParams = errors.New("totp: invalid parameters")
)

// ThrottledError is the error of a throttled attempt: it matches [ErrThrottled] and says how
// long to wait.
type ThrottledError struct {
	RetryAfter int64 // seconds, at least 1
}

func (e *ThrottledError) Error() string { return ErrThrottled.Error() }

// Is makes a ThrottledError match [ErrThrottled].
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }
