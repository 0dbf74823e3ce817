package token_test

import (
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/token"
)

// One session, one token string: a second spelling of a valid signature would give a second
// token that verifies (same jti, same sid), which doubles the verified-token cache's entries
// and sidesteps anything that deny-lists token strings. These tests forge every second
// encoding we know of, for every algorithm, and require each to be refused.

// TestAttackECDSAHighS: for an ECDSA signature (r, s), (r, n-s) verifies too. Before the fix,
// replacing s with n-s in a valid ES256 token gave a different token that Verify accepted.
func TestAttackECDSAHighS(t *testing.T) {
	c := newCodec(t, mustKeySet(t, fixedKey(t, token.ES256)), newClock())
	n := elliptic.P256().Params().N
	half := new(big.Int).Rsh(n, 1)
	for i := range 32 { // half of all ECDSA signatures are high-S: 32 tries miss one with p = 2^-32
		tok, _, err := c.Issue("user-42", aliceSession())
		if err != nil {
			t.Fatal(err)
		}
		input, sig := splitSig(t, tok)
		if len(sig) != 64 {
			t.Fatalf("ES256 signature of %d bytes, want 64", len(sig))
		}
		s := new(big.Int).SetBytes(sig[32:])
		if s.Cmp(half) > 0 {
			t.Fatalf("token %d: Issue wrote a high-S signature (s > n/2), want only low-S", i)
		}
		forged := append(sig[:32:32], new(big.Int).Sub(n, s).FillBytes(make([]byte, 32))...)
		got, err := c.Verify(input + "." + b64.EncodeToString(forged))
		if !errors.Is(err, token.ErrSignature) || got != nil {
			t.Fatalf("token %d: Verify(r, n-s) = %v, %v; want ErrSignature", i, got, err)
		}
		if _, err := c.Verify(tok); err != nil {
			t.Fatalf("token %d: Verify(original) = %v", i, err)
		}
	}
}

