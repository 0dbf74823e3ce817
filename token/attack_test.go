package token_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/token"
)

// Attacks that can only be set up at the token level: they need the encryption key or a payload
// type with its own MarshalJSON. The HTTP-level corpus is in middleware/attack_test.go.

// TestAttackJWEHeaderSmuggling: the JWE header keycard checks must be the header jwx decrypts
// with. encoding/json matches names case-insensitively and keeps the last duplicate; jwx reads
// names exactly. Before the fix, {"enc":"A128CBC-HS256",...,"ENC":"A256GCM"} passed the A256GCM
// pin and was decrypted with AES-CBC + HMAC under the A256GCM key.
func TestAttackJWEHeaderSmuggling(t *testing.T) {
	clk := newClock()
	ks := hostileKeys(t)
	c := newCodec(t, ks, clk, token.WithEncryption(mustEncKey(t, "enc-1", 7)))
	bare, _, err := newCodec(t, ks, clk).Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	key := secret(32, 7)
	runVerifyCases(t, c, []verifyCase{
		{"control: canonical header", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), nil},
		{"enc A128CBC-HS256 hidden behind ENC", sealCBC(`{"alg":"dir","enc":"A128CBC-HS256","kid":"enc-1","ENC":"A256GCM"}`, key, []byte(bare)), token.ErrMalformed},
		{"enc A128CBC-HS256 hidden behind Enc", sealCBC(`{"alg":"dir","enc":"A128CBC-HS256","kid":"enc-1","Enc":"A256GCM"}`, key, []byte(bare)), token.ErrMalformed},
		{"enc A128CBC-HS256", sealCBC(`{"alg":"dir","enc":"A128CBC-HS256","kid":"enc-1"}`, key, []byte(bare)), token.ErrAlgorithm},
		{"duplicate enc", sealJWE(`{"alg":"dir","enc":"A256GCM","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), token.ErrMalformed},
		{"duplicate alg", sealJWE(`{"alg":"A256KW","alg":"dir","enc":"A256GCM","kid":"enc-1"}`, key, []byte(bare)), token.ErrMalformed},
		{"kid in upper case", sealJWE(`{"alg":"dir","enc":"A256GCM","KID":"enc-1"}`, key, []byte(bare)), token.ErrMalformed},
		{"kid with Kelvin sign", sealJWE(`{"alg":"dir","enc":"A256GCM","\u212aid":"enc-1"}`, key, []byte(bare)), token.ErrMalformed},
		{"ZIP in upper case", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1","ZIP":"DEF"}`, key, []byte(bare)), token.ErrMalformed},
		{"zip escaped", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1","\u007aip":"DEF"}`, key, []byte(bare)), token.ErrMalformed},
		{"p2c huge", sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1","p2c":2147483647,"p2s":"AAAAAAAAAAA"}`, key, []byte(bare)), token.ErrMalformed},
		{"enc unknown", sealJWE(`{"alg":"dir","enc":"XC20P","kid":"enc-1"}`, key, []byte(bare)), token.ErrAlgorithm},
		{"header is an array", sealJWE(`["alg","dir"]`, key, []byte(bare)), token.ErrMalformed},
	})
}

// sealCBC builds a compact JWE with enc A128CBC-HS256 under a 32-byte key used directly
// (RFC 7518 section 5.2.3), with the given protected header and a zero IV.
func sealCBC(header string, key, plaintext []byte) string {
	macKey, encKey := key[:16], key[16:]
	h := b64.EncodeToString([]byte(header))
	iv := make([]byte, aes.BlockSize)
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	pt := append([]byte(nil), plaintext...)
	for range pad {
		pt = append(pt, byte(pad))
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		panic(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	m := hmac.New(sha256.New, macKey)
	m.Write([]byte(h))
	m.Write(iv)
	m.Write(ct)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(h))*8))
	tag := m.Sum(nil)[:16]
	return h + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(ct) + "." + b64.EncodeToString(tag)
}

// attributes is a payload that marshals itself from a map whose keys the application may take
// from user input (profile attributes, preferences, feature flags).
type attributes struct{ M map[string]any }

func (a attributes) MarshalJSON() ([]byte, error)  { return json.Marshal(a.M) }
func (a *attributes) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &a.M) }

// TestAttackFoldedClaimNames: encoding/json decodes an object key into a struct field when the
// two are equal under Unicode case folding, so "ſub" (U+017F LATIN SMALL LETTER LONG S) fills
// the sub claim. Before the fix, the registered-name check used strings.ToLower, let "ſub"
// through, and Verify returned the subject the payload chose: Issue("user-1", {"ſub":"admin"})
// verified as sub "admin".
func TestAttackFoldedClaimNames(t *testing.T) {
	clk := newClock()
	c, err := token.New[attributes](mustKeySet(t, fixedKey(t, token.HS256)), token.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ſub", "ſid", "iſs", "SUB", "Auth_Time", "\u017fUB"} {
		t.Run(name, func(t *testing.T) {
			tok, _, err := c.Issue("user-1", attributes{M: map[string]any{name: "admin"}})
			if !errors.Is(err, token.ErrInvalidClaims) {
				got := ""
				if err == nil {
					if cl, verr := c.Verify(tok); verr == nil {
						got = string(cl.Subject)
					}
				}
				t.Fatalf("Issue with payload key %q: err %v (verified subject %q), want ErrInvalidClaims", name, err, got)
			}
		})
	}
	// An ordinary key still works.
	if _, _, err := c.Issue("user-1", attributes{M: map[string]any{"theme": "dark"}}); err != nil {
		t.Errorf("ordinary key: %v", err)
	}

	// The same check at New for struct tags.
	type longS struct {
		Sub string `json:"ſub"`
	}
	if _, err := token.New[longS](mustKeySet(t, fixedKey(t, token.HS256))); !errors.Is(err, token.ErrInvalidType) {
		t.Errorf("New with a field tagged \"ſub\": err %v, want ErrInvalidType", err)
	}
}

// TestAttackJWENonCanonicalBase64: jwx ignores the unused bits of a segment's last character,
// so before the fix each issued JWE had up to 16 spellings of its tag (and of its ciphertext)
// that all verified: one token, many strings, against the "one encoding of each token" rule
// the JWS layer keeps. Found by FuzzVerify (seed jwe-non-canonical-tag).
func TestAttackJWENonCanonicalBase64(t *testing.T) {
	clk := newClock()
	c := newCodec(t, hostileKeys(t), clk, token.WithEncryption(mustEncKey(t, "enc-1", 7)))
	var cases []verifyCase
	for i := range 8 { // tokens of several lengths, so the ciphertext's last character has spare bits too
		s := aliceSession()
		s.Name += strings.Repeat("x", i)
		tok, _, err := c.Issue("u", s)
		if err != nil {
			t.Fatal(err)
		}
		p := strings.Split(tok, ".")
		cases = append(cases, verifyCase{fmt.Sprintf("issued %d", i), tok, nil})
		for j, name := range map[int]string{3: "ciphertext", 4: "tag"} {
			if len(p[j])%4 < 2 {
				continue
			}
			q := slices.Clone(p)
			q[j] = dirtyTail(q[j])
			cases = append(cases, verifyCase{fmt.Sprintf("%s %d with dirty trailing bits", name, i), strings.Join(q, "."), token.ErrMalformed})
		}
	}
	runVerifyCases(t, c, cases)
}
