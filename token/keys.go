package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/rs/zerolog"
)

// Key is one signing or verification key with its key ID (kid) and the one
// [Algorithm] it may be used with. A token is only ever checked with the
// algorithm pinned here, never with the one its header names.
//
// A Key is immutable and safe for concurrent use. Make one with
// [NewHMACKey], [ParsePEM], [ParseJWK], [ParseJWKSet] or [GenerateKey]; the
// zero Key holds no key and is refused by [NewKeySet].
//
// A Key never prints its material: String, GoString, every fmt verb, JSON and
// zerolog all render as token.Key{kid:"...", alg:..., [REDACTED]}. The only
// way to get the material out is [Key.ExportJWK].
type Key struct {
	kid    string
	alg    Algorithm
	header string // base64url of the protected header this key writes
	// m returns the material. It is a closure rather than a pointer because
	// reflection-based printers never call our methods on unexported fields
	// and do follow pointers (fmt does for a bad verb: %s of a struct holding
	// a Key value prints *keyMaterial's contents), but print a func as an
	// address. nil for the zero Key.
	m func() *keyMaterial
}

// keyMaterial is the raw key. sign is nil for verify-only keys.
type keyMaterial struct {
	sign   any          // []byte, ed25519.PrivateKey, *ecdsa.PrivateKey or *rsa.PrivateKey
	verify any          // []byte, ed25519.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey
	mac    *macVerifier // HMAC keys only: Verify's allocation-free check
	ec     *ecOrder     // ECDSA keys only: the curve order, for low-S (signature.go)
}

// hide wraps m in a closure (see Key.m).
func hide(m *keyMaterial) func() *keyMaterial { return func() *keyMaterial { return m } }

// maxKIDLen bounds a kid; kids are short labels such as "2026-01".
const maxKIDLen = 128

// redacted replaces key material wherever a key is printed.
const redacted = "[REDACTED]"

// checkKID accepts 1 to 128 visible ASCII characters other than '"' and '\',
// so a kid is always safe to log and to put in a JSON header verbatim.
func checkKID(kid string) error {
	if kid == "" {
		return fmt.Errorf("%w: empty kid", ErrInvalidKey)
	}
	if len(kid) > maxKIDLen {
		return fmt.Errorf("%w: kid longer than %d bytes", ErrInvalidKey, maxKIDLen)
	}
	for i := 0; i < len(kid); i++ {
		if c := kid[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return fmt.Errorf("%w: kid must be visible ASCII without quotes or backslashes", ErrInvalidKey)
		}
	}
	return nil
}

// newKey checks that raw is a key of the right type and strength for alg and
// wraps it. raw is not copied except for HMAC secrets; callers pass keys they
// have just parsed or generated.
func newKey(kid string, alg Algorithm, raw any) (*Key, error) {
	if err := checkKID(kid); err != nil {
		return nil, err
	}
	if !alg.known() {
		return nil, fmt.Errorf("%w: unsupported algorithm %s", ErrInvalidKey, quoteShort(string(alg)))
	}
	m, err := material(alg, raw)
	if err != nil {
		return nil, err
	}
	// The protected header is fixed per key; writing it once here also lets
	// Verify recognise our own headers by exact bytes (see header.go).
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{string(alg), kid, "JWT"})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return &Key{kid: kid, alg: alg, header: base64.RawURLEncoding.EncodeToString(hdr), m: hide(m)}, nil
}

