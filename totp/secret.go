package totp

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SecretSize is the size of the secrets [GenerateSecret] makes: 160 bits, RFC 4226's
// recommendation and the size of an HMAC-SHA-1 key.
const SecretSize = 20

// MinSecretSize is the shortest secret accepted (RFC 4226 section 4: at least 128 bits).
const MinSecretSize = 16

// maxSecretSize bounds a secret: 64 bytes is a full HMAC-SHA-512 block.
const maxSecretSize = 64

// Secret is a TOTP shared secret. It prints as [REDACTED] with every fmt verb, and refuses to
// be marshalled to JSON, so that it cannot reach a log line or an API answer by accident; store
// its bytes ([]byte(s)), encrypted ([NewEncryptedStore]).
type Secret []byte

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// GenerateSecret returns a fresh random secret of [SecretSize] bytes from crypto/rand.
func GenerateSecret() Secret {
	s := make(Secret, SecretSize)
	_, _ = rand.Read(s) // crypto/rand.Read never fails (Go 1.24+)
	return s
}

// ParseSecret reads a base32 secret as authenticator apps show it: case-insensitive, with or
// without padding, possibly grouped by spaces or hyphens. It must decode to 16 to 64 bytes.
// Errors match [ErrInvalidSecret]. It never panics.
func ParseSecret(s string) (Secret, error) {
	if len(s) > 2*b32.EncodedLen(maxSecretSize) {
		return nil, fmt.Errorf("%w: too long", ErrInvalidSecret)
	}
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '=':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
	b, err := b32.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("%w: not base32", ErrInvalidSecret)
	}
	if len(b) < MinSecretSize || len(b) > maxSecretSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrInvalidSecret, len(b), MinSecretSize, maxSecretSize)
	}
	return b, nil
}

// Base32 returns the secret as authenticator apps take it: base32 without padding. It is the
// secret itself: show it only to the user enrolling.
func (s Secret) Base32() string { return b32.EncodeToString(s) }

// String returns "[REDACTED]".
func (s Secret) String() string { return "[REDACTED]" }

// GoString returns "[REDACTED]".
func (s Secret) GoString() string { return "[REDACTED]" }

// Format writes "[REDACTED]" for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[REDACTED]") }

// MarshalJSON refuses: a secret in JSON is a secret in a log or an API answer.
func (s Secret) MarshalJSON() ([]byte, error) {
	return nil, errors.New("totp: a Secret is not marshalled; store []byte(secret), encrypted")
}
