package token

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// Signatures are made and checked with the key's pinned algorithm only: HMAC by the standard
// library (hmac.go), the others by jwx's built-in signers and verifiers (jwsbb does not
// consult jws's global registry of custom ones).
//
// Each signature has exactly one accepted encoding, so that one session has one token string
// (a second spelling would verify as a second token with the same jti and sid, take a second
// place in the verified-token cache and sidestep anything that deny-lists token strings):
//   - base64url is decoded strictly, with no padding and zero unused bits (header.go);
//   - HMAC and RSASSA-PKCS1-v1_5 are deterministic; HMAC tags must have the hash's full
//     length (hmac.Equal), RSA signatures exactly the modulus's length and a value below it
//     (crypto/rsa), so sig + n and added or stripped leading zeros are refused;
//   - RSASSA-PSS is randomized, but only the private key can make another signature;
//   - Ed25519 requires S < L and compares R's encoding byte for byte (crypto/ed25519);
//   - ECDSA is the exception: (r, s) and (r, n-s) both verify. We write only the low one,
//     s <= n/2, and refuse the high one, as Bitcoin (BIP 146) and Ethereum (EIP-2) do. Go,
//     jwx and RFC 7518 accept both, so a signer other than keycard may write a high s, which
//     is refused here; so are tokens keycard issued before this rule, half of them (those
//     sessions sign in again).
//
// TestAttackSecondEncodings, TestAttackECDSAHighS, TestAttackEdDSANonCanonicalS and
// TestAttackRSASignatureEncodings forge each of these.

// ecOrder holds an ECDSA key's group order n and n/2, big-endian in the curve's
// scalar size, so that checking and normalizing s allocate nothing.
type ecOrder struct {
	n, half []byte
}

// newECOrder returns the order of k's curve.
func newECOrder(k *ecdsa.PublicKey) *ecOrder {
	p := k.Curve.Params()
	size := (p.BitSize + 7) / 8
	n := p.N.FillBytes(make([]byte, size))
	return &ecOrder{n: n, half: halfOf(bytes.Clone(n))}
}

// halfOf shifts the big-endian b right by one bit, in place, and returns it.
func halfOf(b []byte) []byte {
	var carry byte
	for i, c := range b {
		b[i] = c>>1 | carry
		carry = c << 7
	}
	return b
}

// lowS reports whether sig, r||s in two scalars of o's size, has s <= n/2. A
// signature of another length is left for the verifier to refuse.
func (o *ecOrder) lowS(sig []byte) bool {
	if len(sig) != 2*len(o.n) {
		return true
	}
	return bytes.Compare(sig[len(o.n):], o.half) <= 0
}

// normalize replaces a high s in sig (r||s, as jwsbb writes it) by n-s.
func (o *ecOrder) normalize(sig []byte) {
	if o.lowS(sig) {
		return
	}
	s := sig[len(o.n):]
	var borrow int
	for i := len(s) - 1; i >= 0; i-- {
		d := int(o.n[i]) - int(s[i]) - borrow
		borrow = 0
		if d < 0 {
			d += 256
			borrow = 1
		}
		s[i] = byte(d)
	}
}

// sign signs input with k's pinned algorithm.
func (k *Key) sign(input []byte) ([]byte, error) {
	m := k.m()
	sig, err := jwsbb.Sign(m.sign, string(k.alg), input, nil)
	if err != nil {
		return nil, err
	}
	if m.ec != nil {
		m.ec.normalize(sig)
	}
	return sig, nil
}

// verifySignature checks sig over input with k's pinned algorithm. Errors
// match [ErrSignature].
func (k *Key) verifySignature(input, sig []byte) error {
	m := k.m()
	switch {
	case m.mac != nil:
		if !m.mac.verify(input, sig) {
			return fmt.Errorf("%w: HMAC mismatch", ErrSignature)
		}
		return nil
	case m.ec != nil && !m.ec.lowS(sig):
		return fmt.Errorf("%w: ECDSA signature with s above n/2 (keycard writes only low-S signatures)", ErrSignature)
	}
	if err := jwsbb.Verify(m.verify, string(k.alg), input, sig); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}
