package passkey

import (
	"context"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Credential is one passkey of one user: what the relying party keeps after registration
// (WebAuthn §7.1 step 27, the "credential record"). Nothing in it is secret: the private key
// never leaves the authenticator. A user may have many.
type Credential struct {
	ID         []byte        // the credential ID, chosen by the authenticator; at most 1023 bytes
	Subject    token.Subject // the user it belongs to
	UserHandle []byte        // the user.id the authenticator keeps with it; 1 to 64 random bytes
	PublicKey  []byte        // the credential public key, a COSE_Key (RFC 9052)
	SignCount  uint32        // the highest signature counter seen; 0 for authenticators without one
	Transports []string      // how the browser can reach the authenticator ("internal", "usb", "hybrid"...)
	Name       string        // what the user calls it ("MacBook", "YubiKey"); shown in the list
	AAGUID     []byte        // the authenticator model's ID (16 bytes, zeros when not disclosed)
	// AttestationFormat is the attestation statement format of the registration ("packed",
	// "none", ...).
	AttestationFormat string
	BackupEligible    bool      // BE flag: the credential may be synced (a multi-device passkey)
	BackupState       bool      // BS flag at the last ceremony: the credential is backed up now
	Created           time.Time // registration time
	LastUsed          time.Time // last successful sign-in; zero when never used
}

// Use is what a successful sign-in records on a credential.
type Use struct {
	SignCount   uint32    // the counter the authenticator reported; the store keeps the highest
	BackupState bool      // the BS flag of this ceremony
	At          time.Time // when
}

// Store keeps the passkeys. The application implements it on its database; [MemoryStore] is
// one for tests and examples. Methods must be safe for concurrent use. Credential IDs are
// compared as bytes. A store returns copies: callers may modify what they receive.
//
// Run passkeytest.TestStore against an implementation to check it behaves as described.
type Store interface {
	// Add registers a new credential. It fails with [ErrDuplicate] when a credential with the
	// same ID exists, whoever it belongs to.
	Add(ctx context.Context, c Credential) error

	// Get returns the credential with id, or [ErrNotFound].
	Get(ctx context.Context, id []byte) (Credential, error)

	// List returns the credentials of sub, oldest first; none is an empty list, not an error.
	List(ctx context.Context, sub token.Subject) ([]Credential, error)

	// Used records a sign-in with credential id: it sets LastUsed and BackupState, and raises
	// SignCount to u.SignCount if that is higher (it never lowers it, so that a cloned
	// authenticator stays detectable). [ErrNotFound] when there is no such credential.
	Used(ctx context.Context, id []byte, u Use) error

	// Rename sets the name of sub's credential id, or fails with [ErrNotFound] when sub has no
	// such credential.
	Rename(ctx context.Context, sub token.Subject, id []byte, name string) error

	// Remove deletes sub's credential id, or fails with [ErrNotFound] when sub has no such
	// credential.
	Remove(ctx context.Context, sub token.Subject, id []byte) error
}

// User is what the application tells about one of its users.
type User[T any] struct {
	// Name is the account name the authenticator shows next to the passkey, such as the
	// e-mail address (WebAuthn user.name). Required for registration.
	Name string
	// DisplayName is the friendly name (user.displayName); Name when empty.
	DisplayName string
	// Payload is the session payload a sign-in with a passkey of this user starts.
	Payload T
}

// Users is the application's user lookup: it returns the user with subject sub, or an error
// matching [ErrNoUser] when there is none. Any other error is an internal failure (the request
// gets 503).
type Users[T any] func(ctx context.Context, sub token.Subject) (User[T], error)
