package token_test

import (
	"testing"

	"github.com/keycard-go/keycard/token"
)

// benchCases is every algorithm plus encrypted HS256.
func benchCodecs(b *testing.B) []struct {
	name  string
	codec *token.Codec[session]
} {
	var out []struct {
		name  string
		codec *token.Codec[session]
	}
	for _, alg := range algorithms {
		out = append(out, struct {
			name  string
			codec *token.Codec[session]
		}{string(alg), newCodec(b, mustKeySet(b, fixedKey(b, alg)), newClock())})
	}
	out = append(out, struct {
		name  string
		codec *token.Codec[session]
	}{"HS256+A256GCM", newCodec(b, mustKeySet(b, fixedKey(b, token.HS256)), newClock(), token.WithEncryption(mustEncKey(b, "e", 1)))})
	return out
}

func BenchmarkIssue(b *testing.B) {
	for _, bc := range benchCodecs(b) {
		b.Run(bc.name, func(b *testing.B) {
			p := aliceSession()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := bc.codec.Issue("user-42", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, bc := range benchCodecs(b) {
		b.Run(bc.name, func(b *testing.B) {
			tok, _, err := bc.codec.Issue("user-42", aliceSession())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.codec.Verify(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyReject measures the cost of refusing hostile input, which
// an attacker controls the rate of.
func BenchmarkVerifyReject(b *testing.B) {
	c := newCodec(b, mustKeySet(b, fixedKey(b, token.HS256)), newClock())
	for _, bc := range []struct{ name, token string }{
		{"bad signature", craft(goodHeader, claimsJSON(nil), hs256(secret(32, 9)))},
		{"alg none", craft(`{"alg":"none","kid":"HS256-1"}`, claimsJSON(nil), nil)},
		{"oversized", string(make([]byte, 10000))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Verify(bc.token); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