// TestAttackEdDSANonCanonicalS: S + L (L the group order) is the same scalar; RFC 8032
// section 5.1.7 requires S < L, and so does Go's crypto/ed25519.
func TestAttackEdDSANonCanonicalS(t *testing.T) {
	c := newCodec(t, mustKeySet(t, fixedKey(t, token.EdDSA)), newClock())
	tok, _, err := c.Issue("user-42", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	input, sig := splitSig(t, tok)
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	s := new(big.Int).SetBytes(reversed(sig[32:])) // S is little-endian
	forged := append(sig[:32:32], reversed(new(big.Int).Add(s, l).FillBytes(make([]byte, 32)))...)
	if got, err := c.Verify(input + "." + b64.EncodeToString(forged)); !errors.Is(err, token.ErrSignature) {
		t.Fatalf("Verify(R, S+L) = %v, %v; want ErrSignature", got, err)
	}
}

// TestAttackRSASignatureEncodings: an RSA signature is an integer below the modulus n,
// written in exactly k bytes (k the size of n, RFC 8017 section 8.1.2). sig + n (when it fits
// in k bytes), a leading zero added and leading zeros stripped all name the same integer
// modulo n, and must all be refused.
func TestAttackRSASignatureEncodings(t *testing.T) {
	block, _ := pem.Decode(readFile(t, "rsa2048.pub.pem"))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	n := pub.(*rsa.PublicKey).N
	k := (n.BitLen() + 7) / 8
	for _, alg := range []token.Algorithm{token.RS256, token.PS256} {
		t.Run(string(alg), func(t *testing.T) {
			c := newCodec(t, mustKeySet(t, fixedKey(t, alg)), newClock())
			var plusN, stripped bool
			// About a third of signatures leave room for + n in k bytes and one in 256 starts
			// with a zero byte; 4096 tries miss either with p < 10^-6.
			for range 4096 {
				if plusN && stripped {
					return
				}
				tok, _, err := c.Issue("user-42", aliceSession())
				if err != nil {
					t.Fatal(err)
				}
				input, sig := splitSig(t, tok)
				if len(sig) != k {
					t.Fatalf("signature of %d bytes, want %d", len(sig), k)
				}
				refuse := func(name string, forged []byte) {
					t.Helper()
					if got, err := c.Verify(input + "." + b64.EncodeToString(forged)); !errors.Is(err, token.ErrSignature) {
						t.Fatalf("Verify(%s) = %v, %v; want ErrSignature", name, got, err)
					}
				}
				if !plusN {
					refuse("leading zero byte added", append([]byte{0}, sig...))
					if v := new(big.Int).Add(new(big.Int).SetBytes(sig), n); v.BitLen() <= 8*k {
						refuse("sig + n", v.FillBytes(make([]byte, k)))
						plusN = true
					}
				}
				if !stripped && sig[0] == 0 {
					refuse("leading zero byte stripped", sig[1:])
					stripped = true
				}
			}
			t.Fatalf("no signature with room for + n (%v) or a leading zero (%v) in 4096 tries", plusN, stripped)
		})
	}
}

// TestAttackSecondEncodings: for every algorithm, and under JWE, every segment of a valid
// token respelled (base64url with other unused trailing bits, padding, a byte added or
// removed) is refused, and only the token as issued verifies.
func TestAttackSecondEncodings(t *testing.T) {
	type codec struct {
		name string
		c    *token.Codec[session]
	}
	var codecs []codec
	for _, alg := range algorithms {
		codecs = append(codecs, codec{string(alg), newCodec(t, mustKeySet(t, fixedKey(t, alg)), newClock())})
	}
	for _, alg := range []token.Algorithm{token.HS256, token.ES256} {
		codecs = append(codecs, codec{string(alg) + "+A256GCM", newCodec(t, mustKeySet(t, fixedKey(t, alg)), newClock(), token.WithEncryption(mustEncKey(t, "enc-1", 7)))})
	}
	for _, cc := range codecs {
		t.Run(cc.name, func(t *testing.T) {
			tok, want, err := cc.c.Issue("user-42", aliceSession())
			if err != nil {
				t.Fatal(err)
			}
			segs := strings.Split(tok, ".")
			tried := 0
			for i, seg := range segs {
				for _, v := range respellings(t, seg) {
					alt := append([]string(nil), segs...)
					alt[i] = v
					forged := strings.Join(alt, ".")
					tried++
					if got, err := cc.c.Verify(forged); err == nil {
						t.Errorf("segment %d respelled: Verify accepted a second token for jti %s (got jti %s)", i, want.ID, got.ID)
					}
				}
			}
			if tried == 0 {
				t.Fatal("no respelling tried")
			}
			if _, err := cc.c.Verify(tok); err != nil {
				t.Fatalf("Verify(original) = %v", err)
			}
		})
	}
}

// TestAttackHMACSignatureLength: a truncated or extended MAC is refused (RFC 7518 section
// 3.2 forbids truncation).
func TestAttackHMACSignatureLength(t *testing.T) {
	for _, alg := range []token.Algorithm{token.HS256, token.HS384, token.HS512} {
		t.Run(string(alg), func(t *testing.T) {
			c := newCodec(t, mustKeySet(t, fixedKey(t, alg)), newClock())
			tok, _, err := c.Issue("user-42", aliceSession())
			if err != nil {
				t.Fatal(err)
			}
			input, sig := splitSig(t, tok)
			for name, forged := range map[string][]byte{
				"truncated to 16 bytes": sig[:16],
				"last byte dropped":     sig[:len(sig)-1],
				"zero byte appended":    append(append([]byte(nil), sig...), 0),
				"zero byte prepended":   append([]byte{0}, sig...),
			} {
				if got, err := c.Verify(input + "." + b64.EncodeToString(forged)); !errors.Is(err, token.ErrSignature) {
					t.Errorf("Verify(%s) = %v, %v; want ErrSignature", name, got, err)
				}
			}
		})
	}
}

// splitSig returns a compact JWS's signing input and decoded signature.
func splitSig(t *testing.T, tok string) (string, []byte) {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := b64.Strict().DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	return tok[:i], sig
}

// respellings returns other strings that a lenient base64url decoder reads as seg's bytes:
// the same last character with other unused low bits, and seg with '=' padding.
func respellings(t *testing.T, seg string) []string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var out []string
	if seg == "" {
		return append(out, "AA") // the JWE's empty encrypted key given content
	}
	var unused int
	switch len(seg) % 4 {
	case 2:
		unused = 0x0f
		out = append(out, seg+"==")
	case 3:
		unused = 0x03
		out = append(out, seg+"=")
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	for bits := 1; bits <= unused; bits++ {
		out = append(out, seg[:len(seg)-1]+string(alphabet[last|bits]))
	}
	return out
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}
