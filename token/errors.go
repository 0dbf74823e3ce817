package token

import "errors"

// Errors returned by this package. Every error from [Codec.Verify] matches
// exactly one of these sentinels with [errors.Is] and wraps the underlying
// cause where there is one, so callers can branch on the reason without
// importing jwx while logs keep the detail. Error strings carry the package
// prefix "token: " and never contain a token, a header value taken from a
// token, or key material.
//
// In an HTTP handler every verification error should become the same 401
// response; the sentinel is for logs and metrics, never for the client.
var (
	// ErrMalformed means the input is not a compact JWS (or JWE, when
	// encryption is configured) of the shape this package writes: wrong number
	// of segments, bad base64url or JSON, or a forbidden or unknown header
	// parameter (crit, b64, jku, jwk, x5u, x5c, x5t, zip, cty, ...).
	ErrMalformed = errors.New("token: malformed token")

	// ErrTooLarge means a token to verify is over the bound set by
	// [WithMaxTokenSize], or a token being issued is over the bound set by
	// [WithMaxIssuedSize].
	ErrTooLarge = errors.New("token: token too large")

	// ErrSignature means the signature does not verify with the key named by
	// the token's kid.
	ErrSignature = errors.New("token: invalid signature")

	// ErrUnknownKey means the token's kid is missing or names no key in the
	// current [KeySet].
	ErrUnknownKey = errors.New("token: unknown key")

	// ErrAlgorithm means the header alg is not the algorithm pinned to the key
	// named by kid; this includes "none" and algorithms this package does not
	// support at all.
	ErrAlgorithm = errors.New("token: algorithm not allowed")

	// ErrExpired means the token's exp is in the past (beyond the leeway).
	ErrExpired = errors.New("token: expired")

	// ErrNotYetValid means nbf, iat or auth_time is in the future beyond the
	// leeway.
	ErrNotYetValid = errors.New("token: not yet valid")

	// ErrIssuer means the iss claim is missing or differs from [WithIssuer].
	ErrIssuer = errors.New("token: wrong issuer")

	// ErrAudience means the aud claim names none of the audiences set with
	// [WithAudience], or names any audience when none is configured
	// (RFC 7519 section 4.1.3).
	ErrAudience = errors.New("token: wrong audience")

	// ErrInvalidClaims means a required claim (exp, sub, jti, sid, iat,
	// auth_time) is missing or empty, a claim has the wrong JSON type, the
	// payload is not a JSON object, or the payload's Validate method failed.
	ErrInvalidClaims = errors.New("token: invalid claims")

	// ErrDecrypt means encryption is configured and the token has no JWE
	// layer, or the JWE layer does not decrypt with any configured
	// [EncryptionKey].
	ErrDecrypt = errors.New("token: cannot decrypt")

	// ErrInvalidKey reports a construction-time key problem: a secret too
	// short, a key type that does not fit the algorithm, an unsupported
	// algorithm, an RSA modulus under 2048 bits, bad PEM or JWK, a bad kid, a
	// [KeySet] without a signing key or with duplicate kids.
	ErrInvalidKey = errors.New("token: invalid key")

	// ErrNoPublicKey is returned by [Key.Public] and [PublicJWKSet] for HMAC
	// keys, whose only form is the secret.
	ErrNoPublicKey = errors.New("token: symmetric key has no public form")

	// ErrInvalidType is returned by [New] when the payload type T is not a
	// struct or pointer to struct, or when one of its JSON field names
	// collides with a registered claim name.
	ErrInvalidType = errors.New("token: invalid payload type")
)
