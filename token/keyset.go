package token

import "fmt"

// KeySet is the keys a [Codec] uses: exactly one signing key, with which
// every new token is signed, and any number of verify-only keys, which are
// accepted on tokens but never used to sign. Rotation is a new KeySet handed
// to [Codec.SetKeys]: the new key signs, the previous one stays verify-only
// until the tokens it signed have expired ([Codec.Lifetime]), then it is
// dropped.
//
// A KeySet is immutable and safe for concurrent use. The zero KeySet has no
// signing key and is refused by [New] and [Codec.SetKeys].
type KeySet struct {
	signing *Key
	keys    []*Key // signing first, then verify-only keys in the order given
	// byHeader maps the base64url protected header each key writes to the
	// key: Verify's fast path is one lookup of the token's header segment.
	byHeader map[string]*Key
}

// NewKeySet returns a key set signing with signing, which must be able to
// sign ([Key.CanSign]), and also accepting tokens signed with verifyOnly.
// Kids must be unique across the set. A signing-capable key passed in
// verifyOnly is used for verification only. Errors match [ErrInvalidKey].
func NewKeySet(signing *Key, verifyOnly ...*Key) (*KeySet, error) {
	switch {
	case signing == nil:
		return nil, fmt.Errorf("%w: the signing key is nil", ErrInvalidKey)
	case signing.m == nil:
		return nil, fmt.Errorf("%w: the signing key is the zero Key, which holds no key; make one with NewHMACKey, ParsePEM, ParseJWK or GenerateKey", ErrInvalidKey)
	case !signing.CanSign():
		return nil, fmt.Errorf("%w: the signing key %q holds only a public key; it must hold a private key or HMAC secret", ErrInvalidKey, signing.kid)
	}
	s := &KeySet{
		signing:  signing,
		keys:     make([]*Key, 0, 1+len(verifyOnly)),
		byHeader: make(map[string]*Key, 1+len(verifyOnly)),
	}
	for i, k := range append([]*Key{signing}, verifyOnly...) {
		switch {
		case k == nil:
			return nil, fmt.Errorf("%w: verifyOnly[%d] is nil", ErrInvalidKey, i-1)
		case k.m == nil:
			return nil, fmt.Errorf("%w: verifyOnly[%d] is the zero Key, which holds no key", ErrInvalidKey, i-1)
		}
		for _, prev := range s.keys {
			if prev.kid == k.kid {
				return nil, fmt.Errorf("%w: duplicate kid %q in key set", ErrInvalidKey, k.kid)
			}
		}
		s.keys = append(s.keys, k)
		s.byHeader[k.header] = k
	}
	return s, nil
}

// SigningKey returns the key new tokens are signed with. Safe for concurrent
// use.
func (s *KeySet) SigningKey() *Key { return s.signing }

// Len returns the number of keys in the set, the signing key included. Safe
// for concurrent use.
func (s *KeySet) Len() int { return len(s.keys) }

// lookup returns the key with the given kid, or nil.
func (s *KeySet) lookup(kid string) *Key {
	for _, k := range s.keys {
		if k.kid == kid {
			return k
		}
	}
	return nil
}
