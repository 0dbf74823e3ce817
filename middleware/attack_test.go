package middleware_test

// The attack corpus: hostile tokens, headers, cookies, login bodies and redirect targets, sent
// through the public HTTP surface (RequireSession, LoadSession, LoginHandler, LogoutHandler).
// Every case must be refused without a 5xx or a panic, and the captured log must hold no token,
// cookie value, password or key. SECURITY.md lists which test backs which claim.

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// TestAttackNestedSessionsDoNotShareState: two Sessions of the same payload type (a site-wide
// LoadSession for users, a RequireSession with its own key and cookie for an admin area) must
// not share what they found. Before the fix, the admin RequireSession reused the state the
// user LoadSession had put in the context and let a user cookie into the admin area.
func TestAttackNestedSessionsDoNotShareState(t *testing.T) {
	users := newFixture(t)
	adminKey, err := token.NewHMACKey("admin-1", token.HS256, []byte("admin-secret-0123456789abcdefghij"))
	if err != nil {
		t.Fatal(err)
	}
	adminKeys, _ := token.NewKeySet(adminKey)
	adminCodec, err := token.New[User](adminKeys, token.WithClock(users.clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := middleware.New(adminCodec, middleware.WithCookieName("__Host-admin"))
	if err != nil {
		t.Fatal(err)
	}
	userToken, _ := users.issue(t)
	adminToken, _, err := adminCodec.Issue("root", User{Email: "root@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	h := users.sessions.LoadSession(admin.RequireSession(protected))
	tests := []struct {
		name   string
		cookie string
		status int
		body   string
	}{
		{"user cookie in the admin area", cookieHeader(userToken), 401, ""},
		{"user token under the admin cookie name", "__Host-admin=" + userToken, 401, ""},
		{"admin cookie", "__Host-admin=" + adminToken, 200, "hello root@example.com"},
		{"both cookies: the inner middleware's claims win", cookieHeader(userToken) + "; __Host-admin=" + adminToken, 200, "hello root@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/admin/", nil)
			req.Header.Set("Cookie", tt.cookie)
			rec := serve(h, req)
			if rec.Code != tt.status || (tt.body != "" && rec.Body.String() != tt.body) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
	// Current of the admin Sessions, inside the user LoadSession only, verifies for itself.
	inner := users.sessions.LoadSession(protectedBy(admin))
	req := httptest.NewRequest("GET", "/admin/", nil)
	req.Header.Set("Cookie", cookieHeader(userToken))
	if rec := serve(inner, req); rec.Code != 401 {
		t.Errorf("admin.Current inside users.LoadSession: got %d %q, want 401", rec.Code, rec.Body)
	}
}

// samAuth accepts one account, sam@example.com, looked up case-insensitively with
// strings.EqualFold as many Go applications do, with the password demoPassword.
func samAuth(_ context.Context, id string, pw []byte) (token.Subject, User, error) {
	if strings.EqualFold(id, "sam@example.com") && string(pw) == demoPassword {
		return "user-2", User{Email: "sam@example.com"}, nil
	}
	return "", User{}, middleware.ErrBadCredentials
}

// TestAttackThrottleVariants: the login throttle must not be reset by spelling the account
// differently or by moving to another address of the same IPv6 /64. Before the fix the key was
// strings.ToLower(identifier) and the full client address: "ſam@example.com" (U+017F, equal to
// "sam" under strings.EqualFold), fullwidth letters, a zero width space and every address of an
// IPv6 /64 each got a fresh allowance of guesses.
func TestAttackThrottleVariants(t *testing.T) {
	tests := []struct {
		name     string
		attempts [][2]string // identifier, RemoteAddr; the last one must be throttled
	}{
		{"case and Unicode spellings", [][2]string{
			{"sam@example.com", "192.0.2.1:1"},
			{"SAM@EXAMPLE.COM", "192.0.2.1:2"},
			{"ſam@example.com", "192.0.2.1:3"},       // U+017F LATIN SMALL LETTER LONG S
			{"ｓａｍ@ｅｘａｍｐｌｅ.ｃｏｍ", "192.0.2.1:4"},       // fullwidth
			{"s\u200bam@example.com", "192.0.2.1:5"}, // zero width space
			{"sa\u0301m@example.com", "192.0.2.1:6"}, // combining acute accent
		}},
		{"spellings that only upper-casing merges", [][2]string{
			// An application that normalises with strings.ToUpper reads all of these as
			// "ALICE.SMITH@EXAMPLE.COM"; each dotless i (U+0131) used to double the allowance.
			{"alice.smith@example.com", "192.0.2.1:1"},
			{"alıce.smith@example.com", "192.0.2.1:2"},
			{"alice.smıth@example.com", "192.0.2.1:3"},
			{"alıce.smıth@example.com", "192.0.2.1:4"},
			{"ALİCE.SMITH@EXAMPLE.COM", "192.0.2.1:5"}, // U+0130, lower-cases to "i"
		}},
		{"addresses of one IPv6 /64", [][2]string{
			{"sam@example.com", "[2001:db8:0:1::1]:443"},
			{"sam@example.com", "[2001:db8:0:1::2]:443"},
			{"sam@example.com", "[2001:db8:0:1:ffff:ffff:ffff:ffff]:443"},
			{"sam@example.com", "[2001:db8:0:1:1234::%eth0]:443"},
		}},
		{"IPv4-mapped IPv6", [][2]string{
			{"sam@example.com", "192.0.2.9:1"},
			{"sam@example.com", "[::ffff:192.0.2.9]:2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			limiter := middleware.NewMemoryLimiter(len(tt.attempts)-1, 10*time.Minute, clk.Now)
			s, err := middleware.New(newCodec(t, clk), middleware.WithLimiter(limiter))
			if err != nil {
				t.Fatal(err)
			}
			h := s.LoginHandler(samAuth)
			for i, a := range tt.attempts {
				req := jsonLogin(`{"email":` + strconv.Quote(a[0]) + `,"password":"wrong wrong"}`)
				req.RemoteAddr = a[1]
				rec := serve(h, req)
				want := 401
				if i == len(tt.attempts)-1 {
					want = 429
				}
				if rec.Code != want {
					t.Fatalf("attempt %d (%q from %s): got %d, want %d", i+1, a[0], a[1], rec.Code, want)
				}
			}
			// Another /64 and another account are counted apart.
			for _, a := range [][2]string{{"sam@example.com", "[2001:db8:0:2::1]:1"}, {"kate@example.com", "192.0.2.1:1"}} {
				req := jsonLogin(`{"email":` + strconv.Quote(a[0]) + `,"password":"wrong wrong"}`)
				req.RemoteAddr = a[1]
				if rec := serve(h, req); rec.Code != 401 {
					t.Errorf("%q from %s: got %d, want 401", a[0], a[1], rec.Code)
				}
			}
		})
	}
}

// asymmetricFixture is a fixture whose only key is a fresh asymmetric key for alg, with the
// public key as an attacker would find it (PEM, DER and raw bytes).
func asymmetricFixture(t *testing.T, alg token.Algorithm) (f *fixture, kid string, public [][]byte) {
	t.Helper()
	var priv crypto.Signer
	var raw []byte
	switch alg {
	case token.EdDSA:
		pub, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, raw = k, pub
	case token.ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := k.PublicKey.ECDH()
		priv, raw = k, pub.Bytes()
	case token.RS256:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		priv, raw = k, k.N.Bytes()
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	kid = strings.ToLower(string(alg)) + "-1"
	key, err := token.ParsePEM(kid, alg, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	f = fixtureFor(t, func(clk *clock) *token.Codec[User] {
		ks, err := token.NewKeySet(key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := token.New[User](ks, token.WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
	return f, kid, [][]byte{pubPEM, bytes.TrimSpace(pubPEM), pubDER, raw}
}

// TestAttackAlgorithm: unsigned tokens, stripped signatures, HMAC keyed with the public key
// (key confusion), an algorithm other than the key's, and an all-zero ECDSA signature.
func TestAttackAlgorithm(t *testing.T) {
	f := newFixture(t)
	valid, _ := f.issue(t)
	h, p, _ := strings.Cut(valid, ".")
	p, _, _ = strings.Cut(p, ".")
	payload := claimsAt(start, nil)
	var cases []hostileCase
	for _, none := range []string{"none", "None", "NONE", "nOnE"} {
		for _, hdr := range []string{
			`{"alg":"` + none + `"}`,
			`{"alg":"` + none + `","kid":"k1","typ":"JWT"}`,
		} {
			cases = append(cases,
				hostileCase{"alg " + hdr + " unsigned", craft(hdr, payload, nil), token.ErrAlgorithm},
				hostileCase{"alg " + hdr + " with a signature", craft(hdr, payload, testSecret), token.ErrAlgorithm},
				hostileCase{"alg " + hdr + " without the last dot", strings.TrimSuffix(craft(hdr, payload, nil), "."), token.ErrMalformed},
			)
		}
	}
	cases = append(cases,
		hostileCase{"signature stripped", h + "." + p + ".", token.ErrSignature},
		hostileCase{"signature segment removed", h + "." + p, token.ErrMalformed},
		hostileCase{"signature of another token", h + "." + p + "." + b64.EncodeToString(make([]byte, 32)), token.ErrSignature},
		hostileCase{"HS512 with the right secret", func() string {
			input := b64.EncodeToString([]byte(`{"alg":"HS512","kid":"k1","typ":"JWT"}`)) + "." + b64.EncodeToString([]byte(payload))
			m := hmac.New(sha512.New, testSecret)
			m.Write([]byte(input))
			return input + "." + b64.EncodeToString(m.Sum(nil))
		}(), token.ErrAlgorithm},
		hostileCase{"HS384 with the right secret", func() string {
			input := b64.EncodeToString([]byte(`{"alg":"HS384","kid":"k1","typ":"JWT"}`)) + "." + b64.EncodeToString([]byte(payload))
			m := hmac.New(sha512.New384, testSecret)
			m.Write([]byte(input))
			return input + "." + b64.EncodeToString(m.Sum(nil))
		}(), token.ErrAlgorithm},
	)
	refuse(t, f, cases)
	noSecrets(t, f.logs.String(), valid, p, string(testSecret))

	for _, alg := range []token.Algorithm{token.EdDSA, token.ES256, token.RS256} {
		t.Run("key confusion "+string(alg), func(t *testing.T) {
			f, kid, public := asymmetricFixture(t, alg)
			valid, _, err := f.codec.Issue("user-1", alice)
			if err != nil {
				t.Fatal(err)
			}
			var cases []hostileCase
			for i, pub := range public {
				for _, hdr := range []string{
					`{"alg":"HS256","kid":"` + kid + `","typ":"JWT"}`,
					`{"alg":"HS256","kid":"` + kid + `"}`,
					`{"alg":"HS256","typ":"JWT"}`,
				} {
					cases = append(cases, hostileCase{fmt.Sprintf("HS256 keyed with public form %d, header %s", i, hdr), craft(hdr, payload, pub), nil})
				}
			}
			for i := range cases {
				cases[i].want = token.ErrAlgorithm
				if !strings.Contains(cases[i].name, `"kid"`) {
					cases[i].want = token.ErrUnknownKey
				}
			}
			ownHeader, _, _ := strings.Cut(valid, ".")
			input := ownHeader + "." + b64.EncodeToString([]byte(payload))
			switch alg {
			case token.ES256:
				n := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
				cases = append(cases,
					hostileCase{"ES256 r = s = 0 (CVE-2022-21449)", input + "." + b64.EncodeToString(make([]byte, 64)), token.ErrSignature},
					hostileCase{"ES256 r = s = n", input + "." + b64.EncodeToString(append(n, n...)), token.ErrSignature},
					hostileCase{"ES256 DER-encoded zero signature", input + "." + b64.EncodeToString([]byte{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00}), token.ErrSignature},
				)
			case token.EdDSA:
				cases = append(cases, hostileCase{"EdDSA all-zero signature", input + "." + b64.EncodeToString(make([]byte, 64)), token.ErrSignature})
			case token.RS256:
				cases = append(cases, hostileCase{"RS256 all-zero signature", input + "." + b64.EncodeToString(make([]byte, 256)), token.ErrSignature})
			}
			refuse(t, f, cases)
			for _, pub := range public {
				noSecrets(t, f.logs.String(), string(pub), b64.EncodeToString(pub))
			}
		})
	}
}

// TestAttackHeaders: header parameters that make naive verifiers trust the token's own key,
// fetch keys from a URL, skip parts of the signature or recurse into another token. Each token
// is signed with the right secret, so only the header can make it fail. No header may make the
// verifier connect anywhere: jku and x5u point at a loopback listener that counts connections.
func TestAttackHeaders(t *testing.T) {
	f := newFixture(t)
	ln := newLoopbackListener(t)
	payload := claimsAt(start, nil)
	valid, _ := f.issue(t)
	attackerJWK := `{"kty":"oct","k":"` + b64.EncodeToString([]byte("attacker-secret-0123456789abcdef")) + `"}`
	// A certificate-shaped x5c entry: verifiers that trust x5c never get as far as parsing it.
	x5c := `["` + base64.StdEncoding.EncodeToString([]byte("not really a certificate")) + `"]`
	hdr := func(extra string) string { return `{"alg":"HS256","kid":"k1","typ":"JWT",` + extra + `}` }
	cases := []hostileCase{
		{"kid path traversal", craft(`{"alg":"HS256","kid":"../../../../etc/passwd","typ":"JWT"}`, payload, testSecret), token.ErrUnknownKey},
		{"kid path traversal to /dev/null", craft(`{"alg":"HS256","kid":"../../../../../../dev/null","typ":"JWT"}`, payload, nil), token.ErrUnknownKey},
		{"kid SQL injection", craft(`{"alg":"HS256","kid":"k1' OR '1'='1","typ":"JWT"}`, payload, testSecret), token.ErrUnknownKey},
		{"kid SQL union", craft(`{"alg":"HS256","kid":"x' UNION SELECT 'attacker-secret'--","typ":"JWT"}`, payload, []byte("attacker-secret")), token.ErrUnknownKey},
		{"kid URL", craft(`{"alg":"HS256","kid":"`+ln.URL+`/key","typ":"JWT"}`, payload, testSecret), token.ErrUnknownKey},
		{"kid very long", craft(`{"alg":"HS256","kid":"`+strings.Repeat("k", 3000)+`","typ":"JWT"}`, payload, testSecret), token.ErrUnknownKey},
		{"kid NUL", craft(`{"alg":"HS256","kid":"k1\u0000","typ":"JWT"}`, payload, testSecret), token.ErrUnknownKey},
		{"kid number", craft(`{"alg":"HS256","kid":1,"typ":"JWT"}`, payload, testSecret), token.ErrMalformed},
		{"kid missing", craft(`{"alg":"HS256","typ":"JWT"}`, payload, testSecret), token.ErrUnknownKey},
		{"embedded jwk with the attacker's key", craft(hdr(`"jwk":`+attackerJWK), payload, []byte("attacker-secret-0123456789abcdef")), token.ErrMalformed},
		{"embedded jwk, kid unknown", craft(`{"alg":"HS256","kid":"attacker","jwk":`+attackerJWK+`}`, payload, []byte("attacker-secret-0123456789abcdef")), token.ErrMalformed},
		{"jku at loopback", craft(hdr(`"jku":"`+ln.URL+`/jwks.json"`), payload, testSecret), token.ErrMalformed},
		{"jku at loopback, kid unknown", craft(`{"alg":"HS256","jku":"`+ln.URL+`/jwks.json","kid":"attacker"}`, payload, nil), token.ErrMalformed},
		{"x5u at loopback", craft(hdr(`"x5u":"`+ln.URL+`/cert.pem"`), payload, testSecret), token.ErrMalformed},
		{"x5c", craft(hdr(`"x5c":`+x5c), payload, testSecret), token.ErrMalformed},
		{"x5t", craft(hdr(`"x5t":"AAAA"`), payload, testSecret), token.ErrMalformed},
		{"unknown crit", craft(hdr(`"crit":["exp-check"],"exp-check":false`), payload, testSecret), token.ErrMalformed},
		{"crit b64", craft(hdr(`"crit":["b64"],"b64":false`), payload, testSecret), token.ErrMalformed},
		{"b64 false, unencoded payload", func() string {
			h := b64.EncodeToString([]byte(hdr(`"b64":false,"crit":["b64"]`)))
			m := hmac.New(sha256.New, testSecret)
			m.Write([]byte(h + "." + payload))
			return h + "." + payload + "." + b64.EncodeToString(m.Sum(nil))
		}(), token.ErrMalformed},
		{"cty JWT with a nested token", craft(hdr(`"cty":"JWT"`), valid, testSecret), token.ErrMalformed},
		{"typ JWT, payload a nested token", craft(keycardHeader, valid, testSecret), token.ErrInvalidClaims},
		{"typ other", craft(`{"alg":"HS256","kid":"k1","typ":"at+jwt"}`, payload, testSecret), token.ErrMalformed},
		{"typ missing", craft(`{"alg":"HS256","kid":"k1"}`, payload, testSecret), token.ErrMalformed},
		{"zip in a JWS", craft(hdr(`"zip":"DEF"`), payload, testSecret), token.ErrMalformed},
		{"duplicate alg", craft(`{"alg":"none","alg":"HS256","kid":"k1","typ":"JWT"}`, payload, testSecret), token.ErrMalformed},
		{"duplicate kid", craft(`{"alg":"HS256","kid":"attacker","kid":"k1","typ":"JWT"}`, payload, testSecret), token.ErrMalformed},
		{"names in upper case", craft(`{"ALG":"HS256","KID":"k1","TYP":"JWT"}`, payload, testSecret), token.ErrMalformed},
		{"spaces in the header", craft(`{"alg": "HS256", "kid": "k1", "typ": "JWT"}`, payload, testSecret), token.ErrMalformed},
		{"parameters reordered", craft(`{"kid":"k1","alg":"HS256","typ":"JWT"}`, payload, testSecret), token.ErrMalformed},
		{"header not an object", craft(`["HS256","k1"]`, payload, testSecret), token.ErrMalformed},
		{"header null", craft(`null`, payload, testSecret), token.ErrMalformed},
	}
	// The counter works: one connection of our own is counted.
	if c, err := net.Dial("tcp", strings.TrimPrefix(ln.URL, "http://")); err == nil {
		_ = c.Close()
	}
	if n := ln.accepted(t); n != 1 {
		t.Fatalf("listener self-check: counted %d connections, want 1", n)
	}
	refuse(t, f, cases)
	if n := ln.accepted(t); n != 0 {
		t.Errorf("verification made %d connections to the URL in jku/x5u/kid", n)
	}
	noSecrets(t, f.logs.String(), string(testSecret), "attacker-secret", valid)
}

// TestAttackFormat: malformed compact serializations, and a JWE where a JWS is expected and the
// reverse, with the JWE-specific attacks (compression bomb, PBES2 with a huge iteration count,
// unknown enc).
func TestAttackFormat(t *testing.T) {
	encKey := []byte("keycard-test-encryption-key-0032")
	ek, err := token.NewEncryptionKey("e1", encKey)
	if err != nil {
		t.Fatal(err)
	}
	plain := newFixture(t)
	enc := fixtureFor(t, func(clk *clock) *token.Codec[User] {
		return newCodec(t, clk, token.WithEncryption(ek))
	})
	jws, _ := plain.issue(t)
	jwe, _ := enc.issue(t)
	h, rest, _ := strings.Cut(jws, ".")
	p, s, _ := strings.Cut(rest, ".")
	// A payload of 1 MiB of zeros deflates to about 1 KiB: a bomb for anyone who inflates first.
	var bomb bytes.Buffer
	zw, _ := flate.NewWriter(&bomb, flate.BestCompression)
	_, _ = zw.Write(make([]byte, 1<<20))
	_ = zw.Close()

	refuse(t, plain, []hostileCase{
		{"one segment", h, token.ErrMalformed},
		{"two segments", h + "." + p, token.ErrMalformed},
		{"four segments", jws + "." + s, token.ErrMalformed},
		{"six segments", jws + ".a.b.c", token.ErrMalformed},
		{"empty value", "", token.ErrMalformed},
		{"dots only", "..", token.ErrMalformed},
		{"four dots", "....", token.ErrMalformed},
		{"empty header", "." + p + "." + s, token.ErrMalformed},
		{"empty payload", h + ".." + s, token.ErrSignature},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(jws) + "+/", token.ErrMalformed},
		{"non-base64url character", h + "." + p[:10] + "*" + p[11:] + "." + s, token.ErrSignature},
		{"non-base64url in the signature", h + "." + p + "." + s[:10] + "!" + s[11:], token.ErrMalformed},
		{"padding", h + "." + p + "." + s + "=", token.ErrMalformed},
		{"padded header", h + "==." + p + "." + s, token.ErrMalformed},
		{"space inside", h + "." + p[:8] + " " + p[8:] + "." + s, token.ErrSignature},
		{"tab inside", h + ".\t" + p + "." + s, token.ErrSignature},
		{"newline inside the signature", h + "." + p + "." + s[:8] + "\n" + s[8:], token.ErrMalformed},
		{"percent-encoded dots", strings.ReplaceAll(jws, ".", "%2E"), token.ErrMalformed},
		{"quoted", `"` + jws + `"`, token.ErrMalformed},
		{"non-canonical trailing bits", h + "." + p + "." + s[:len(s)-1] + string(s[len(s)-1]^1), token.ErrMalformed},
		{"JWE where a JWS is expected", jwe, token.ErrMalformed},
		{"unicode", "ｅｙＪ.ｅｙＪ.ｘ", token.ErrMalformed},
	})

	other := sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"e1"}`, encKey, []byte(jws))
	if _, err := enc.codec.Verify(other); err != nil {
		t.Fatalf("control: a hand-sealed JWE does not verify: %v", err)
	}
	refuse(t, enc, []hostileCase{
		{"JWS where a JWE is expected", jws, token.ErrDecrypt},
		{"JWE zip DEF (compression bomb)", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"e1","zip":"DEF"}`, encKey, bomb.Bytes()), token.ErrMalformed},
		{"JWE PBES2 with a huge p2c", sealJWE(`{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","kid":"e1","p2c":2147483647,"p2s":"AAAAAAAAAAAAAAAAAAAAAA"}`, encKey, []byte(jws)), token.ErrMalformed},
		{"JWE PBES2 alone", sealJWE(`{"alg":"PBES2-HS256+A128KW","enc":"A256GCM","kid":"e1"}`, encKey, []byte(jws)), token.ErrAlgorithm},
		{"JWE unknown enc", sealJWE(`{"alg":"dir","enc":"A512GCM","kid":"e1"}`, encKey, []byte(jws)), token.ErrAlgorithm},
		{"JWE enc none", sealJWE(`{"alg":"dir","enc":"none","kid":"e1"}`, encKey, []byte(jws)), token.ErrAlgorithm},
		{"JWE alg none", sealJWE(`{"alg":"none","enc":"A256GCM","kid":"e1"}`, encKey, []byte(jws)), token.ErrAlgorithm},
		{"JWE ECDH-ES with an epk", sealJWE(`{"alg":"ECDH-ES","enc":"A256GCM","epk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},"kid":"e1"}`, encKey, []byte(jws)), token.ErrMalformed},
		{"JWE case-variant enc", sealJWE(`{"alg":"dir","enc":"A128CBC-HS256","ENC":"A256GCM","kid":"e1"}`, encKey, []byte(jws)), token.ErrMalformed},
		{"JWE jku at a URL", sealJWE(`{"alg":"dir","enc":"A256GCM","jku":"http://127.0.0.1:1/","kid":"e1"}`, encKey, []byte(jws)), token.ErrMalformed},
		{"JWE with a JWE inside", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"e1"}`, encKey, []byte(jwe)), token.ErrMalformed},
		{"JWE with an unsigned JWS inside", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"e1"}`, encKey, []byte(craft(`{"alg":"none"}`, claimsAt(start, nil), nil))), token.ErrAlgorithm},
		{"JWE under another key", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"e1"}`, []byte("another-encryption-key-000000032"), []byte(jws)), token.ErrDecrypt},
		{"JWE with an encrypted key", strings.Replace(jwe, "..", ".AAAA.", 1), token.ErrMalformed},
		{"JWE four segments", jwe[:strings.LastIndexByte(jwe, '.')], token.ErrMalformed},
		{"JWE padding", jwe + "=", token.ErrMalformed},
	})
	noSecrets(t, plain.logs.String()+enc.logs.String(), jws, jwe, p, s, string(testSecret), string(encKey))
}

// TestAttackClaims: payloads behind a VALID signature (keycard's own header, the fixture's
// secret), so that each is refused for its claim and not for the signature.
func TestAttackClaims(t *testing.T) {
	f := newFixture(t)
	// The crafted header must be the one keycard writes, or every case below would fail on the
	// header instead of the claim.
	issued, _ := f.issue(t)
	if h, _, _ := strings.Cut(issued, "."); h != b64.EncodeToString([]byte(keycardHeader)) {
		t.Fatalf("keycard's header is not %s any more", keycardHeader)
	}
	if _, err := f.codec.Verify(signed(claimsAt(start, nil))); err != nil {
		t.Fatalf("control: the crafted payload does not verify: %v", err)
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	at := func(edit map[string]any) string { return signed(claimsAt(start, edit)) }
	hour := start.Add(time.Hour).Unix()
	deep := strings.Repeat(`[`, 2500) + strings.Repeat("]", 2500)
	cases := []hostileCase{
		{"exp missing", at(map[string]any{"exp": nil}), token.ErrInvalidClaims},
		{"exp in the past", at(map[string]any{"exp": start.Add(-time.Minute).Unix()}), token.ErrExpired},
		{"exp now", at(map[string]any{"exp": start.Unix() - 5}), token.ErrExpired},
		{"exp as a string", at(map[string]any{"exp": strconv.FormatInt(hour, 10)}), token.ErrInvalidClaims},
		{"exp as a float in the past", at(map[string]any{"exp": float64(start.Unix()) - 0.5 - 5}), token.ErrExpired},
		{"exp huge", at(map[string]any{"exp": raw("99999999999999999999999999")}), token.ErrInvalidClaims},
		{"exp 1e999", at(map[string]any{"exp": raw("1e999")}), token.ErrInvalidClaims},
		{"exp max int64", at(map[string]any{"exp": raw("9223372036854775807")}), token.ErrInvalidClaims},
		{"exp negative", at(map[string]any{"exp": -1}), token.ErrInvalidClaims},
		{"exp negative zero", at(map[string]any{"exp": raw("-0")}), token.ErrInvalidClaims},
		{"exp null", at(map[string]any{"exp": raw("null")}), token.ErrInvalidClaims},
		{"exp true", at(map[string]any{"exp": true}), token.ErrInvalidClaims},
		{"exp array", at(map[string]any{"exp": []int64{hour}}), token.ErrInvalidClaims},
		{"exp object", at(map[string]any{"exp": map[string]int64{"$gt": 0}}), token.ErrInvalidClaims},
		{"nbf in the future", at(map[string]any{"nbf": start.Add(time.Minute).Unix()}), token.ErrNotYetValid},
		{"iat in the future", at(map[string]any{"iat": start.Add(time.Minute).Unix()}), token.ErrNotYetValid},
		{"auth_time in the future", at(map[string]any{"auth_time": start.Add(time.Minute).Unix()}), token.ErrNotYetValid},
		{"iat missing", at(map[string]any{"iat": nil}), token.ErrInvalidClaims},
		{"auth_time missing", at(map[string]any{"auth_time": nil}), token.ErrInvalidClaims},
		{"auth_time past the absolute lifetime", at(map[string]any{"auth_time": start.Add(-8 * 24 * time.Hour).Unix()}), middleware.ErrSessionEnded},
		{"iss where none is configured is fine, aud is not", at(map[string]any{"iss": "https://evil.example", "aud": "other-app"}), token.ErrAudience},
		{"aud array", at(map[string]any{"aud": []string{"a", "b"}}), token.ErrAudience},
		{"aud number", at(map[string]any{"aud": 1}), token.ErrInvalidClaims},
		{"sub missing", at(map[string]any{"sub": nil}), token.ErrInvalidClaims},
		{"sub empty", at(map[string]any{"sub": ""}), token.ErrInvalidClaims},
		{"sub number", at(map[string]any{"sub": 1}), token.ErrInvalidClaims},
		{"sid missing", at(map[string]any{"sid": nil}), token.ErrInvalidClaims},
		{"jti missing", at(map[string]any{"jti": nil}), token.ErrInvalidClaims},
		{"email of the wrong type", at(map[string]any{"email": []string{"a"}}), token.ErrInvalidClaims},
		{"duplicate exp, the last one expired", signed(strings.Replace(claimsAt(start, nil), `"exp":`, `"exp":`+strconv.FormatInt(hour, 10)+`,"exp":`+strconv.FormatInt(start.Add(-time.Hour).Unix(), 10)+`,"x":`, 1)), token.ErrExpired},
		{"payload not JSON", signed("not json"), token.ErrInvalidClaims},
		{"payload an array", signed(`[` + claimsAt(start, nil) + `]`), token.ErrInvalidClaims},
		{"payload a string", signed(`"` + claimsAt(start, nil) + `"`), token.ErrInvalidClaims},
		{"payload null", signed(`null`), token.ErrInvalidClaims},
		{"payload empty", signed(``), token.ErrInvalidClaims},
		{"payload with leading space", signed(` ` + claimsAt(start, nil)), token.ErrInvalidClaims},
		{"payload with trailing data", signed(claimsAt(start, nil) + `{}`), token.ErrMalformed},
		{"payload truncated", signed(strings.TrimSuffix(claimsAt(start, nil), "}")), token.ErrMalformed},
		{"deep nesting in a claim", at(map[string]any{"email": raw(deep)}), token.ErrInvalidClaims},
		{"deep nesting in an unknown claim, exp missing", at(map[string]any{"x": raw(deep), "exp": nil}), token.ErrInvalidClaims},
	}
	refuse(t, f, cases)

	// With an issuer and an audience configured, both are required and must match.
	strict := fixtureFor(t, func(clk *clock) *token.Codec[User] {
		return newCodec(t, clk, token.WithIssuer("https://app.example"), token.WithAudience("app"))
	})
	refuse(t, strict, []hostileCase{
		{"iss missing", at(map[string]any{"aud": "app"}), token.ErrIssuer},
		{"iss wrong", at(map[string]any{"iss": "https://evil.example", "aud": "app"}), token.ErrIssuer},
		{"iss differs in case", at(map[string]any{"iss": "https://APP.example", "aud": "app"}), token.ErrIssuer},
		{"aud missing", at(map[string]any{"iss": "https://app.example"}), token.ErrAudience},
		{"aud wrong", at(map[string]any{"iss": "https://app.example", "aud": "evil"}), token.ErrAudience},
		{"aud empty array", at(map[string]any{"iss": "https://app.example", "aud": []string{}}), token.ErrAudience},
	})

	// Claims that are odd but harmless verify, and reach the application unchanged: the
	// application must not take sub for anything but an opaque string.
	for _, sub := range []string{"user-1\u0000admin", "\u0075ser-1", "user-1\u202e", "ａｄｍｉｎ"} {
		tok := at(map[string]any{"sub": sub})
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(tok))
		c, err := f.sessions.Current(req)
		if err != nil || string(c.Subject) != sub {
			t.Errorf("sub %q: got %v %v, want it verbatim", sub, c, err)
		}
	}
	// A sub written with unicode escapes is the same string as the plain one.
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(signed(strings.Replace(claimsAt(start, nil), `"sub":"user-1"`, `"sub":"\u0075ser\u002d1"`, 1))))
	if c, err := f.sessions.Current(req); err != nil || c.Subject != "user-1" {
		t.Errorf("escaped sub: got %v %v, want user-1", c, err)
	}
	noSecrets(t, f.logs.String()+strict.logs.String(), string(testSecret), b64.EncodeToString([]byte(claimsAt(start, nil))))
}

// TestAttackCookieSize: oversized cookies are refused before any decoding, without a 5xx.
func TestAttackCookieSize(t *testing.T) {
	f := newFixture(t)
	valid, _ := f.issue(t)
	var cases []hostileCase
	for _, n := range []int{8 << 10, 8<<10 + 1, 64 << 10, 1 << 20} {
		want := token.ErrTooLarge
		if n <= 8<<10 {
			want = middleware.ErrInvalidSession // at the bound: read, and refused for what it is
		}
		cases = append(cases,
			hostileCase{fmt.Sprintf("%d bytes of A", n), strings.Repeat("A", n), want},
			hostileCase{fmt.Sprintf("valid token padded to %d bytes", n), valid + strings.Repeat("A", n-len(valid)), want},
			hostileCase{fmt.Sprintf("%d bytes of dots", n), strings.Repeat(".", n), want},
		)
	}
	refuse(t, f, cases)
	noSecrets(t, f.logs.String(), valid)
}

// TestAttackCookieTossing: several cookies with the session's name, as a sibling subdomain or
// a man in the middle on plain HTTP can plant for names without the __Host- prefix (the
// default name has it; WithInsecureCookie and WithCookieName can drop it).
//
// What wins: a single valid session among invalid cookies, whatever the order; two valid
// cookies of one session are one session. Two valid sessions are ambiguous and refused, so a
// planted session can never silently replace the user's own nor join it; more than four
// cookies with the name are refused unread. Neither refusal clears the cookie (clearing ours
// cannot remove one planted under another Domain or Path).
func TestAttackCookieTossing(t *testing.T) {
	f := newFixture(t)
	mine, _ := f.issue(t)
	theirs, _, err := f.codec.Issue("attacker", User{Email: "mallory@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Minute)
	mineLater, _ := f.issue(t) // another session of the same user
	renewed, _, err := f.codec.Renew(must(f.codec.Verify(mine)))
	if err != nil {
		t.Fatal(err)
	}
	c := func(vals ...string) string {
		for i, v := range vals {
			vals[i] = cookieHeader(v)
		}
		return strings.Join(vals, "; ")
	}
	tests := []struct {
		name   string
		cookie string
		status int
		want   error  // nil: the session below
		body   string // for 200
	}{
		{"junk before mine", c("junk", mine), 200, nil, "hello alice@example.com"},
		{"mine before junk", c(mine, "junk"), 200, nil, "hello alice@example.com"},
		{"expired-looking forgery before mine", c(signed(claimsAt(start.Add(-2*time.Hour), nil)), mine), 200, nil, "hello alice@example.com"},
		{"mine and its renewal", c(mine, renewed), 200, nil, "hello alice@example.com"},
		{"attacker's session before mine", c(theirs, mine), 401, middleware.ErrAmbiguous, ""},
		{"attacker's session after mine", c(mine, theirs), 401, middleware.ErrAmbiguous, ""},
		{"two sessions of mine", c(mine, mineLater), 401, middleware.ErrAmbiguous, ""},
		{"attacker's session alone", c(theirs), 200, nil, "hello mallory@example.com"},
		{"five cookies, mine last", c("a", "b", "c", "d", mine), 401, middleware.ErrAmbiguous, ""},
		{"five copies of mine", c(mine, mine, mine, mine, mine), 401, middleware.ErrAmbiguous, ""},
		{"a thousand cookies", c(slices.Repeat([]string{"x"}, 1000)...), 401, middleware.ErrAmbiguous, ""},
		{"in two Cookie headers", cookieHeader(theirs) + "\n" + cookieHeader(mine), 401, middleware.ErrAmbiguous, ""},
		{"name in another case", "__host-session=" + theirs + "; " + cookieHeader(mine), 200, nil, "hello alice@example.com"},
		{"name with a space", "__Host-session =" + theirs + "; " + cookieHeader(mine), 200, nil, "hello alice@example.com"},
		{"name without the prefix", "session=" + theirs + "; " + cookieHeader(mine), 200, nil, "hello alice@example.com"},
	}
	h := f.sessions.RequireSession(protected)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/me", nil)
			for _, line := range strings.Split(tt.cookie, "\n") {
				req.Header.Add("Cookie", line)
			}
			rec := serve(h, req)
			if rec.Code != tt.status || (tt.body != "" && rec.Body.String() != tt.body) {
				t.Fatalf("got %d %q, want %d %q", rec.Code, truncate(rec.Body.String()), tt.status, tt.body)
			}
			if _, err := f.sessions.Current(req); tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Current: %v, want %v", err, tt.want)
			}
			if c, ok := setCookie(rec); ok && c.MaxAge < 0 && tt.want == middleware.ErrAmbiguous {
				t.Errorf("an ambiguous request cleared the cookie")
			}
		})
	}
	noSecrets(t, f.logs.String(), mine, theirs, mineLater, renewed)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestAttackLoginEnumeration: an unknown account and a wrong password give the same status,
// headers and body, in both formats, also for passwords bcrypt cannot take. The timing side is
// BenchmarkLoginUnknownUser against BenchmarkLoginWrongPassword.
func TestAttackLoginEnumeration(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(passwordAuth(t))
	for _, pw := range []string{"not the password", strings.Repeat("p", 73), demoPassword[:8] + "\x00" + demoPassword[8:]} {
		for _, kind := range []string{"form", "json"} {
			t.Run(kind+"/"+strconv.Itoa(len(pw)), func(t *testing.T) {
				do := func(email string) *httptest.ResponseRecorder {
					var req *http.Request
					if kind == "json" {
						req = jsonLogin(`{"email":` + jsonString(email) + `,"password":` + jsonString(pw) + `}`)
					} else {
						req = formLogin(url.Values{"email": {email}, "password": {pw}})
					}
					req.RemoteAddr = "198.51.100." + strconv.Itoa(len(pw)) + ":1" // a fresh throttle count
					if kind == "json" {
						req.RemoteAddr = "198.51.100." + strconv.Itoa(100+len(pw)) + ":1"
					}
					return serve(h, req)
				}
				unknown, wrong := do("nobody@example.com"), do(demoEmail)
				if unknown.Code != 401 || wrong.Code != 401 {
					t.Fatalf("status: unknown %d, wrong %d; want 401 both", unknown.Code, wrong.Code)
				}
				if !maps.EqualFunc(unknown.Header(), wrong.Header(), slices.Equal) {
					t.Errorf("headers differ:\nunknown: %v\nwrong:   %v", unknown.Header(), wrong.Header())
				}
				ub := strings.ReplaceAll(unknown.Body.String(), "nobody@example.com", "X")
				wb := strings.ReplaceAll(wrong.Body.String(), demoEmail, "X")
				if ub != wb {
					t.Errorf("bodies differ:\nunknown: %q\nwrong:   %q", ub, wb)
				}
			})
		}
	}
	hash, _ := demoHash()
	noSecrets(t, f.logs.String(), demoPassword, "not the password", hash, demoEmail)
}

// TestAttackLoginBodies: hostile login bodies never start a session and never answer 5xx.
func TestAttackLoginBodies(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(fakeAuth)
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
	}{
		{"form 1 MiB", "application/x-www-form-urlencoded", "email=" + demoEmail + "&password=" + big, 413},
		{"form 1 MiB of fields", "application/x-www-form-urlencoded", strings.Repeat("a=b&", 1<<18), 413},
		{"json 1 MiB", "application/json", `{"email":"` + demoEmail + `","password":"` + big + `"}`, 413},
		{"json 1 MiB of whitespace", "application/json", strings.Repeat(" ", 1<<20) + `{}`, 413},
		{"json one byte over the limit", "application/json", `{"email":"` + demoEmail + `","password":"` + demoPassword + `","x":"` + strings.Repeat("x", middleware.DefaultMaxLoginBody) + `"}`, 413},
		{"json deep nesting", "application/json", strings.Repeat("[", 4000), 400},
		{"json email a number", "application/json", `{"email":1,"password":"` + demoPassword + `"}`, 400},
		{"json email an array", "application/json", `{"email":["` + demoEmail + `"],"password":"` + demoPassword + `"}`, 400},
		{"json email an object", "application/json", `{"email":{"$ne":""},"password":"` + demoPassword + `"}`, 400},
		{"json password true", "application/json", `{"email":"` + demoEmail + `","password":true}`, 400},
		{"json password null", "application/json", `{"email":"` + demoEmail + `","password":null}`, 400},
		{"json next a number", "application/json", `{"email":"` + demoEmail + `","password":"` + demoPassword + `","next":1}`, 400},
		{"json duplicate email", "application/json", `{"email":"bob@example.com","email":"` + demoEmail + `","password":"` + demoPassword + `"}`, 400},
		{"json duplicate password", "application/json", `{"email":"` + demoEmail + `","password":"x","password":"` + demoPassword + `"}`, 400},
		{"json escaped duplicate", "application/json", `{"email":"` + demoEmail + `","\u0070assword":"x","password":"` + demoPassword + `"}`, 400},
		{"json not an object", "application/json", `"` + demoEmail + `"`, 400},
		{"json null", "application/json", `null`, 400},
		{"json empty", "application/json", ``, 400},
		{"json two objects", "application/json", `{"email":"` + demoEmail + `","password":"` + demoPassword + `"}{}`, 400},
		{"json invalid UTF-8 password (decoded as U+FFFD)", "application/json", "{\"email\":\"" + demoEmail + "\",\"password\":\"\xff\xfe\"}", 401},
		{"json email with NUL", "application/json", `{"email":"` + demoEmail + `\u0000","password":"` + demoPassword + `"}`, 400},
		{"json email with CRLF", "application/json", `{"email":"` + demoEmail + `\r\nX-Injected: 1","password":"` + demoPassword + `"}`, 400},
		{"json email 321 bytes", "application/json", `{"email":"` + strings.Repeat("a", 321) + `","password":"` + demoPassword + `"}`, 400},
		{"json password 1025 bytes", "application/json", `{"email":"` + demoEmail + `","password":"` + strings.Repeat("p", 1025) + `"}`, 400},
		{"json password 73 bytes", "application/json", `{"email":"` + demoEmail + `","password":"` + strings.Repeat("p", 73) + `"}`, 401},
		{"json password with NUL after the right one", "application/json", `{"email":"` + demoEmail + `","password":"` + demoPassword + `\u0000"}`, 401},
		{"json email in another case is another key", "application/json", `{"EMAIL":"` + demoEmail + `","password":"` + demoPassword + `"}`, 400},
		{"form duplicate password", "application/x-www-form-urlencoded", "email=" + demoEmail + "&password=x&password=" + url.QueryEscape(demoPassword), 400},
		{"form bad escape", "application/x-www-form-urlencoded", "email=%zz&password=x", 400},
		{"form with a semicolon separator", "application/x-www-form-urlencoded", "email=" + demoEmail + ";password=" + url.QueryEscape(demoPassword), 400},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n" + demoEmail + "\r\n--x--\r\n", 415},
		{"text/plain", "text/plain", "email=" + demoEmail + "&password=" + demoPassword, 415},
		{"no content type", "", `{"email":"` + demoEmail + `","password":"` + demoPassword + `"}`, 415},
		{"content type with junk", "application/json; ;;", `{}`, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/login", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.RemoteAddr = "203.0.113.7:1"
			rec := serve(h, req)
			if rec.Code != tt.status {
				t.Errorf("got %d %q, want %d", rec.Code, truncate(rec.Body.String()), tt.status)
			}
			if _, ok := setCookie(rec); ok {
				t.Error("a session was started")
			}
		})
	}
	noSecrets(t, f.logs.String(), demoPassword, demoEmail)
}

// jsonString is s as a JSON string.
func jsonString(s string) string { return string(must(json.Marshal(s))) }

// TestAttackOpenRedirect: after a successful login the form handler redirects to next, from the
// body or the query. Whatever next holds, the Location header must stay on this origin, carry
// no CR, LF or other control character, and never hold a backslash (browsers read "\" as "/").
func TestAttackOpenRedirect(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(fakeAuth)
	corpus := []string{
		"//evil.example", "///evil.example", "////evil.example", `/\evil.example`, `\/evil.example`, `\\evil.example`,
		"https://evil.example", "http:evil.example", "https:/evil.example", "HTTPS://evil.example",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
		"/%2F%2Fevil.example", "%2F%2Fevil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
		"/%252F%252Fevil.example", "/%25252F%25252Fevil.example", "/%2525252F%2525252Fevil.example",
		"/\r\nSet-Cookie: a=b", "/%0d%0aSet-Cookie:%20a=b", "/%0D%0ALocation:%20https://evil.example", "/x\nhttps://evil.example",
		"/\t/evil.example", "/%09/evil.example", "\t//evil.example", "/ /evil.example",
		"/.//evil.example", "/./evil.example/..//x", "/%2e//evil.example", "/x/..//evil.example", "/x/%2e%2e//evil.example",
		"/\x00//evil.example", "/%00//evil.example", "/\x7f/evil.example",
		"evil.example", ".evil.example", "@evil.example", "/@evil.example", "//user@evil.example", "/x#//evil.example",
		"//evil.example%2F..", "/\u3002/evil.example", "/\uff0f\uff0fevil.example", "/\u2044\u2044evil.example",
		"", "/", strings.Repeat("/a", 2000),
	}
	base := must(url.Parse("https://app.example/login"))
	for i, next := range corpus {
		for _, via := range []string{"body", "query"} {
			t.Run(fmt.Sprintf("%d/%s", i, via), func(t *testing.T) {
				form := url.Values{"email": {demoEmail}, "password": {demoPassword}}
				var req *http.Request
				if via == "body" {
					form.Set("next", next)
					req = formLogin(form)
				} else {
					req = formLogin(form)
					req.URL.RawQuery = "next=" + url.QueryEscape(next)
				}
				rec := serve(h, req)
				if rec.Code != 303 {
					t.Fatalf("next %q: got %d, want 303", next, rec.Code)
				}
				locs := rec.Header().Values("Location")
				if len(locs) != 1 {
					t.Fatalf("next %q: %d Location headers", next, len(locs))
				}
				loc := locs[0]
				if strings.ContainsFunc(loc, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
					t.Fatalf("next %q: Location %q holds a control character or a backslash", next, loc)
				}
				if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
					t.Fatalf("next %q: Location %q is not a local path", next, loc)
				}
				u, err := url.Parse(loc)
				if err != nil {
					t.Fatalf("next %q: Location %q does not parse", next, loc)
				}
				if got := base.ResolveReference(u); got.Host != "app.example" || got.Scheme != "https" {
					t.Fatalf("next %q: Location %q leads to %s", next, loc, got)
				}
				for k := range rec.Header() {
					if k != "Location" && k != "Set-Cookie" && k != "Cache-Control" && k != "Vary" && k != "Content-Type" {
						t.Errorf("next %q: unexpected header %q", next, k)
					}
				}
			})
		}
	}
}

// TestAttackCrossSite: login and logout refuse cross-site requests (login CSRF, forced logout)
// and state-changing GETs, without touching the session.
func TestAttackCrossSite(t *testing.T) {
	f := newRevocationFixture(t, nil)
	raw, _ := f.issue(t)
	login, logout := f.sessions.LoginHandler(fakeAuth), f.sessions.LogoutHandler()
	creds := url.Values{"email": {demoEmail}, "password": {demoPassword}}
	tests := []struct {
		name    string
		h       http.Handler
		method  string
		headers map[string]string
		status  int
	}{
		{"login cross-site", login, "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"login same-site other origin", login, "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"login foreign Origin", login, "POST", map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}, 403},
		{"login Origin null", login, "POST", map[string]string{"Sec-Fetch-Site": "", "Origin": "null"}, 403},
		{"login by GET", login, "GET", nil, 405},
		{"logout cross-site", logout, "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"logout foreign Origin", logout, "POST", map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}, 403},
		{"logout by GET (an image tag)", logout, "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 405},
		{"logout by GET same-origin", logout, "GET", nil, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := formLogin(creds)
			req.Method = tt.method
			req.Host = "app.example"
			req.Header.Set("Cookie", cookieHeader(raw))
			for k, v := range tt.headers {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			rec := serve(tt.h, req)
			if rec.Code != tt.status {
				t.Fatalf("got %d, want %d", rec.Code, tt.status)
			}
			if rec.Header().Get("Set-Cookie") != "" {
				t.Error("a refused request set or cleared the session cookie")
			}
		})
	}
	// The session survived every refused logout.
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if rec := serve(f.sessions.RequireSession(protected), req); rec.Code != 200 {
		t.Errorf("after refused logouts: got %d, want 200", rec.Code)
	}
	noSecrets(t, f.logs.String(), raw, demoPassword)
}

// TestAttackUnauthorizedResponse: what a request without a session gets back holds nothing
// from the request but a safe, escaped next=, whatever the path.
func TestAttackUnauthorizedResponse(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.RequireSession(protected)
	for _, target := range []string{
		"//evil.example/", "/%2F%2Fevil.example", "/x%0d%0aSet-Cookie:%20a=b", "/x?y=%0d%0aX:1",
		`/x"%20realm="evil`, "/%5Cevil.example", "/" + strings.Repeat("a", 3000),
	} {
		for _, mode := range []string{"navigate", "htmx", "api"} {
			t.Run(mode+" "+truncate(target), func(t *testing.T) {
				req := httptest.NewRequest("GET", target, nil)
				req.Header.Set("Cookie", cookieHeader("forged.token.value"))
				switch mode {
				case "navigate":
					req.Header.Set("Sec-Fetch-Mode", "navigate")
				case "htmx":
					req.Header.Set("HX-Request", "true")
				}
				rec := serve(h, req)
				if rec.Code >= 500 {
					t.Fatalf("got %d", rec.Code)
				}
				for k, vs := range rec.Header() {
					for _, v := range vs {
						if strings.ContainsAny(v, "\r\n\\") || strings.Contains(v, "//evil") || strings.Contains(v, "forged") ||
							(k != "Www-Authenticate" && strings.Contains(v, `"`)) {
							t.Errorf("header %s: %q", k, v)
						}
					}
				}
				for _, k := range []string{"Location", "HX-Redirect"} {
					if v := rec.Header().Get(k); v != "" && (!strings.HasPrefix(v, "/login") || strings.HasPrefix(v, "//")) {
						t.Errorf("%s: %q, want the local login path", k, v)
					}
				}
				if got := rec.Header().Get("WWW-Authenticate"); mode == "api" && got != `Cookie realm="keycard", form-action="/login", cookie-name="__Host-session"` {
					t.Errorf("WWW-Authenticate: %q", got)
				}
			})
		}
	}
}

