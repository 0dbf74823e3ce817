package totp_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/totp"
)

func TestParseCode(t *testing.T) {
	for in, want := range map[string]string{
		"123456": "123456", " 123456 ": "123456", "123 456": "123456", "123-456": "123456", "\t12 34 56": "123456",
	} {
		if got, err := totp.ParseCode(in, 6); err != nil || got != want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := totp.ParseCode("1234 5678", 8); err != nil || got != "12345678" {
		t.Errorf("8 digits: %q, %v", got, err)
	}
	for _, in := range []string{"", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123456\x00", "12345６", "+23456", strings.Repeat(" ", 70) + "123456", "123456789012345678901234567890123"} {
		if got, err := totp.ParseCode(in, 6); !errors.Is(err, totp.ErrMalformedCode) {
			t.Errorf("ParseCode(%q) = %q, %v; want ErrMalformedCode", in, got, err)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := totp.NewRecoveryCodes("user-1", totp.RecoveryCodes)
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes, %d hashes; want 10 each", len(codes), len(hashes))
	}
	shape := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$`)
	seen := map[string]bool{}
	for i, c := range codes {
		if !shape.MatchString(c) {
			t.Errorf("code %q does not have the shape xxxx-xxxx-xxxx-xxxx of the alphabet", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		canonical, err := totp.ParseRecoveryCode(c)
		if err != nil {
			t.Fatalf("ParseRecoveryCode(%q): %v", c, err)
		}
		if got := totp.HashRecoveryCode("user-1", canonical); got != hashes[i] {
			t.Errorf("hash of code %d does not match the stored hash", i)
		}
		if totp.HashRecoveryCode("user-2", canonical) == hashes[i] {
			t.Error("the hash does not depend on the account")
		}
		if strings.Contains(hashes[i], canonical) {
			t.Error("the hash contains the code")
		}
	}
}

func TestParseRecoveryCode(t *testing.T) {
	for in, want := range map[string]string{
		"7k2m-9qxd-4v8r-hc3n":   "7k2m9qxd4v8rhc3n",
		"7K2M9QXD4V8RHC3N":      "7k2m9qxd4v8rhc3n",
		" 7k2m 9qxd 4v8r hc3n ": "7k2m9qxd4v8rhc3n",
		"ILo0-0000-0000-0000":   "1100000000000000",
		"abcd-efgh-jkmn-pqrs":   "abcdefghjkmnpqrs",
		"tvwx-yz01-2345-6789":   "tvwxyz0123456789",
	} {
		if got, err := totp.ParseRecoveryCode(in); err != nil || got != want {
			t.Errorf("ParseRecoveryCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "123456", "7k2m-9qxd-4v8r-hc3", "7k2m-9qxd-4v8r-hc3nn", "7k2m-9qxd-4v8r-hcun", "7k2m_9qxd_4v8r_hc3n", "7k2m-9qxd-4v8r-hc3\u00e9"} {
		if got, err := totp.ParseRecoveryCode(in); !errors.Is(err, totp.ErrMalformedCode) {
			t.Errorf("ParseRecoveryCode(%q) = %q, %v; want ErrMalformedCode", in, got, err)
		}
	}
}
