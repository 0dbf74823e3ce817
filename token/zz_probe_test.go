package token_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/keycard-go/keycard/token"
)

type attrs struct{ M map[string]any }

func (a attrs) MarshalJSON() ([]byte, error) { return json.Marshal(a.M) }
func (a *attrs) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &a.M) }

func sealCBC(header string, key, plaintext []byte) string {
	macKey, encKey := key[:16], key[16:]
	h := b64.EncodeToString([]byte(header))
	iv := make([]byte, 16)
	pad := 16 - len(plaintext)%16
	pt := append(append([]byte(nil), plaintext...), make([]byte, pad)...)
	for i := len(plaintext); i < len(pt); i++ {
		pt[i] = byte(pad)
	}
	block, _ := aes.NewCipher(encKey)
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	m := hmac.New(sha256.New, macKey)
	m.Write([]byte(h))
	m.Write(iv)
	m.Write(ct)
	var al [8]byte
	binary.BigEndian.PutUint64(al[:], uint64(len(h))*8)
	m.Write(al[:])
	tag := m.Sum(nil)[:16]
	return h + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(ct) + "." + b64.EncodeToString(tag)
}

func TestProbe(t *testing.T) {
	clk := newClock()
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	c, err := token.New[attrs](ks, token.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := c.Issue("user-1", attrs{M: map[string]any{"ſub": "admin"}})
	t.Logf("issue err=%v", err)
	if err == nil {
		cl, err := c.Verify(tok)
		t.Logf("verify sub=%q err=%v", cl.Subject, err)
	}
	ek := mustEncKey(t, "enc-1", 7)
	plain := newCodec(t, ks, clk)
	ec := newCodec(t, ks, clk, token.WithEncryption(ek))
	bare, _, _ := plain.Issue("u", aliceSession())
	for _, h := range []string{
		`{"alg":"dir","enc":"A128CBC-HS256","kid":"enc-1","ENC":"A256GCM"}`,
		`{"alg":"dir","enc":"A128CBC-HS256","kid":"enc-1"}`,
	} {
		cl, err := ec.Verify(sealCBC(h, secret(32, 7), []byte(bare)))
		t.Logf("%s: %v %v", h, cl != nil, err)
	}
	cl, err := ec.Verify(sealJWE(`{"alg":"dir","enc":"A256GCM","kid":"enc-1","KID":"enc-1","Alg":"dir"}`, secret(32, 7), []byte(bare)))
	t.Logf("dup: %v %v", cl != nil, err)
}