// TestAttackReplayAfterLogout: logout revokes by session ID, so a copy of the token, an older
// token of the session and a renewed one all stop working, whichever of them logged out; the
// verified-token cache does not keep any of them alive.
func TestAttackReplayAfterLogout(t *testing.T) {
	for _, logoutWith := range []string{"old", "renewed"} {
		t.Run("logout with the "+logoutWith+" token", func(t *testing.T) {
			var store *middleware.MemoryRevocation
			f := newRevocationFixture(t, &store)
			old, _ := f.issue(t)
			h := f.sessions.RequireSession(protected)
			get := func(tok string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", "/api/me", nil)
				req.Header.Set("Cookie", cookieHeader(tok))
				return serve(h, req)
			}
			if rec := get(old); rec.Code != 200 { // now cached
				t.Fatalf("before: got %d", rec.Code)
			}
			f.clk.Advance(31 * time.Minute) // past the refresh point
			rec := get(old)
			c, ok := setCookie(rec)
			if rec.Code != 200 || !ok {
				t.Fatalf("renewal: got %d, cookie %v", rec.Code, ok)
			}
			renewed := c.Value
			if get(renewed).Code != 200 {
				t.Fatal("renewed token refused before logout")
			}
			tok := old
			if logoutWith == "renewed" {
				tok = renewed
			}
			req := httptest.NewRequest("POST", "/logout", nil)
			req.Header.Set("Cookie", cookieHeader(tok))
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if rec := serve(f.sessions.LogoutHandler(), req); rec.Code != 204 && rec.Code != 303 {
				t.Fatalf("logout: got %d", rec.Code)
			}
			for name, tok := range map[string]string{"old": old, "renewed": renewed} {
				if rec := get(tok); rec.Code != 401 {
					t.Errorf("%s token after logout: got %d, want 401", name, rec.Code)
				}
			}
			// Still refused near the end of the renewed token's life.
			f.clk.Advance(55 * time.Minute)
			if rec := get(renewed); rec.Code != 401 {
				t.Errorf("renewed token late after logout: got %d, want 401", rec.Code)
			}
			noSecrets(t, f.logs.String(), old, renewed)
		})
	}
}

