package bench

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/token"
)

// coldPool bounds how many distinct tokens a cold benchmark cycles through. It is far above the
// default cache size (10,000) and the cache evicts at random, so fewer than 1% of the cold
// requests can find their token cached, while memory stays bounded at a few tens of MB.
const coldPool = 1 << 16

// BenchmarkSession runs one protected request through each library's middleware.
//
//	keycard/<alg>/warm  the same token on every request: a signed-in user's normal case
//	keycard/<alg>/cold  a token never seen before on (nearly) every request
//	jwtauth/<alg>       go-chi/jwtauth v5 Verify(TokenFromCookie) + Authenticator
//	golang-jwt/<alg>    a hand-written middleware over golang-jwt/jwt v5
//	gorilla-sessions/cookie, scs/memstore, baseline/no-session
//
// The peers verify the very tokens keycard issues; they have no cache, so one token serves.
func BenchmarkSession(b *testing.B) {
	b.Run("baseline/no-session", func(b *testing.B) {
		f := baselineFixture()
		serveLoop(b, f.handler, cookieLines(f.cookie, []string{f.mint(b)}))
	})
	for _, alg := range algs {
		kp := newKeyPair(b, alg)
		kc, _ := keycardFixture(b, kp)
		b.Run(kc.name+"/warm", func(b *testing.B) {
			serveLoop(b, kc.handler, cookieLines(kc.cookie, []string{kc.mint(b)}))
		})
		b.Run(kc.name+"/cold", func(b *testing.B) {
			values := make([]string, min(b.N, coldPool))
			for i := range values {
				values[i] = kc.mint(b)
			}
			serveLoop(b, kc.handler, cookieLines(kc.cookie, values))
		})
		for _, f := range []fixture{jwtauthFixture(b, kp, kc.mint), golangJWTFixture(b, kp, kc.mint)} {
			b.Run(f.name, func(b *testing.B) {
				serveLoop(b, f.handler, cookieLines(f.cookie, []string{f.mint(b)}))
			})
		}
	}
	for _, f := range []fixture{gorillaFixture(b), scsFixture(b)} {
		b.Run(f.name, func(b *testing.B) {
			serveLoop(b, f.handler, cookieLines(f.cookie, []string{f.mint(b)}))
		})
	}
}

// BenchmarkCrypto is the floor: base64url-decoding a token's signature and checking it over
// the signing input with the standard library alone, for the same tokens. No HTTP, no JSON,
// no claims: what any verifier of these tokens must at least spend.
func BenchmarkCrypto(b *testing.B) {
	for _, alg := range algs {
		kp := newKeyPair(b, alg)
		kc, _ := keycardFixture(b, kp)
		raw := kc.mint(b)
		dot := strings.LastIndexByte(raw, '.')
		input, sigText := raw[:dot], raw[dot+1:]
		verify := floorVerifier(b, kp)
		b.Run(string(alg), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, cpuOK := cpuTime()
			for range b.N {
				sig, err := base64.RawURLEncoding.DecodeString(sigText)
				if err != nil || !verify(input, sig) {
					b.Fatal("signature does not verify")
				}
			}
			reportCPU(b, cpu0, cpuOK)
		})
	}
}

// floorVerifier returns the bare signature check for kp's algorithm.
func floorVerifier(tb testing.TB, kp keyPair) func(input string, sig []byte) bool {
	switch kp.alg {
	case token.HS256:
		key := kp.verify.([]byte)
		return func(input string, sig []byte) bool {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(input))
			return hmac.Equal(m.Sum(nil), sig)
		}
	case token.EdDSA:
		pub := kp.verify.(ed25519.PublicKey)
		return func(input string, sig []byte) bool {
			return ed25519.Verify(pub, []byte(input), sig)
		}
	case token.ES256:
		pub := kp.verify.(*ecdsa.PublicKey)
		return func(input string, sig []byte) bool {
			if len(sig) != 64 {
				return false
			}
			h := sha256.Sum256([]byte(input))
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			return ecdsa.Verify(pub, h[:], r, s)
		}
	}
	tb.Fatalf("no floor for %s", kp.alg)
	return nil
}
