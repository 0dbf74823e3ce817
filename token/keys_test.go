package token_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/token"
	"github.com/rs/zerolog"
)

func TestNewHMACKey(t *testing.T) {
	tests := []struct {
		name    string
		kid     string
		alg     token.Algorithm
		secret  []byte
		wantErr bool
	}{
		{"HS256 32 bytes", "k", token.HS256, secret(32, 0), false},
		{"HS256 31 bytes", "k", token.HS256, secret(31, 0), true},
		{"HS256 empty", "k", token.HS256, nil, true},
		{"HS384 48 bytes", "k", token.HS384, secret(48, 0), false},
		{"HS384 47 bytes", "k", token.HS384, secret(47, 0), true},
		{"HS384 32 bytes", "k", token.HS384, secret(32, 0), true},
		{"HS512 64 bytes", "k", token.HS512, secret(64, 0), false},
		{"HS512 63 bytes", "k", token.HS512, secret(63, 0), true},
		{"not an HMAC alg", "k", token.EdDSA, secret(64, 0), true},
		{"alg none", "k", "none", secret(64, 0), true},
		{"alg empty", "k", "", secret(64, 0), true},
		{"kid empty", "", token.HS256, secret(32, 0), true},
		{"kid with space", "a b", token.HS256, secret(32, 0), true},
		{"kid with quote", `a"b`, token.HS256, secret(32, 0), true},
		{"kid with backslash", `a\b`, token.HS256, secret(32, 0), true},
		{"kid non-ASCII", "ключ", token.HS256, secret(32, 0), true},
		{"kid 128 bytes", strings.Repeat("k", 128), token.HS256, secret(32, 0), false},
		{"kid 129 bytes", strings.Repeat("k", 129), token.HS256, secret(32, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := token.NewHMACKey(tt.kid, tt.alg, tt.secret)
			if tt.wantErr {
				if !errors.Is(err, token.ErrInvalidKey) {
					t.Fatalf("NewHMACKey error = %v, want ErrInvalidKey", err)
				}
				if containsAny([]byte(err.Error()), tt.secret) {
					t.Errorf("error %q contains the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewHMACKey: %v", err)
			}
			if k.ID() != tt.kid || k.Algorithm() != tt.alg || !k.CanSign() {
				t.Errorf("key = %v (CanSign %v), want kid %q alg %s signing", k, k.CanSign(), tt.kid, tt.alg)
			}
		})
	}
}

func TestNewHMACKeyCopiesSecret(t *testing.T) {
	s := secret(32, 1)
	k := mustHMAC(t, "k", token.HS256, s)
	c := newCodec(t, mustKeySet(t, k), newClock())
	tok, _, err := c.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	clear(s)
	if _, err := c.Verify(tok); err != nil {
		t.Errorf("Verify after the caller cleared its secret: %v", err)
	}
}

func TestParsePEM(t *testing.T) {
	tests := []struct {
		file    string
		alg     token.Algorithm
		canSign bool
		wantErr bool
	}{
		{"ed25519.pem", token.EdDSA, true, false},
		{"ed25519.pub.pem", token.EdDSA, false, false},
		{"p256.pem", token.ES256, true, false},
		{"p256-sec1.pem", token.ES256, true, false},
		{"p256.pub.pem", token.ES256, false, false},
		{"rsa2048.pem", token.RS256, true, false},
		{"rsa2048.pem", token.PS256, true, false},
		{"rsa2048-pkcs1.pem", token.RS256, true, false},
		{"rsa2048.pub.pem", token.PS256, false, false},

		{"ed25519.pem", token.ES256, false, true},
		{"ed25519.pem", token.RS256, false, true},
		{"ed25519.pem", token.HS256, false, true},
		{"p256.pem", token.EdDSA, false, true},
		{"p384.pem", token.ES256, false, true},
		{"rsa1024.pem", token.RS256, false, true},
		{"rsa1024.pem", token.PS256, false, true},
		{"rsa2048.pem", token.ES256, false, true},
		{"rsa2048.pub.pem", token.HS256, false, true},
		{"p256.pem", "ES384", false, true},
		{"p256.pem", "none", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+string(tt.alg), func(t *testing.T) {
			k, err := token.ParsePEM("k1", tt.alg, readFile(t, tt.file))
			if tt.wantErr {
				if !errors.Is(err, token.ErrInvalidKey) {
					t.Fatalf("ParsePEM error = %v, want ErrInvalidKey", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePEM: %v", err)
			}
			if k.CanSign() != tt.canSign || k.Algorithm() != tt.alg || k.ID() != "k1" {
				t.Errorf("got %v CanSign=%v, want alg %s CanSign=%v", k, k.CanSign(), tt.alg, tt.canSign)
			}
		})
	}

	bad := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not PEM", []byte("hello")},
		{"two keys", append(readFile(t, "p256.pem"), readFile(t, "ed25519.pem")...)},
		{"bad DER", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")},
		{"certificate type", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
		{"encrypted", []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n")},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := token.ParsePEM("k", token.ES256, tt.data); !errors.Is(err, token.ErrInvalidKey) {
				t.Errorf("ParsePEM error = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestJWKRoundTrip(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k := fixedKey(t, alg)
			data, err := k.ExportJWK()
			if err != nil {
				t.Fatal(err)
			}
			back, err := token.ParseJWK(data)
			if err != nil {
				t.Fatalf("ParseJWK(ExportJWK()): %v", err)
			}
			if back.ID() != k.ID() || back.Algorithm() != alg || !back.CanSign() {
				t.Errorf("ParseJWK(ExportJWK()) = %v, CanSign %v", back, back.CanSign())
			}
			// A token signed by the original verifies with the reloaded key
			// and the other way round.
			c1 := newCodec(t, mustKeySet(t, k), newClock())
			c2 := newCodec(t, mustKeySet(t, back), newClock())
			tok, _, err := c2.Issue("u", aliceSession())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c1.Verify(tok); err != nil {
				t.Errorf("token from the reloaded key: %v", err)
			}
		})
	}
}

func TestPublicJWKSet(t *testing.T) {
	ed, es, rs := fixedKey(t, token.EdDSA), fixedKey(t, token.ES256), fixedKey(t, token.RS256)
	data, err := token.PublicJWKSet(ed, es, rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"k"`} {
		if bytes.Contains(data, []byte(private)) {
			t.Errorf("public JWK set contains private member %s", private)
		}
	}
	keys, err := token.ParseJWKSet(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("got %d keys, want 3", len(keys))
	}
	for i, want := range []*token.Key{ed, es, rs} {
		if keys[i].ID() != want.ID() || keys[i].Algorithm() != want.Algorithm() || keys[i].CanSign() {
			t.Errorf("key %d = %v (CanSign %v), want public %v", i, keys[i], keys[i].CanSign(), want)
		}
	}
	// Tokens signed with the private keys verify with the public set.
	c := newCodec(t, mustKeySet(t, ed), newClock())
	tok, _, err := c.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	pubOnly := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256), keys...), newClock())
	if _, err := pubOnly.Verify(tok); err != nil {
		t.Errorf("Verify with the published keys: %v", err)
	}

	if _, err := token.PublicJWKSet(ed, fixedKey(t, token.HS256)); !errors.Is(err, token.ErrNoPublicKey) {
		t.Errorf("PublicJWKSet(HMAC) = %v, want ErrNoPublicKey", err)
	}
	if _, err := token.PublicJWKSet(ed, ed); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("PublicJWKSet(duplicate) = %v, want ErrInvalidKey", err)
	}
	if _, err := token.PublicJWKSet(nil); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("PublicJWKSet(nil) = %v, want ErrInvalidKey", err)
	}
}

func TestParseJWKErrors(t *testing.T) {
	oct := func(k string, extra string) string {
		return `{"kty":"oct","k":"` + base64.RawURLEncoding.EncodeToString([]byte(k)) + `"` + extra + `}`
	}
	s32 := strings.Repeat("s", 32)
	tests := []struct {
		name string
		data string
	}{
		{"no kid", oct(s32, `,"alg":"HS256"`)},
		{"no alg", oct(s32, `,"kid":"k"`)},
		{"alg none", oct(s32, `,"kid":"k","alg":"none"`)},
		{"alg unsupported", oct(s32, `,"kid":"k","alg":"HS1"`)},
		{"short secret", oct(strings.Repeat("s", 31), `,"kid":"k","alg":"HS256"`)},
		{"HS512 with 32 bytes", oct(s32, `,"kid":"k","alg":"HS512"`)},
		{"use enc", oct(s32, `,"kid":"k","alg":"HS256","use":"enc"`)},
		{"oct for EdDSA", oct(s32, `,"kid":"k","alg":"EdDSA"`)},
		{"bad kid", oct(s32, `,"kid":"a b","alg":"HS256"`)},
		{"not JSON", `hello`},
		{"set", `{"keys":[]}`},
		{"unknown kty", `{"kty":"XYZ","kid":"k","alg":"HS256"}`},
		{"X25519 for EdDSA", `{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo","kid":"k","alg":"EdDSA"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, err := token.ParseJWK([]byte(tt.data)); !errors.Is(err, token.ErrInvalidKey) {
				t.Errorf("ParseJWK = %v, %v; want ErrInvalidKey", k, err)
			}
		})
	}
	good := oct(s32, `,"kid":"k","alg":"HS256","use":"sig"`)
	if _, err := token.ParseJWK([]byte(good)); err != nil {
		t.Errorf("ParseJWK(valid oct) = %v", err)
	}
	setTests := []struct {
		name string
		data string
	}{
		{"empty set", `{"keys":[]}`},
		{"duplicate kid", `{"keys":[` + good + `,` + good + `]}`},
		{"one bad key", `{"keys":[` + good + `,` + oct(s32, `,"kid":"k2"`) + `]}`},
		{"not JSON", `[`},
	}
	for _, tt := range setTests {
		t.Run("set/"+tt.name, func(t *testing.T) {
			if _, err := token.ParseJWKSet([]byte(tt.data)); !errors.Is(err, token.ErrInvalidKey) {
				t.Errorf("ParseJWKSet error = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k, err := token.GenerateKey("gen", alg)
			if err != nil {
				t.Fatal(err)
			}
			if !k.CanSign() || k.Algorithm() != alg || k.ID() != "gen" {
				t.Fatalf("GenerateKey = %v, CanSign %v", k, k.CanSign())
			}
			c := newCodec(t, mustKeySet(t, k), newClock())
			tok, _, err := c.Issue("u", aliceSession())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Verify(tok); err != nil {
				t.Fatal(err)
			}
			other, err := token.GenerateKey("gen", alg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := newCodec(t, mustKeySet(t, other), newClock()).Verify(tok); !errors.Is(err, token.ErrSignature) {
				t.Errorf("a second generated key verified the first one's token: %v", err)
			}
		})
	}
	for _, bad := range []struct{ kid, alg string }{{"k", "none"}, {"k", "ES384"}, {"", "HS256"}} {
		if _, err := token.GenerateKey(bad.kid, token.Algorithm(bad.alg)); !errors.Is(err, token.ErrInvalidKey) {
			t.Errorf("GenerateKey(%q, %q) = %v, want ErrInvalidKey", bad.kid, bad.alg, err)
		}
	}
}

func TestPublic(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k := fixedKey(t, alg)
			pub, err := k.Public()
			if k.Algorithm() == token.HS256 || k.Algorithm() == token.HS384 || k.Algorithm() == token.HS512 {
				if !errors.Is(err, token.ErrNoPublicKey) {
					t.Errorf("Public() error = %v, want ErrNoPublicKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pub.CanSign() || pub.ID() != k.ID() || pub.Algorithm() != alg {
				t.Errorf("Public() = %v, CanSign %v", pub, pub.CanSign())
			}
			if _, err := token.NewKeySet(pub); !errors.Is(err, token.ErrInvalidKey) {
				t.Errorf("NewKeySet(public key) = %v, want ErrInvalidKey", err)
			}
			// The public JWK has no private member.
			j, err := pub.ExportJWK()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(j, []byte(`"d"`)) {
				t.Errorf("public JWK contains d: %s", j)
			}
		})
	}
	var zero token.Key
	if _, err := zero.Public(); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("zero Key Public() = %v, want ErrInvalidKey", err)
	}
	if _, err := zero.ExportJWK(); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("zero Key ExportJWK() = %v, want ErrInvalidKey", err)
	}
}

func TestNewKeySet(t *testing.T) {
	hs, ed := fixedKey(t, token.HS256), fixedKey(t, token.EdDSA)
	edPub := must(ed.Public())
	tests := []struct {
		name       string
		signing    *token.Key
		verifyOnly []*token.Key
		wantLen    int // 0: want ErrInvalidKey
	}{
		{"one key", hs, nil, 1},
		{"with verify-only", hs, []*token.Key{edPub}, 2},
		{"private key as verify-only", hs, []*token.Key{ed}, 2},
		{"nil signing", nil, nil, 0},
		{"zero signing", &token.Key{}, nil, 0},
		{"public signing", edPub, nil, 0},
		{"nil verify-only", hs, []*token.Key{nil}, 0},
		{"zero verify-only", hs, []*token.Key{{}}, 0},
		{"duplicate kid", hs, []*token.Key{mustHMAC(t, hs.ID(), token.HS256, secret(32, 9))}, 0},
		{"same key twice", ed, []*token.Key{edPub}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := token.NewKeySet(tt.signing, tt.verifyOnly...)
			if tt.wantLen == 0 {
				if !errors.Is(err, token.ErrInvalidKey) {
					t.Errorf("NewKeySet error = %v, want ErrInvalidKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ks.Len() != tt.wantLen || ks.SigningKey() != tt.signing {
				t.Errorf("Len() = %d, SigningKey() = %v; want %d, %v", ks.Len(), ks.SigningKey(), tt.wantLen, tt.signing)
			}
		})
	}
}

func TestNewEncryptionKey(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := token.NewEncryptionKey("e", secret(n, 0)); !errors.Is(err, token.ErrInvalidKey) {
			t.Errorf("NewEncryptionKey(%d bytes) = %v, want ErrInvalidKey", n, err)
		}
	}
	if _, err := token.NewEncryptionKey("", secret(32, 0)); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("NewEncryptionKey(empty kid) = %v, want ErrInvalidKey", err)
	}
	a, err := token.GenerateEncryptionKey("e")
	if err != nil {
		t.Fatal(err)
	}
	b, err := token.GenerateEncryptionKey("e")
	if err != nil {
		t.Fatal(err)
	}
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	tok, _, err := newCodec(t, ks, newClock(), token.WithEncryption(a)).Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newCodec(t, ks, newClock(), token.WithEncryption(b)).Verify(tok); !errors.Is(err, token.ErrDecrypt) {
		t.Errorf("two generated keys are interchangeable: %v", err)
	}
}

// holder embeds keys where fmt cannot call their methods (unexported
// fields) and where it can.
type holder struct {
	Key    *token.Key
	Enc    *token.EncryptionKey
	val    token.Key
	encVal token.EncryptionKey
	ptr    *token.Key
}

func TestRedaction(t *testing.T) {
	sec := secret(32, 0x41)
	encSec := secret(32, 0x61)
	hk := mustHMAC(t, "hmac-1", token.HS256, sec)
	ek := must(token.NewEncryptionKey("enc-1", encSec))
	ed := fixedKey(t, token.EdDSA)
	edJWK := must(ed.ExportJWK())
	var jwkFields map[string]string
	if err := json.Unmarshal(edJWK, &jwkFields); err != nil {
		t.Fatal(err)
	}
	forbidden := [][]byte{
		sec, encSec,
		[]byte(base64.RawURLEncoding.EncodeToString(sec)), []byte(base64.StdEncoding.EncodeToString(sec)),
		[]byte(base64.RawURLEncoding.EncodeToString(encSec)),
		[]byte(hex.EncodeToString(sec)), []byte(hex.EncodeToString(encSec)),
		[]byte(fmt.Sprint(sec)), []byte(fmt.Sprint(sec[:4])[1:8]),
		[]byte(jwkFields["d"]), []byte(jwkFields["x"]),
	}
	h := holder{Key: hk, Enc: ek, val: *hk, encVal: *ek, ptr: ed}

	var outputs []struct {
		name string
		out  []byte
	}
	add := func(name string, out []byte) {
		outputs = append(outputs, struct {
			name string
			out  []byte
		}{name, out})
	}
	for _, v := range []struct {
		name string
		v    any
	}{{"hmac", hk}, {"hmac value", *hk}, {"ed25519", ed}, {"enc", ek}, {"enc value", *ek}, {"holder", h}, {"holder ptr", &h}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			add(v.name+" "+verb, []byte(fmt.Sprintf(verb, v.v)))
		}
		j, err := json.Marshal(v.v)
		if err != nil {
			t.Fatal(err)
		}
		add(v.name+" json", j)
	}
	add("String", []byte(hk.String()+ek.String()+ed.String()))
	add("GoString", []byte(hk.GoString()+ek.GoString()))
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	log.Info().Object("key", hk).Object("enc", ek).Object("ed", ed).Interface("any", hk).Interface("h", h).Msg("keys")
	add("zerolog", buf.Bytes())

	for _, o := range outputs {
		if containsAny(o.out, forbidden...) {
			t.Errorf("%s leaks key material: %s", o.name, o.out)
		}
	}
	if got, want := hk.String(), `token.Key{kid:"hmac-1", alg:HS256, [REDACTED]}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if got, want := fmt.Sprintf("%+v", ek), `token.EncryptionKey{kid:"enc-1", alg:dir, enc:A256GCM, [REDACTED]}`; got != want {
		t.Errorf("%%+v = %s, want %s", got, want)
	}
	if got, want := string(must(json.Marshal(hk))), `{"kid":"hmac-1","alg":"HS256","key":"[REDACTED]"}`; got != want {
		t.Errorf("json = %s, want %s", got, want)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"key":{"kid":"hmac-1","alg":"HS256","key":"[REDACTED]"}`)) {
		t.Errorf("zerolog output %s lacks the redacted key object", buf.Bytes())
	}
}

func TestErrorsDoNotLeakKeys(t *testing.T) {
	// A signature failure and a construction failure both keep the secret
	// out of the message.
	sec := secret(32, 0x30)
	k := mustHMAC(t, "k", token.HS256, sec)
	c := newCodec(t, mustKeySet(t, k), newClock())
	bad := craft(`{"alg":"HS256","kid":"k","typ":"JWT"}`, claimsJSON(nil), hs256(secret(32, 0x31)))
	_, err := c.Verify(bad)
	if !errors.Is(err, token.ErrSignature) {
		t.Fatalf("Verify = %v, want ErrSignature", err)
	}
	if containsAny([]byte(err.Error()), sec, []byte(base64.RawURLEncoding.EncodeToString(sec))) {
		t.Errorf("error %q contains the secret", err)
	}
	_, err = token.NewHMACKey("k", token.HS512, sec)
	if err == nil || containsAny([]byte(err.Error()), sec) {
		t.Errorf("NewHMACKey error %v: want an error without the secret", err)
	}
}
