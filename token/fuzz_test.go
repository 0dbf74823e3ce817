package token_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/token"
)

// FuzzVerify feeds arbitrary strings to Verify, with and without the JWE
// layer. Properties: Verify never panics, and it accepts a string only if an
// independent oracle (crypto/hmac and crypto/cipher, no package code) finds
// it to be the canonical encoding of a JWS signed with the codec's HS256
// secret, encrypted with its AES key when encryption is on. Every error
// carries the package prefix and does not quote the input.
func FuzzVerify(f *testing.F) {
	clk := newClock()
	ks := mustKeySet(f, fixedKey(f, token.HS256), must(fixedKey(f, token.EdDSA).Public()))
	plain := newCodec(f, ks, clk)
	enc := newCodec(f, ks, clk, token.WithEncryption(mustEncKey(f, "enc-1", 7)))

	add := func(tok string) { f.Add(tok) }
	for _, c := range []*token.Codec[session]{plain, enc} {
		for _, sub := range []token.Subject{"user-1", "u"} {
			tok, _, err := c.Issue(sub, aliceSession())
			if err != nil {
				f.Fatal(err)
			}
			add(tok)
		}
	}
	good := hs256(secret(32, 1))
	add(craft(goodHeader, claimsJSON(nil), good))
	add(sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1"}`, secret(32, 7), []byte(craft(goodHeader, claimsJSON(nil), good))))

	// Hostile seeds.
	edSigned, _, err := newCodec(f, mustKeySet(f, mustPEM(f, "other", token.EdDSA, "ed25519.pem")), clk).Issue("u", aliceSession())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", ".", "..", "....", "a.b.c", "a.b.c.d.e", "not a token",
		edSigned,
		craft(`{"alg":"none","kid":"HS256-1"}`, claimsJSON(nil), nil),
		craft(`{"alg":"HS256","kid":"EdDSA-1","typ":"JWT"}`, claimsJSON(nil), hs256(rawEd25519Public(f))),
		craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","jwk":{"kty":"oct","k":"AAAA"}}`, claimsJSON(nil), good),
		craft(`{"alg":"HS256","crit":["x"],"kid":"HS256-1","typ":"JWT"}`, claimsJSON(nil), good),
		craft(goodHeader, `{"exp":1e999}`, good),
		craft(goodHeader, claimsJSON(map[string]any{"exp": "x"}), good),
		sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1","zip":"DEF"}`, secret(32, 7), []byte("x")),
		sealJWE(`{"alg":"PBES2-HS256+A128KW","enc":"A256GCM","kid":"enc-1","p2c":999999999}`, secret(32, 7), []byte("x")),
		strings.Repeat("A", 9000),
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, in string) {
		for _, c := range []*token.Codec[session]{plain, enc} {
			cl, err := c.Verify(in)
			if err == nil {
				if !signedByUs(in, c == enc) {
					t.Fatalf("Verify accepted a token the codec did not sign: %q", in)
				}
				if cl == nil || cl.Subject == "" {
					t.Fatalf("Verify returned %+v without an error", cl)
				}
				continue
			}
			if cl != nil {
				t.Fatalf("Verify returned claims with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "token: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			if len(in) >= 16 && strings.Contains(err.Error(), in) {
				t.Fatalf("error %q contains the input", err)
			}
		}
	})
}

// signedByUs is the fuzz oracle: in is a compact JWS (inside a compact JWE
// if encrypted) in canonical base64url, with the HS256-1 header, whose
// signature is HMAC-SHA256 under the fixed HS256 secret.
func signedByUs(in string, encrypted bool) bool {
	canonical := func(s string) ([]byte, bool) {
		b, err := b64.Strict().DecodeString(s)
		return b, err == nil && b64.EncodeToString(b) == s
	}
	if encrypted {
		p := strings.Split(in, ".")
		if len(p) != 5 || p[1] != "" {
			return false
		}
		iv, ok1 := canonical(p[2])
		ct, ok2 := canonical(p[3])
		tag, ok3 := canonical(p[4])
		if !ok1 || !ok2 || !ok3 || len(iv) != 12 {
			return false
		}
		block, _ := aes.NewCipher(secret(32, 7))
		gcm, _ := cipher.NewGCM(block)
		pt, err := gcm.Open(nil, iv, append(ct, tag...), []byte(p[0]))
		if err != nil {
			return false
		}
		in = string(pt)
	}
	p := strings.Split(in, ".")
	if len(p) != 3 || p[0] != b64.EncodeToString([]byte(goodHeader)) {
		return false
	}
	sig, ok := canonical(p[2])
	return ok && hmac.Equal(sig, hs256(secret(32, 1))([]byte(p[0]+"."+p[1])))
}