// TestAttackCache: the verified-token cache never serves a token that a fresh verification
// would refuse: after its key is removed, after it expires, after revocation, and not for a
// token that differs from a cached one by a byte.
func TestAttackCache(t *testing.T) {
	var store *middleware.MemoryRevocation
	f := newRevocationFixture(t, &store)
	h := f.sessions.RequireSession(protected)
	get := func(tok string) int {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(tok))
		return serve(h, req).Code
	}
	tok, claims := f.issue(t)
	for range 2 { // verified, then served from the cache
		if get(tok) != 200 {
			t.Fatal("valid token refused")
		}
	}
	for _, variant := range []string{tok + "A", tok[:len(tok)-1], " " + tok, tok + "=", strings.Replace(tok, ".", "..", 1)} {
		if code := get(variant); code != 401 {
			t.Errorf("variant of a cached token: got %d, want 401", code)
		}
	}
	// Revocation is checked on every request, cached or not.
	if err := store.Revoke(context.Background(), claims.SessionID, f.clk.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if code := get(tok); code != 401 {
		t.Errorf("revoked cached token: got %d, want 401", code)
	}
	// Expiry: cached, then past exp.
	tok2, _ := f.issue(t)
	if get(tok2) != 200 {
		t.Fatal("second token refused")
	}
	f.clk.Advance(time.Hour + 6*time.Second) // past exp and the 5 s leeway
	if code := get(tok2); code != 401 {
		t.Errorf("expired cached token: got %d, want 401", code)
	}
	// Key removal: cached under k1, then the key set no longer has k1.
	tok3, _ := f.issue(t)
	if get(tok3) != 200 {
		t.Fatal("third token refused")
	}
	k2, err := token.NewHMACKey("k2", token.HS256, []byte("another-secret-0123456789abcdefg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.codec.SetKeys(must(token.NewKeySet(k2))); err != nil {
		t.Fatal(err)
	}
	if code := get(tok3); code != 401 {
		t.Errorf("cached token after its key was removed: got %d, want 401", code)
	}
}

// TestAttackInsecureCookie: WithInsecureCookie drops Secure and the __Host- prefix (the cookie
// is "session"), says so in the log, and a __Host-session cookie is then not read at all.
func TestAttackInsecureCookie(t *testing.T) {
	f := newFixture(t, middleware.WithInsecureCookie())
	if !strings.Contains(f.logs.String(), "without Secure") {
		t.Errorf("no warning logged for WithInsecureCookie: %q", f.logs)
	}
	raw, _ := f.issue(t)
	rec := serve(f.sessions.LoginHandler(fakeAuth), formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}}))
	var c *http.Cookie
	for _, x := range rec.Result().Cookies() {
		c = x
	}
	if c == nil || c.Name != "session" || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("insecure cookie: got %+v", c)
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if _, err := f.sessions.Current(req); !errors.Is(err, middleware.ErrNoSession) {
		t.Errorf("__Host-session read by an insecure Sessions: %v", err)
	}
	// Without the prefix a planted cookie is possible; two valid sessions stay ambiguous.
	theirs, _, _ := f.codec.Issue("attacker", User{})
	req.Header.Set("Cookie", "session="+theirs+"; session="+raw)
	if _, err := f.sessions.Current(req); !errors.Is(err, middleware.ErrAmbiguous) {
		t.Errorf("planted session next to ours: %v, want ErrAmbiguous", err)
	}
	// The __Host- name cannot be combined with an insecure cookie.
	if _, err := middleware.New(f.codec, middleware.WithInsecureCookie(), middleware.WithCookieName("__Host-x")); err == nil {
		t.Error("New accepted WithInsecureCookie with a __Host- name")
	}
	if _, err := middleware.New(f.codec, middleware.WithInsecureCookie(), middleware.WithSameSite(http.SameSiteNoneMode)); err == nil {
		t.Error("New accepted WithInsecureCookie with SameSite=None")
	}
}