// material checks the type and strength of raw for alg.
func material(alg Algorithm, raw any) (*keyMaterial, error) {
	mismatch := func() error {
		return fmt.Errorf("%w: a %T cannot be used with %s", ErrInvalidKey, raw, alg)
	}
	switch alg {
	case HS256, HS384, HS512:
		b, ok := raw.([]byte)
		if !ok {
			return nil, mismatch()
		}
		if n := alg.hmacSecretSize(); len(b) < n {
			return nil, fmt.Errorf("%w: %s needs a secret of at least %d bytes, got %d", ErrInvalidKey, alg, n, len(b))
		}
		secret := append([]byte(nil), b...)
		return &keyMaterial{sign: secret, verify: secret, mac: newMACVerifier(alg, secret)}, nil

	case EdDSA:
		switch k := raw.(type) {
		case ed25519.PrivateKey:
			if len(k) != ed25519.PrivateKeySize {
				return nil, fmt.Errorf("%w: bad Ed25519 private key size", ErrInvalidKey)
			}
			return &keyMaterial{sign: k, verify: k.Public().(ed25519.PublicKey)}, nil
		case ed25519.PublicKey:
			if len(k) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("%w: bad Ed25519 public key size", ErrInvalidKey)
			}
			return &keyMaterial{verify: k}, nil
		}
		return nil, mismatch()

	case ES256:
		switch k := raw.(type) {
		case *ecdsa.PrivateKey:
			if err := checkP256(&k.PublicKey); err != nil {
				return nil, err
			}
			// Refuse a private scalar that does not match its public point
			// (possible with hand-edited JWKs): we would sign tokens nobody
			// can verify.
			priv, err := k.ECDH()
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
			}
			pub, _ := k.PublicKey.ECDH()
			if !priv.PublicKey().Equal(pub) {
				return nil, fmt.Errorf("%w: EC private key does not match its public key", ErrInvalidKey)
			}
			return &keyMaterial{sign: k, verify: &k.PublicKey, ec: newECOrder(&k.PublicKey)}, nil
		case *ecdsa.PublicKey:
			if err := checkP256(k); err != nil {
				return nil, err
			}
			return &keyMaterial{verify: k, ec: newECOrder(k)}, nil
		}
		return nil, mismatch()

	case RS256, PS256:
		switch k := raw.(type) {
		case *rsa.PrivateKey:
			if err := checkRSA(&k.PublicKey); err != nil {
				return nil, err
			}
			if err := k.Validate(); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
			}
			return &keyMaterial{sign: k, verify: &k.PublicKey}, nil
		case *rsa.PublicKey:
			if err := checkRSA(k); err != nil {
				return nil, err
			}
			return &keyMaterial{verify: k}, nil
		}
		return nil, mismatch()
	}
	return nil, fmt.Errorf("%w: unsupported algorithm %s", ErrInvalidKey, quoteShort(string(alg)))
}

// checkP256 requires a valid point on P-256 (ES256 is defined on P-256 only,
// RFC 7518 section 3.4).
func checkP256(k *ecdsa.PublicKey) error {
	if k.Curve != elliptic.P256() {
		return fmt.Errorf("%w: ES256 needs a P-256 key", ErrInvalidKey)
	}
	if _, err := k.ECDH(); err != nil { // rejects points off the curve
		return fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return nil
}

// checkRSA requires a modulus of at least 2048 bits and a sane exponent.
func checkRSA(k *rsa.PublicKey) error {
	if k.N == nil || k.N.BitLen() < minRSABits {
		return fmt.Errorf("%w: RSA keys must have at least %d bits", ErrInvalidKey, minRSABits)
	}
	if k.E < 3 || k.E%2 == 0 {
		return fmt.Errorf("%w: bad RSA public exponent", ErrInvalidKey)
	}
	return nil
}

// quoteShort quotes s for an error message, cut to 32 bytes, so that values
// we did not choose cannot flood a log line.
func quoteShort(s string) string {
	const max = 32
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// ID returns the key ID (kid). Safe for concurrent use.
func (k *Key) ID() string { return k.kid }

// Algorithm returns the algorithm pinned to the key. Safe for concurrent use.
func (k *Key) Algorithm() Algorithm { return k.alg }

// CanSign reports whether k holds a private key or HMAC secret. It is false
// for public keys and for the zero Key. Safe for concurrent use.
func (k *Key) CanSign() bool { return k != nil && k.m != nil && k.m().sign != nil }

// Public returns a verify-only copy of an asymmetric key, with the same kid
// and algorithm. It returns [ErrNoPublicKey] for HMAC keys and
// [ErrInvalidKey] for the zero Key. Safe for concurrent use.
func (k *Key) Public() (*Key, error) {
	if k == nil || k.m == nil {
		return nil, fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if k.alg.isHMAC() {
		return nil, ErrNoPublicKey
	}
	return &Key{kid: k.kid, alg: k.alg, header: k.header, m: hide(&keyMaterial{verify: k.m().verify, ec: k.m().ec})}, nil
}

// String describes the key without its material, e.g.
// token.Key{kid:"2026-01", alg:EdDSA, [REDACTED]}.
func (k Key) String() string {
	return "token.Key{kid:" + strconv.Quote(k.kid) + ", alg:" + string(k.alg) + ", " + redacted + "}"
}

// GoString is [Key.String], so %#v does not print the material either.
func (k Key) GoString() string { return k.String() }

// Format writes [Key.String] for every verb, so no fmt verb (%x included)
// reaches the material.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// MarshalJSON renders {"kid":"...","alg":"...","key":"[REDACTED]"}. It is
// for logs; use [Key.ExportJWK] to serialise a key.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(redactedJSON{KID: k.kid, Alg: string(k.alg), Key: redacted})
}

// MarshalZerologObject logs the kid and algorithm and "[REDACTED]" for the
// material, so a Key may be passed to zerolog's Object.
func (k Key) MarshalZerologObject(e *zerolog.Event) {
	e.Str("kid", k.kid).Str("alg", string(k.alg)).Str("key", redacted)
}

// redactedJSON is the JSON form of a key in logs.
type redactedJSON struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
	Key string `json:"key"`
}
