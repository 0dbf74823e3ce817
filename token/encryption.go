package token

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/rs/zerolog"
)

// encryptionKeySize is the key size of A256GCM used directly ("dir").
const encryptionKeySize = 32

// EncryptionKey is a 256-bit key for the optional JWE layer ([WithEncryption]):
// key management "dir" (the key is the content key) with content encryption
// A256GCM. Signed tokens are encrypted with it so that the claims are
// unreadable to the browser and anything else holding the cookie.
//
// An EncryptionKey is immutable and safe for concurrent use. It redacts
// itself like [Key]. The zero EncryptionKey is refused by [WithEncryption].
type EncryptionKey struct {
	kid string
	m   func() []byte // the secret, behind a closure for the reason given at Key.m
}

// NewEncryptionKey returns an encryption key with the given kid. The secret
// must be exactly 32 bytes from a CSPRNG ([GenerateEncryptionKey] makes
// one); it is copied. The kid follows the rules of [NewHMACKey]. Errors match
// [ErrInvalidKey].
func NewEncryptionKey(kid string, secret []byte) (*EncryptionKey, error) {
	if err := checkKID(kid); err != nil {
		return nil, err
	}
	if len(secret) != encryptionKeySize {
		return nil, fmt.Errorf("%w: A256GCM needs a secret of exactly %d bytes, got %d", ErrInvalidKey, encryptionKeySize, len(secret))
	}
	s := append([]byte(nil), secret...)
	return &EncryptionKey{kid: kid, m: func() []byte { return s }}, nil
}

// GenerateEncryptionKey returns a fresh random encryption key with the given
// kid. Errors match [ErrInvalidKey].
func GenerateEncryptionKey(kid string) (*EncryptionKey, error) {
	secret := make([]byte, encryptionKeySize)
	defer clear(secret)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return NewEncryptionKey(kid, secret)
}

// String describes the key without its material, e.g.
// token.EncryptionKey{kid:"e1", alg:dir, enc:A256GCM, [REDACTED]}.
func (k EncryptionKey) String() string {
	return "token.EncryptionKey{kid:" + strconv.Quote(k.kid) + ", alg:dir, enc:A256GCM, " + redacted + "}"
}

// GoString is [EncryptionKey.String].
func (k EncryptionKey) GoString() string { return k.String() }

// Format writes [EncryptionKey.String] for every verb.
func (k EncryptionKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// MarshalJSON renders {"kid":"...","alg":"dir","key":"[REDACTED]"}.
func (k EncryptionKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(redactedJSON{KID: k.kid, Alg: "dir", Key: redacted})
}

// MarshalZerologObject logs the kid and "[REDACTED]" for the material.
func (k EncryptionKey) MarshalZerologObject(e *zerolog.Event) {
	e.Str("kid", k.kid).Str("alg", "dir").Str("enc", "A256GCM").Str("key", redacted)
}

// encrypt wraps a compact JWS in a compact JWE: protected header
// {"alg":"dir","cty":"JWT","enc":"A256GCM","kid":...}, empty encrypted key.
func (k *EncryptionKey) encrypt(jws []byte) ([]byte, error) {
	h := jwe.NewHeaders()
	if err := h.Set(jwe.KeyIDKey, k.kid); err != nil {
		return nil, err
	}
	if err := h.Set(jwe.ContentTypeKey, "JWT"); err != nil {
		return nil, err
	}
	return jwe.Encrypt(jws,
		jwe.WithKey(jwa.DIRECT(), k.m()),
		jwe.WithContentEncryption(jwa.A256GCM()),
		jwe.WithProtectedHeaders(h),
		jwe.WithCompact())
}

// decrypt opens a compact JWE whose header has already been checked
// (alg dir, enc A256GCM, no zip, kid naming k).
func (k *EncryptionKey) decrypt(compact []byte) ([]byte, error) {
	return jwe.Decrypt(compact, jwe.WithKey(jwa.DIRECT(), k.m()))
}
