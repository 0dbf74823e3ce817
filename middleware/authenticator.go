package middleware

import (
	"context"
	"errors"
	"fmt"

	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// An Authenticator checks a login's credentials and says whose session to start. It is the
// application's user lookup and password check, typically built with [PasswordAuthenticator].
//
// It returns an error matching [ErrBadCredentials] for an unknown account and a wrong password
// alike, after spending the same time on both (see [PasswordAuthenticator]); the login handler
// answers both with the same 401. Any other error is an internal failure (500), except
// [password.ErrBusy] and context errors, which are answered 503.
type Authenticator[T any] func(ctx context.Context, identifier string, password []byte) (token.Subject, T, error)

// Account is what the lookup function of [PasswordAuthenticator] returns for an identifier.
type Account[T any] struct {
	Subject      token.Subject // the session's subject, such as the user's ID
	PasswordHash string        // the stored bcrypt hash
	Payload      T             // the session payload, such as the user's e-mail and name

	// Rehash, when set, is called after a successful login whose stored hash uses another
	// cost than the hasher's ([password.Hasher.NeedsRehash]), with a new hash of the same
	// password to store in its place: the only moment the plaintext is at hand. It handles (and
	// logs) its own failures; the login goes ahead regardless, and the next login tries again.
	// A password the hasher no longer accepts (shorter than today's minimum, say) is not
	// rehashed.
	Rehash func(ctx context.Context, newHash string)
}

// PasswordAuthenticator returns an [Authenticator] that finds the account with find and checks
// the password against its bcrypt hash with h. find returns [ErrNoAccount] when no account has
// the identifier; the authenticator then spends one dummy comparison
// ([password.Hasher.VerifyDummy]). h pads every failed comparison, in wall time, to what one
// two costs above its own takes ([password.WithTimingHeadroom]), so an unknown e-mail address,
// a wrong password, and a wrong password for an account whose stored hash has an older or
// higher cost all take the same time, and login timing does not reveal who has an account.
// What find itself takes (a database query that misses or hits) is the application's to even
// out. Passwords longer than bcrypt reads are refused before the lookup, in equal time.
//
// A stored hash h cannot read ([password.ErrMalformedHash], [password.ErrCostTooHigh]) is an
// internal failure (the login handler answers 500 and logs it), never a wrong password; h's
// [password.ErrBusy] is passed on (503).
func PasswordAuthenticator[T any](h *password.Hasher, find func(ctx context.Context, identifier string) (Account[T], error)) Authenticator[T] {
	return func(ctx context.Context, identifier string, pw []byte) (token.Subject, T, error) {
		var zero T
		if len(pw) == 0 || len(pw) > password.MaxLength {
			return "", zero, ErrBadCredentials
		}
		acct, err := find(ctx, identifier)
		switch {
		case errors.Is(err, ErrNoAccount):
			if err := h.VerifyDummy(ctx, pw); errors.Is(err, password.ErrBusy) {
				return "", zero, err
			}
			return "", zero, ErrBadCredentials
		case err != nil:
			return "", zero, fmt.Errorf("middleware: account lookup: %w", err)
		}
		switch err := h.Verify(ctx, acct.PasswordHash, pw); {
		case err == nil:
			if acct.Rehash != nil && h.NeedsRehash(acct.PasswordHash) {
				if fresh, err := h.Hash(ctx, pw); err == nil {
					acct.Rehash(ctx, fresh)
				}
			}
			return acct.Subject, acct.Payload, nil
		case errors.Is(err, password.ErrBusy):
			return "", zero, err
		case errors.Is(err, password.ErrMalformedHash), errors.Is(err, password.ErrCostTooHigh):
			// A corrupt stored hash is the operator's problem, not a wrong password.
			return "", zero, fmt.Errorf("middleware: stored hash of %q: %w", acct.Subject, err)
		default:
			return "", zero, ErrBadCredentials
		}
	}
}
