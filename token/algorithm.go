package token

// Algorithm is a JWS signature algorithm. It is bound to a [Key] when the key
// is made and never read from a token: a token whose header names another
// algorithm than its key's is rejected with [ErrAlgorithm].
//
// The zero value is not a valid algorithm.
type Algorithm string

// The supported signature algorithms (RFC 7518 section 3, RFC 8037 for EdDSA).
const (
	HS256 Algorithm = "HS256" // HMAC with SHA-256; secret of at least 32 bytes
	HS384 Algorithm = "HS384" // HMAC with SHA-384; secret of at least 48 bytes
	HS512 Algorithm = "HS512" // HMAC with SHA-512; secret of at least 64 bytes
	EdDSA Algorithm = "EdDSA" // Ed25519 signatures
	ES256 Algorithm = "ES256" // ECDSA on P-256 with SHA-256
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256; modulus of at least 2048 bits
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256; modulus of at least 2048 bits
)

// minRSABits is the smallest RSA modulus accepted for RS256 and PS256
// (RFC 7518 section 3.3 and 3.5).
const minRSABits = 2048

// minHMACSecret is the floor for every HMAC secret: 256 bits.
const minHMACSecret = 32

// known reports whether a is one of the supported algorithms.
func (a Algorithm) known() bool {
	switch a {
	case HS256, HS384, HS512, EdDSA, ES256, RS256, PS256:
		return true
	}
	return false
}

// isHMAC reports whether a is one of the HS* algorithms.
func (a Algorithm) isHMAC() bool {
	return a == HS256 || a == HS384 || a == HS512
}

// hmacSecretSize is the minimum (and generated) secret size for an HS*
// algorithm: the hash output size, never less than 32 bytes (RFC 7518
// section 3.2 requires a key at least as long as the hash output).
func (a Algorithm) hmacSecretSize() int {
	switch a {
	case HS384:
		return 48
	case HS512:
		return 64
	}
	return minHMACSecret
}
