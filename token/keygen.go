package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
)

// generatedRSABits is the modulus size of keys made by [GenerateKey].
const generatedRSABits = 2048

// NewHMACKey returns an HMAC key for alg (HS256, HS384 or HS512) with the
// given kid.
//
// The secret must be at least 32 bytes for HS256, 48 for HS384 and 64 for
// HS512: RFC 7518 section 3.2 requires a key at least as long as the hash
// output, and anything shorter than 256 bits is refused outright. The secret
// should come from a CSPRNG ([GenerateKey] makes one), not from a password.
// NewHMACKey copies the secret, so the caller may clear its slice afterwards.
//
// The kid must be 1 to 128 visible ASCII characters other than '"' and '\'.
// Errors match [ErrInvalidKey].
func NewHMACKey(kid string, alg Algorithm, secret []byte) (*Key, error) {
	if !alg.isHMAC() {
		return nil, fmt.Errorf("%w: NewHMACKey needs HS256, HS384 or HS512, not %s", ErrInvalidKey, quoteShort(string(alg)))
	}
	return newKey(kid, alg, secret)
}

// GenerateKey returns a fresh random signing key for alg: 32, 48 or 64
// random bytes for HS256, HS384 and HS512, an Ed25519 key for EdDSA, a P-256
// key for ES256 and a 2048-bit RSA key for RS256 and PS256 (load larger RSA
// keys with [ParsePEM]). Randomness comes from crypto/rand. Errors match
// [ErrInvalidKey].
func GenerateKey(kid string, alg Algorithm) (*Key, error) {
	if err := checkKID(kid); err != nil {
		return nil, err
	}
	var raw any
	var err error
	switch alg {
	case HS256, HS384, HS512:
		secret := make([]byte, alg.hmacSecretSize())
		_, err = rand.Read(secret)
		raw = secret
		defer clear(secret) // newKey copies it
	case EdDSA:
		_, raw, err = ed25519.GenerateKey(rand.Reader)
	case ES256:
		raw, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RS256, PS256:
		raw, err = rsa.GenerateKey(rand.Reader, generatedRSABits)
	default:
		return nil, fmt.Errorf("%w: unsupported algorithm %s", ErrInvalidKey, quoteShort(string(alg)))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return newKey(kid, alg, raw)
}
