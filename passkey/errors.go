package passkey

import "errors"

// Errors of the credential store and of the application's user lookup. Store implementations
// return (or wrap) them so that the handlers can tell a client's mistake from a failure.
var (
	// ErrNotFound: no credential has the ID, or not for the given subject. A [Store] returns
	// it from Get, Used, Rename and Remove.
	ErrNotFound = errors.New("passkey: credential not found")

	// ErrDuplicate: a credential with the ID is registered already, to this user or another.
	// A [Store] returns it from Add (WebAuthn §7.1 step 26).
	ErrDuplicate = errors.New("passkey: credential already registered")

	// ErrNoUser is what the [Users] function returns when no account has the subject (it was
	// deleted, say). A sign-in with one of its passkeys is refused with 401.
	ErrNoUser = errors.New("passkey: no such user")
)
