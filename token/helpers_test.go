package token_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// t0 is the fixed time every test starts at.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// session is a realistic payload.
type session struct {
	Name     string            `json:"name"`
	Email    string            `json:"email,omitempty"`
	Roles    []string          `json:"roles"`
	TenantID int64             `json:"tenant_id"`
	MFA      bool              `json:"mfa"`
	Prefs    map[string]string `json:"prefs,omitempty"`
}

// Validate refuses sessions without a name.
func (s session) Validate() error {
	if s.Name == "" {
		return errNoName
	}
	return nil
}

type testError string

func (e testError) Error() string { return string(e) }

const errNoName = testError("session has no name")

func aliceSession() session {
	return session{
		Name:     "Alice Liddell",
		Email:    "alice@example.com",
		Roles:    []string{"admin", "editor"},
		TenantID: 42,
		MFA:      true,
		Prefs:    map[string]string{"theme": "dark", "lang": "en-GB"},
	}
}

// secret returns n fixed bytes starting at b.
func secret(n int, b byte) []byte {
	s := make([]byte, n)
	for i := range s {
		s[i] = b + byte(i)
	}
	return s
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustPEM(t testing.TB, kid string, alg token.Algorithm, file string) *token.Key {
	t.Helper()
	k, err := token.ParsePEM(kid, alg, readFile(t, file))
	if err != nil {
		t.Fatalf("ParsePEM(%q, %s, %s): %v", kid, alg, file, err)
	}
	return k
}

func mustHMAC(t testing.TB, kid string, alg token.Algorithm, s []byte) *token.Key {
	t.Helper()
	k, err := token.NewHMACKey(kid, alg, s)
	if err != nil {
		t.Fatalf("NewHMACKey(%q, %s): %v", kid, alg, err)
	}
	return k
}

// algorithms lists every supported algorithm, in a fixed order.
var algorithms = []token.Algorithm{token.HS256, token.HS384, token.HS512, token.EdDSA, token.ES256, token.RS256, token.PS256}

// fixedKey returns a fixed signing key for alg with kid "<alg>-1".
func fixedKey(t testing.TB, alg token.Algorithm) *token.Key {
	t.Helper()
	kid := string(alg) + "-1"
	switch alg {
	case token.HS256:
		return mustHMAC(t, kid, alg, secret(32, 1))
	case token.HS384:
		return mustHMAC(t, kid, alg, secret(48, 2))
	case token.HS512:
		return mustHMAC(t, kid, alg, secret(64, 3))
	case token.EdDSA:
		return mustPEM(t, kid, alg, "ed25519.pem")
	case token.ES256:
		return mustPEM(t, kid, alg, "p256.pem")
	case token.RS256, token.PS256:
		return mustPEM(t, kid, alg, "rsa2048.pem")
	}
	t.Fatalf("no fixed key for %s", alg)
	return nil
}

func mustKeySet(t testing.TB, signing *token.Key, verifyOnly ...*token.Key) *token.KeySet {
	t.Helper()
	ks, err := token.NewKeySet(signing, verifyOnly...)
	if err != nil {
		t.Fatalf("NewKeySet: %v", err)
	}
	return ks
}

func mustEncKey(t testing.TB, kid string, b byte) *token.EncryptionKey {
	t.Helper()
	k, err := token.NewEncryptionKey(kid, secret(32, b))
	if err != nil {
		t.Fatalf("NewEncryptionKey: %v", err)
	}
	return k
}

// newCodec returns a Codec[session] on a fixed clock with opts.
func newCodec(t testing.TB, ks *token.KeySet, clk *fakeClock, opts ...token.Option) *token.Codec[session] {
	t.Helper()
	c, err := token.New[session](ks, append([]token.Option{token.WithClock(clk.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

var b64 = base64.RawURLEncoding

// craft builds a compact JWS from a raw header and payload JSON, signed by
// sign (nil: empty signature).
func craft(header, payload string, sign func(input []byte) []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	var sig []byte
	if sign != nil {
		sig = sign([]byte(input))
	}
	return input + "." + b64.EncodeToString(sig)
}

// hs256 signs with HMAC-SHA256 under secret s.
func hs256(s []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, s)
		m.Write(in)
		return m.Sum(nil)
	}
}

// containsAny reports whether out contains any of the needles.
func containsAny(out []byte, needles ...[]byte) bool {
	for _, n := range needles {
		if len(n) > 0 && bytes.Contains(out, n) {
			return true
		}
	}
	return false
}

// mustBlock returns the DER bytes of the first PEM block.
func mustBlock(t testing.TB, data []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}