// TestAttackSessionFixation: a session the attacker planted before login is replaced by a
// brand-new one and revoked; Start never reuses it.
func TestAttackSessionFixation(t *testing.T) {
	var store *middleware.MemoryRevocation
	f := newRevocationFixture(t, &store)
	planted, _, _ := f.codec.Issue("attacker", User{Email: "mallory@example.com"})
	req := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})
	req.Header.Set("Cookie", cookieHeader(planted))
	rec := serve(f.sessions.LoginHandler(fakeAuth), req)
	c, ok := setCookie(rec)
	if !ok || c.Value == planted {
		t.Fatalf("login kept the planted session (cookie %v)", ok)
	}
	got := must(f.codec.Verify(c.Value))
	if got.Subject != "user-1" {
		t.Errorf("subject after login: %q", got.Subject)
	}
	req = httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(planted))
	if rec := serve(f.sessions.RequireSession(protected), req); rec.Code != 401 {
		t.Errorf("planted session after the victim's login: got %d, want 401 (revoked)", rec.Code)
	}
}

// noLimit is a Limiter that never throttles, for the login benchmarks.
type noLimit struct{}

func (noLimit) Hit(context.Context, middleware.ThrottleKey) (time.Duration, error) { return 0, nil }
func (noLimit) Reset(context.Context, middleware.ThrottleKey) error                { return nil }

// benchmarkLogin measures one failed form login through the HTTP handler with bcrypt
// (passwordAuth). Compare BenchmarkLoginUnknownUser with BenchmarkLoginWrongPassword: their
// ns/op must be within a few percent, or login timing tells who has an account.
func benchmarkLogin(b *testing.B, email string) {
	f := newFixture(b, middleware.WithLimiter(noLimit{}))
	h := f.sessions.LoginHandler(passwordAuth(b))
	body := url.Values{"email": {email}, "password": {"not the password"}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if rec := serve(h, req); rec.Code != 401 {
			b.Fatalf("got %d, want 401", rec.Code)
		}
	}
}

func BenchmarkLoginUnknownUser(b *testing.B)   { benchmarkLogin(b, "nobody@example.com") }
func BenchmarkLoginWrongPassword(b *testing.B) { benchmarkLogin(b, demoEmail) }
