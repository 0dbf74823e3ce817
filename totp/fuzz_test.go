package totp_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/totp"
)

// FuzzParseCode: whatever a user types, ParseCode never panics, and what it accepts is exactly
// the digits it was asked for, taken from the input in order.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "123-456", "", "12345", "1234567", "١٢٣٤٥٦", "12345678", "\x00"} {
		f.Add(s, 6)
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, digits int) {
		if digits != 6 && digits != 8 {
			digits = 6
		}
		code, err := totp.ParseCode(s, digits)
		if err != nil {
			return
		}
		if len(code) != digits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("ParseCode(%q) = %q: not %d digits", s, code, digits)
		}
		kept := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if kept != code {
			t.Fatalf("ParseCode(%q) = %q, not the input's digits %q", s, code, kept)
		}
	})
}

// FuzzParseRecoveryCode: never panics; what it accepts is canonical (parsing it again gives it
// back) and has the length and alphabet of a recovery code.
func FuzzParseRecoveryCode(f *testing.F) {
	codes, _ := totp.NewRecoveryCodes("user", 3)
	for _, s := range append(codes, "", "ILo0-0000-0000-0000", "7k2m-9qxd-4v8r-hcun", "123456") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := totp.ParseRecoveryCode(s)
		if err != nil {
			return
		}
		if len(code) != 16 || strings.Trim(code, "0123456789abcdefghjkmnpqrstvwxyz") != "" {
			t.Fatalf("ParseRecoveryCode(%q) = %q: not a canonical code", s, code)
		}
		if again, err := totp.ParseRecoveryCode(code); err != nil || again != code {
			t.Fatalf("canonical %q parses to %q, %v", code, again, err)
		}
	})
}

// FuzzParseURI: never panics; a key it accepts is valid, and its URI parses back to the same
// key.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example",
		"otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA512&digits=8&period=60",
		"otpauth://totp/A%3Ab%2Fc?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
		"otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"otpauth://totp/%ff?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQ", "", "otpauth:", "otpauth://totp/a?secret=%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := totp.ParseURI(s)
		if err != nil {
			return
		}
		if err := k.Params.Validate(); err != nil || k.Account == "" || len(k.Secret) < totp.MinSecretSize {
			t.Fatalf("ParseURI(%q) accepted an invalid key %+v: %v", s, k, err)
		}
		back, err := totp.ParseURI(k.URI())
		if err != nil {
			t.Fatalf("URI of an accepted key does not parse: %s: %v", k.URI(), err)
		}
		if back.Issuer != k.Issuer || back.Account != k.Account || back.Params != k.Params || !bytes.Equal(back.Secret, k.Secret) {
			t.Fatalf("round trip of %q: %+v became %+v", s, k, back)
		}
	})
}

// FuzzParseSecret: never panics; an accepted secret has a valid size and round-trips.
func FuzzParseSecret(f *testing.F) {
	for _, s := range []string{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", "GEZDGNBVGY3TQOJQ", "====", "", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sec, err := totp.ParseSecret(s)
		if err != nil {
			return
		}
		if len(sec) < totp.MinSecretSize || len(sec) > 64 {
			t.Fatalf("ParseSecret(%q): %d bytes", s, len(sec))
		}
		if back, err := totp.ParseSecret(sec.Base32()); err != nil || !bytes.Equal(back, sec) {
			t.Fatalf("round trip of %q failed: %v", s, err)
		}
	})
}
