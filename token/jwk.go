package token

import (
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// ParseJWK loads one key from JWK JSON (RFC 7517). The JWK must carry "kid"
// and "alg" (the algorithm is pinned from the JWK, never guessed from the key
// type) and, if it has "use", "use":"sig". A JWK with a private part ("d", or
// "k" for oct keys) gives a signing key, one without a verify-only key. The
// same type and strength checks as [ParsePEM] and [NewHMACKey] apply; "x5u"
// and "jku" members are never fetched. Errors match [ErrInvalidKey].
func ParseJWK(data []byte) (*Key, error) {
	jk, err := jwk.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return keyFromJWK(jk)
}

// ParseJWKSet loads every key of a JWK Set ({"keys":[...]}); each key is
// checked as by [ParseJWK], kids must be unique and the set non-empty.
// Errors match [ErrInvalidKey].
func ParseJWKSet(data []byte) ([]*Key, error) {
	set, err := jwk.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("%w: empty JWK set", ErrInvalidKey)
	}
	keys := make([]*Key, 0, set.Len())
	seen := make(map[string]bool, set.Len())
	for i := range set.Len() {
		jk, _ := set.Key(i)
		k, err := keyFromJWK(jk)
		if err != nil {
			return nil, fmt.Errorf("key #%d: %w", i, err)
		}
		if seen[k.kid] {
			return nil, fmt.Errorf("%w: duplicate kid %q in JWK set", ErrInvalidKey, k.kid)
		}
		seen[k.kid] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// keyFromJWK converts a parsed JWK into a Key.
func keyFromJWK(jk jwk.Key) (*Key, error) {
	kid, ok := jk.KeyID()
	if !ok || kid == "" {
		return nil, fmt.Errorf("%w: JWK has no \"kid\"", ErrInvalidKey)
	}
	a, ok := jk.Algorithm()
	if !ok || a.String() == "" {
		return nil, fmt.Errorf("%w: JWK has no \"alg\"", ErrInvalidKey)
	}
	if use, ok := jk.KeyUsage(); ok && use != "" && use != jwk.ForSignature.String() {
		return nil, fmt.Errorf("%w: JWK \"use\" is not \"sig\"", ErrInvalidKey)
	}
	var raw any
	if err := jwk.Export(jk, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return newKey(kid, Algorithm(a.String()), raw)
}

// toJWK converts raw key material into a JWK with our kid, alg and "use".
func toJWK(kid string, alg Algorithm, raw any) (jwk.Key, error) {
	jk, err := jwk.Import(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	sa, ok := jwa.LookupSignatureAlgorithm(string(alg))
	if !ok {
		return nil, fmt.Errorf("%w: unsupported algorithm %s", ErrInvalidKey, alg)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: sa, jwk.KeyUsageKey: jwk.ForSignature} {
		if err := jk.Set(name, v); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
	}
	return jk, nil
}

// ExportJWK returns the key as JWK JSON with its kid, alg and "use":"sig".
//
// WARNING: for a signing key the result INCLUDES THE PRIVATE KEY OR HMAC
// SECRET. Anyone who reads it can mint sessions for any user. It exists for
// key generation tools; write it only to a secret store or a file readable by
// the service alone, never to a log, and publish [PublicJWKSet] instead. For
// a verify-only key it holds only the public key. Safe for concurrent use.
func (k *Key) ExportJWK() ([]byte, error) {
	if k == nil || k.m == nil {
		return nil, fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	raw := k.m().sign
	if raw == nil {
		raw = k.m().verify
	}
	jk, err := toJWK(k.kid, k.alg, raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(jk)
}

// PublicJWKSet returns a JWK Set ({"keys":[...]}) of the public halves of
// keys, for publishing to verifiers. It fails with [ErrNoPublicKey] if any
// key is an HMAC key (its only form is the secret), and with [ErrInvalidKey]
// for a nil key or duplicate kids. Safe for concurrent use.
func PublicJWKSet(keys ...*Key) ([]byte, error) {
	set := jwk.NewSet()
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if k == nil || k.m == nil {
			return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
		}
		if k.alg.isHMAC() {
			return nil, fmt.Errorf("%w: key %q", ErrNoPublicKey, k.kid)
		}
		if seen[k.kid] {
			return nil, fmt.Errorf("%w: duplicate kid %q", ErrInvalidKey, k.kid)
		}
		seen[k.kid] = true
		jk, err := toJWK(k.kid, k.alg, k.m().verify)
		if err != nil {
			return nil, err
		}
		if err := set.AddKey(jk); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
	}
	return json.Marshal(set)
}
