package token_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

const goodHeader = `{"alg":"HS256","kid":"HS256-1","typ":"JWT"}`

// claimsJSON returns a valid payload at t0, changed by edit (a nil value
// deletes the claim).
func claimsJSON(edit map[string]any) string {
	m := map[string]any{
		"sub":       "user-42",
		"jti":       "AAAAAAAAAAAAAAAAAAAAAA",
		"sid":       "BBBBBBBBBBBBBBBBBBBBBB",
		"iat":       t0.Unix(),
		"nbf":       t0.Unix(),
		"exp":       t0.Add(time.Hour).Unix(),
		"auth_time": t0.Unix(),
		"name":      "Alice",
		"roles":     []string{"admin"},
	}
	maps.Copy(m, edit)
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// rawJSON is a claim value written verbatim.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

type verifyCase struct {
	name    string
	token   string
	wantErr error // nil: must verify
}

// hostileKeys is the key set of the hostile-token tests: HS256-1 signs;
// EdDSA-1 and RS256-1 are verify-only public keys.
func hostileKeys(t *testing.T) *token.KeySet {
	ed := must(fixedKey(t, token.EdDSA).Public())
	rs := must(fixedKey(t, token.RS256).Public())
	return mustKeySet(t, fixedKey(t, token.HS256), ed, rs)
}

func runVerifyCases(t *testing.T, c *token.Codec[session], cases []verifyCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Verify(tt.token)
			if tt.wantErr == nil {
				if err != nil || got == nil {
					t.Fatalf("Verify = %v, %v; want claims", got, err)
				}
				return
			}
			if err == nil || got != nil {
				t.Fatalf("Verify = %+v, nil; want %v", got, tt.wantErr)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
			}
			checkErrorText(t, err, tt.token)
		})
	}
}

// checkErrorText fails if err's text quotes the token or a long part of it.
func checkErrorText(t *testing.T, err error, tok string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "token: ") {
		t.Errorf("error %q lacks the package prefix", msg)
	}
	for _, part := range append(strings.Split(tok, "."), tok) {
		if len(part) >= 12 && strings.Contains(msg, part) {
			t.Errorf("error %q contains token text %q", msg, part)
		}
	}
	for _, s := range []string{"etc/passwd", "attacker", "evil"} {
		if strings.Contains(msg, s) {
			t.Errorf("error %q echoes attacker text %q", msg, s)
		}
	}
}

