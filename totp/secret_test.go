package totp_test

import (
	"bytes"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/totp"
)

func TestSecretRedacted(t *testing.T) {
	s := totp.GenerateSecret()
	b32 := s.Base32()
	for _, verb := range []string{"%v", "%s", "%x", "%X", "%q", "%#v", "%+v", "%d"} {
		out := fmt.Sprintf(verb, s) + fmt.Sprintf(verb, struct{ S totp.Secret }{s}) + fmt.Sprintf(verb, totp.Record{Secret: s})
		if strings.Contains(out, b32) || strings.Contains(out, fmt.Sprintf("%x", []byte(s))) || strings.Contains(out, string(s)) {
			t.Errorf("%s prints the secret: %s", verb, out)
		}
	}
	if _, err := json.Marshal(totp.Record{Secret: s}); err == nil {
		t.Error("a record with a secret marshals to JSON")
	}
}

func TestGenerateSecret(t *testing.T) {
	a, b := totp.GenerateSecret(), totp.GenerateSecret()
	if len(a) != totp.SecretSize || bytes.Equal(a, b) {
		t.Errorf("secrets of %d bytes, equal %v; want %d random bytes", len(a), bytes.Equal(a, b), totp.SecretSize)
	}
	got, err := totp.ParseSecret(a.Base32())
	if err != nil || !bytes.Equal(got, a) {
		t.Errorf("ParseSecret(Base32()) = %v; want the secret back", err)
	}
}

func TestParseSecret(t *testing.T) {
	want := []byte("12345678901234567890")
	for _, in := range []string{
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
		"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", "GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ",
	} {
		if got, err := totp.ParseSecret(in); err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseSecret(%q) = %v", in, err)
		}
	}
	// The bounds: 16 to 64 bytes (RFC 4226 asks for at least 128 bits).
	for n, ok := range map[int]bool{15: false, 16: true, 64: true, 65: false} {
		in := base32.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa5}, n))
		if _, err := totp.ParseSecret(in); (err == nil) != ok {
			t.Errorf("secret of %d bytes: %v, want accepted %v", n, err, ok)
		}
	}
	for _, in := range []string{"", "GEZDGNBVGY3TQOJQ" /* 10 bytes */, "GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ!", strings.Repeat("A", 300)} {
		if _, err := totp.ParseSecret(in); !errors.Is(err, totp.ErrInvalidSecret) {
			t.Errorf("ParseSecret(%q) = %v, want ErrInvalidSecret", in, err)
		}
	}
}