func TestVerifyHostile(t *testing.T) {
	good := hs256(secret(32, 1))
	other := hs256(secret(32, 99))
	edRaw := rawEd25519Public(t)
	rsaPEM := readFile(t, "rsa2048.pub.pem")
	payload := claimsJSON(nil)
	valid := craft(goodHeader, payload, good)
	h, p, s := parts(valid)
	attackerJWK := `{"kty":"oct","k":"YXR0YWNrZXItc2VjcmV0LWF0dGFja2VyLXNlY3JldA","kid":"HS256-1"}`

	cases := []verifyCase{
		{"hand-made valid token", valid, nil},

		// Algorithm attacks.
		{"alg none, empty signature", craft(`{"alg":"none","typ":"JWT"}`, payload, nil), token.ErrAlgorithm},
		{"alg none with kid", craft(`{"alg":"none","kid":"HS256-1","typ":"JWT"}`, payload, nil), token.ErrAlgorithm},
		{"alg NoNe", craft(`{"alg":"NoNe","kid":"HS256-1"}`, payload, nil), token.ErrAlgorithm},
		{"alg none, real signature", craft(`{"alg":"none","kid":"HS256-1"}`, payload, good), token.ErrAlgorithm},
		{"alg missing", craft(`{"kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrAlgorithm},
		{"alg empty", craft(`{"alg":"","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrAlgorithm},
		{"alg unsupported", craft(`{"alg":"HS1","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrAlgorithm},
		{"alg not a string", craft(`{"alg":7,"kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"alg differs from the key's", craft(`{"alg":"HS512","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrAlgorithm},
		{"HS256 with Ed25519 public key bytes", craft(`{"alg":"HS256","kid":"EdDSA-1","typ":"JWT"}`, payload, hs256(edRaw)), token.ErrAlgorithm},
		{"HS256 with RSA public key PEM", craft(`{"alg":"HS256","kid":"RS256-1","typ":"JWT"}`, payload, hs256(rsaPEM)), token.ErrAlgorithm},
		{"HS256 with public key bytes, no kid", craft(`{"alg":"HS256","typ":"JWT"}`, payload, hs256(rsaPEM)), token.ErrUnknownKey},

		// Key selection.
		{"kid missing", craft(`{"alg":"HS256","typ":"JWT"}`, payload, good), token.ErrUnknownKey},
		{"kid empty", craft(`{"alg":"HS256","kid":"","typ":"JWT"}`, payload, good), token.ErrUnknownKey},
		{"kid unknown", craft(`{"alg":"HS256","kid":"evil-key","typ":"JWT"}`, payload, good), token.ErrUnknownKey},
		{"kid path traversal", craft(`{"alg":"HS256","kid":"../../../../etc/passwd","typ":"JWT"}`, payload, hs256(nil)), token.ErrUnknownKey},
		{"kid SQL", craft(`{"alg":"HS256","kid":"x' UNION SELECT 'attacker","typ":"JWT"}`, payload, hs256([]byte("attacker"))), token.ErrUnknownKey},
		{"kid NUL", craft(`{"alg":"HS256","kid":"HS256-1\u0000","typ":"JWT"}`, payload, good), token.ErrUnknownKey},
		{"kid not a string", craft(`{"alg":"HS256","kid":1,"typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"kid differs in case", craft(`{"alg":"HS256","kid":"hs256-1","typ":"JWT"}`, payload, good), token.ErrUnknownKey},

		// Forbidden header parameters, each with a valid signature.
		{"embedded jwk", craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","jwk":`+attackerJWK+`}`, payload, hs256([]byte("attacker-secret-attacker-secret"))), token.ErrMalformed},
		{"embedded jwk, our signature", craft(`{"alg":"HS256","jwk":`+attackerJWK+`,"kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"jku", craft(`{"alg":"HS256","jku":"https://evil.example/jwks","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"x5u", craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","x5u":"https://evil.example/cert"}`, payload, good), token.ErrMalformed},
		{"x5c", craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","x5c":["MIIB"]}`, payload, good), token.ErrMalformed},
		{"x5t", craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","x5t":"abc"}`, payload, good), token.ErrMalformed},
		{"crit unknown", craft(`{"alg":"HS256","crit":["evil"],"evil":true,"kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"crit empty", craft(`{"alg":"HS256","crit":[],"kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"b64 false", craft(`{"alg":"HS256","b64":false,"crit":["b64"],"kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"zip", craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","zip":"DEF"}`, payload, good), token.ErrMalformed},
		{"cty nested JWT", craft(`{"alg":"HS256","cty":"JWT","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"typ other", craft(`{"alg":"HS256","kid":"HS256-1","typ":"at+jwt"}`, payload, good), token.ErrMalformed},
		{"typ absent", craft(`{"alg":"HS256","kid":"HS256-1"}`, payload, good), token.ErrMalformed},
		{"unknown parameter", craft(`{"alg":"HS256","kid":"HS256-1","typ":"JWT","x":1}`, payload, good), token.ErrMalformed},
		{"members reordered", craft(`{"kid":"HS256-1","alg":"HS256","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"whitespace", craft(`{"alg": "HS256","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"duplicate alg", craft(`{"alg":"none","alg":"HS256","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"differently cased name", craft(`{"ALG":"HS256","alg":"HS256","kid":"HS256-1","typ":"JWT"}`, payload, good), token.ErrMalformed},
		{"header not an object", craft(`["HS256"]`, payload, good), token.ErrMalformed},
		{"header bad JSON", craft(`{"alg":`, payload, good), token.ErrMalformed},

		// Signature.
		{"signed with another secret", craft(goodHeader, payload, other), token.ErrSignature},
		{"signature flipped", h + "." + p + "." + flip(s), token.ErrSignature},
		{"signature empty", h + "." + p + ".", token.ErrSignature},
		{"signature truncated", h + "." + p + "." + s[:20], token.ErrSignature},
		{"payload changed", h + "." + b64.EncodeToString([]byte(claimsJSON(map[string]any{"sub": "admin"}))) + "." + s, token.ErrSignature},
		{"signature padded", valid + "=", token.ErrMalformed},
		{"signature with newline", h + "." + p + "." + s[:10] + "\n" + s[10:], token.ErrMalformed},
		{"signature non-canonical bits", h + "." + p + "." + dirtyTail(s), token.ErrMalformed},
		{"signature std alphabet", h + "." + p + "." + strings.NewReplacer("-", "+", "_", "/").Replace(s) + "+/", token.ErrMalformed},

		// Time.
		{"expired", craft(goodHeader, claimsJSON(map[string]any{"exp": t0.Add(-time.Hour).Unix()}), good), token.ErrExpired},
		{"expired at the leeway edge", craft(goodHeader, claimsJSON(map[string]any{"exp": t0.Add(-5 * time.Second).Unix()}), good), token.ErrExpired},
		{"expired within leeway", craft(goodHeader, claimsJSON(map[string]any{"exp": t0.Add(-4 * time.Second).Unix()}), good), nil},
		{"exp now", craft(goodHeader, claimsJSON(map[string]any{"exp": t0.Unix()}), good), nil},
		{"nbf in the future", craft(goodHeader, claimsJSON(map[string]any{"nbf": t0.Add(time.Minute).Unix()}), good), token.ErrNotYetValid},
		{"nbf within leeway", craft(goodHeader, claimsJSON(map[string]any{"nbf": t0.Add(5 * time.Second).Unix()}), good), nil},
		{"nbf absent", craft(goodHeader, claimsJSON(map[string]any{"nbf": nil}), good), nil},
		{"iat in the future", craft(goodHeader, claimsJSON(map[string]any{"iat": t0.Add(time.Minute).Unix()}), good), token.ErrNotYetValid},
		{"auth_time in the future", craft(goodHeader, claimsJSON(map[string]any{"auth_time": t0.Add(time.Minute).Unix()}), good), token.ErrNotYetValid},
		{"exp fractional", craft(goodHeader, claimsJSON(map[string]any{"exp": rawJSON(fmt.Sprintf("%d.5", t0.Add(time.Hour).Unix()))}), good), nil},
		{"exp with exponent", craft(goodHeader, claimsJSON(map[string]any{"exp": rawJSON("1.9e9")}), good), nil},

		// Claims.
		{"exp missing", craft(goodHeader, claimsJSON(map[string]any{"exp": nil}), good), token.ErrInvalidClaims},
		{"exp null", craft(goodHeader, claimsJSON(map[string]any{"exp": rawJSON("null")}), good), token.ErrInvalidClaims},
		{"exp string", craft(goodHeader, claimsJSON(map[string]any{"exp": fmt.Sprint(t0.Add(time.Hour).Unix())}), good), token.ErrInvalidClaims},
		{"exp negative", craft(goodHeader, claimsJSON(map[string]any{"exp": -1}), good), token.ErrInvalidClaims},
		{"exp after year 9999", craft(goodHeader, claimsJSON(map[string]any{"exp": int64(253402300800)}), good), token.ErrInvalidClaims},
		{"exp huge", craft(goodHeader, claimsJSON(map[string]any{"exp": rawJSON("1e400")}), good), token.ErrInvalidClaims},
		{"exp boolean", craft(goodHeader, claimsJSON(map[string]any{"exp": true}), good), token.ErrInvalidClaims},
		{"iat missing", craft(goodHeader, claimsJSON(map[string]any{"iat": nil}), good), token.ErrInvalidClaims},
		{"auth_time missing", craft(goodHeader, claimsJSON(map[string]any{"auth_time": nil}), good), token.ErrInvalidClaims},
		{"sub missing", craft(goodHeader, claimsJSON(map[string]any{"sub": nil}), good), token.ErrInvalidClaims},
		{"sub empty", craft(goodHeader, claimsJSON(map[string]any{"sub": ""}), good), token.ErrInvalidClaims},
		{"sub number", craft(goodHeader, claimsJSON(map[string]any{"sub": 42}), good), token.ErrInvalidClaims},
		{"jti missing", craft(goodHeader, claimsJSON(map[string]any{"jti": nil}), good), token.ErrInvalidClaims},
		{"sid missing", craft(goodHeader, claimsJSON(map[string]any{"sid": nil}), good), token.ErrInvalidClaims},
		{"payload field wrong type", craft(goodHeader, claimsJSON(map[string]any{"roles": "admin"}), good), token.ErrInvalidClaims},
		{"Validate fails", craft(goodHeader, claimsJSON(map[string]any{"name": ""}), good), token.ErrInvalidClaims},
		{"aud present, none configured", craft(goodHeader, claimsJSON(map[string]any{"aud": "other"}), good), token.ErrAudience},
		{"aud wrong type", craft(goodHeader, claimsJSON(map[string]any{"aud": 1}), good), token.ErrInvalidClaims},
		{"payload array", craft(goodHeader, `[1,2]`, good), token.ErrInvalidClaims},
		{"payload null", craft(goodHeader, `null`, good), token.ErrInvalidClaims},
		{"payload string", craft(goodHeader, `"x"`, good), token.ErrInvalidClaims},
		{"payload empty", craft(goodHeader, ``, good), token.ErrInvalidClaims},
		{"payload bad JSON", craft(goodHeader, `{"sub":`, good), token.ErrMalformed},
		{"payload trailing data", craft(goodHeader, payload+`{}`, good), token.ErrMalformed},
		{"payload base64 with padding", h + "." + p + "==." + b64.EncodeToString(good([]byte(h+"."+p+"=="))), token.ErrMalformed},

		// Shape and size.
		{"empty", "", token.ErrMalformed},
		{"garbage", "not a token", token.ErrMalformed},
		{"one dot", "a.b", token.ErrMalformed},
		{"two dots only", "..", token.ErrMalformed},
		{"four segments", valid + ".x", token.ErrMalformed},
		{"five segments", "a.b.c.d.e", token.ErrMalformed},
		{"header not base64", "!!!." + p + "." + s, token.ErrMalformed},
		{"oversized", valid + strings.Repeat("A", 8193-len(valid)), token.ErrTooLarge},
		{"oversized garbage", strings.Repeat(".", 100000), token.ErrTooLarge},
	}
	runVerifyCases(t, newCodec(t, hostileKeys(t), newClock()), cases)
}

func TestVerifyIssuerAudience(t *testing.T) {
	good := hs256(secret(32, 1))
	c := newCodec(t, hostileKeys(t), newClock(), token.WithIssuer("https://keycard.test"), token.WithAudience("app", "api"))
	with := func(edit map[string]any) string {
		base := map[string]any{"iss": "https://keycard.test", "aud": "app"}
		maps.Copy(base, edit)
		return craft(goodHeader, claimsJSON(base), good)
	}
	runVerifyCases(t, c, []verifyCase{
		{"iss and aud right", with(nil), nil},
		{"aud array, one matches", with(map[string]any{"aud": []string{"other", "api"}}), nil},
		{"iss wrong", with(map[string]any{"iss": "https://evil.example"}), token.ErrIssuer},
		{"iss differs in case", with(map[string]any{"iss": "https://KEYCARD.test"}), token.ErrIssuer},
		{"iss missing", with(map[string]any{"iss": nil}), token.ErrIssuer},
		{"aud wrong", with(map[string]any{"aud": "other"}), token.ErrAudience},
		{"aud array, none matches", with(map[string]any{"aud": []string{"x", "y"}}), token.ErrAudience},
		{"aud empty array", with(map[string]any{"aud": []string{}}), token.ErrAudience},
		{"aud missing", with(map[string]any{"aud": nil}), token.ErrAudience},
		{"aud array of numbers", with(map[string]any{"aud": []int{1}}), token.ErrInvalidClaims},
	})
}

func TestVerifyLeeway(t *testing.T) {
	good := hs256(secret(32, 1))
	c := newCodec(t, hostileKeys(t), newClock(), token.WithLeeway(0))
	runVerifyCases(t, c, []verifyCase{
		{"exp now, no leeway", craft(goodHeader, claimsJSON(map[string]any{"exp": t0.Unix()}), good), token.ErrExpired},
		{"exp in a second", craft(goodHeader, claimsJSON(map[string]any{"exp": t0.Unix() + 1}), good), nil},
		{"nbf in a second", craft(goodHeader, claimsJSON(map[string]any{"nbf": t0.Unix() + 1}), good), token.ErrNotYetValid},
	})
}

func TestVerifyMaxTokenSize(t *testing.T) {
	clk := newClock()
	c := newCodec(t, hostileKeys(t), clk, token.WithMaxTokenSize(1000), token.WithMaxIssuedSize(1000))
	tok, _, err := c.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Verify(tok); err != nil {
		t.Fatalf("Verify(%d-byte token) = %v", len(tok), err)
	}
	if _, err := c.Verify(tok + strings.Repeat("A", 1001-len(tok))); !errors.Is(err, token.ErrTooLarge) {
		t.Errorf("Verify(1001 bytes) = %v, want ErrTooLarge", err)
	}
}

// TestVerifyIssuedTokenTampering flips every byte of a real token.
func TestVerifyIssuedTokenTampering(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			c := newCodec(t, mustKeySet(t, fixedKey(t, alg)), newClock())
			tok, _, err := c.Issue("u", aliceSession())
			if err != nil {
				t.Fatal(err)
			}
			for i := range len(tok) {
				if tok[i] == '.' {
					continue
				}
				bad := tok[:i] + nextB64(tok[i:i+1]) + tok[i+1:]
				if cl, err := c.Verify(bad); err == nil {
					t.Fatalf("byte %d changed: Verify accepted it (%+v)", i, cl)
				}
			}
		})
	}
}

func TestVerifyEncryptedHostile(t *testing.T) {
	clk := newClock()
	ek := mustEncKey(t, "enc-1", 7)
	ks := hostileKeys(t)
	c := newCodec(t, ks, clk, token.WithEncryption(ek))
	plain := newCodec(t, ks, clk)

	bare, _, err := plain.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	valid, _, err := c.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	key := secret(32, 7)
	std := `{"alg":"dir","enc":"A256GCM","kid":"enc-1","cty":"JWT"}`
	noneJWS := craft(`{"alg":"none","kid":"HS256-1"}`, claimsJSON(nil), nil)
	p := strings.Split(valid, ".")

	runVerifyCases(t, c, []verifyCase{
		{"issued", valid, nil},
		{"hand-sealed", sealJWE(std, key, []byte(bare)), nil},
		{"hand-sealed without cty", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), nil},
		{"bare JWS", bare, token.ErrDecrypt},
		{"alg none inside", sealJWE(std, key, []byte(noneJWS)), token.ErrAlgorithm},
		{"JWE inside", sealJWE(std, key, []byte(valid)), token.ErrMalformed},
		{"garbage inside", sealJWE(std, key, []byte("garbage")), token.ErrMalformed},
		{"PBES2", sealJWE(`{"alg":"PBES2-HS256+A128KW","enc":"A256GCM","kid":"enc-1","p2c":100000000,"p2s":"c2FsdHNhbHQ"}`, key, []byte(bare)), token.ErrMalformed},
		{"PBES2 without parameters", sealJWE(`{"alg":"PBES2-HS256+A128KW","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), token.ErrAlgorithm},
		{"alg A256KW", sealJWE(`{"alg":"A256KW","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), token.ErrAlgorithm},
		{"enc A128GCM", sealJWE(`{"alg":"dir","enc":"A128GCM","kid":"enc-1"}`, key[:16], []byte(bare)), token.ErrAlgorithm},
		{"zip", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1","zip":"DEF"}`, key, []byte(bare)), token.ErrMalformed},
		{"crit", sealJWE(`{"alg":"dir","crit":["x"],"enc":"A256GCM","kid":"enc-1","x":1}`, key, []byte(bare)), token.ErrMalformed},
		{"jku", sealJWE(`{"alg":"dir","enc":"A256GCM","jku":"https://evil.example","kid":"enc-1"}`, key, []byte(bare)), token.ErrMalformed},
		{"cty other", sealJWE(`{"alg":"dir","cty":"json","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), token.ErrMalformed},
		{"kid unknown", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"evil"}`, key, []byte(bare)), token.ErrDecrypt},
		{"kid missing", sealJWE(`{"alg":"dir","enc":"A256GCM"}`, key, []byte(bare)), token.ErrDecrypt},
		{"wrong key", sealJWE(std, secret(32, 8), []byte(bare)), token.ErrDecrypt},
		{"encrypted key not empty", p[0] + ".AAAA." + p[2] + "." + p[3] + "." + p[4], token.ErrMalformed},
		{"ciphertext changed", p[0] + ".." + p[2] + "." + flip(p[3]) + "." + p[4], token.ErrDecrypt},
		{"tag changed", p[0] + ".." + p[2] + "." + p[3] + "." + flip(p[4]), token.ErrDecrypt},
		{"header changed", b64.EncodeToString([]byte(`{"alg":"dir","enc":"A256GCM","kid":"enc-1"}`)) + ".." + p[2] + "." + p[3] + "." + p[4], token.ErrDecrypt},
		{"std base64 alphabet", valid[:len(valid)-2] + "+/", token.ErrMalformed},
		{"header bad JSON", b64.EncodeToString([]byte(`{"alg"`)) + ".." + p[2] + "." + p[3] + "." + p[4], token.ErrMalformed},
		{"header trailing data", b64.EncodeToString([]byte(std+`{}`)) + ".." + p[2] + "." + p[3] + "." + p[4], token.ErrMalformed},
		{"six segments", valid + ".x", token.ErrMalformed},
		{"garbage", "garbage", token.ErrMalformed},
		{"oversized", valid + strings.Repeat("A", 8193-len(valid)), token.ErrTooLarge},
	})
}

// sealJWE builds a compact JWE with the given protected header, encrypting
// plaintext with AES-GCM under key (the "dir" construction), fixed IV.
func sealJWE(header string, key, plaintext []byte) string {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	h := b64.EncodeToString([]byte(header))
	iv := make([]byte, gcm.NonceSize())
	sealed := gcm.Seal(nil, iv, plaintext, []byte(h))
	ct, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	return h + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(ct) + "." + b64.EncodeToString(tag)
}

func parts(tok string) (h, p, s string) {
	x := strings.Split(tok, ".")
	return x[0], x[1], x[2]
}

// flip changes the first character of a base64url string.
func flip(s string) string { return nextB64(s[:1]) + s[1:] }

// nextB64 returns a different base64url character than c.
func nextB64(c string) string {
	if c == "A" {
		return "B"
	}
	return "A"
}

func rawEd25519Public(t testing.TB) []byte {
	t.Helper()
	pub, err := x509.ParsePKIXPublicKey(mustBlock(t, readFile(t, "ed25519.pub.pem")))
	if err != nil {
		t.Fatal(err)
	}
	return pub.(ed25519.PublicKey)
}

// dirtyTail sets the unused low bits of the last character of an unpadded
// base64url string whose length is 2 mod 4 or 3 mod 4, so it decodes to the
// same bytes in a non-canonical encoding.
func dirtyTail(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i|1])
}
