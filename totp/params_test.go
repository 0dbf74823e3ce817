package totp_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/keycard-go/keycard/totp"
)

// RFC 4226 Appendix D: HOTP-SHA-1, 6 digits, secret "12345678901234567890".
func TestHOTPKnownAnswers(t *testing.T) {
	secret := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, code := range want {
		got, err := totp.Params{}.HOTP(secret, uint64(counter))
		if err != nil || got != code {
			t.Errorf("HOTP(counter %d) = %q, %v; want %q", counter, got, err, code)
		}
	}
}

// RFC 6238 Appendix B: TOTP with 8 digits, 30-second steps, and the seed of each hash (the
// ASCII digits repeated to the hash's size).
func TestTOTPKnownAnswers(t *testing.T) {
	seeds := map[totp.Algorithm][]byte{
		totp.SHA1:   []byte("12345678901234567890"),
		totp.SHA256: []byte("12345678901234567890123456789012"),
		totp.SHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	cases := []struct {
		unix                 int64
		sha1, sha256, sha512 string
	}{
		{59, "94287082", "46119246", "90693936"},
		{1111111109, "07081804", "68084774", "25091201"},
		{1111111111, "14050471", "67062674", "99943326"},
		{1234567890, "89005924", "91819424", "93441116"},
		{2000000000, "69279037", "90698825", "38618901"},
		{20000000000, "65353130", "77737706", "47863826"},
	}
	for _, c := range cases {
		for alg, want := range map[totp.Algorithm]string{totp.SHA1: c.sha1, totp.SHA256: c.sha256, totp.SHA512: c.sha512} {
			t.Run(strconv.FormatInt(c.unix, 10)+"/"+string(alg), func(t *testing.T) {
				p := totp.Params{Algorithm: alg, Digits: 8}
				got, err := p.Code(seeds[alg], time.Unix(c.unix, 0))
				if err != nil || got != want {
					t.Errorf("Code = %q, %v; want %q", got, err, want)
				}
			})
		}
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []totp.Params{{}, {Algorithm: totp.SHA256, Digits: 8, Period: time.Minute}, {Period: 15 * time.Second}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, p := range []totp.Params{
		{Algorithm: "MD5"}, {Algorithm: "sha1"}, {Digits: 7}, {Digits: 10}, {Digits: -1},
		{Period: time.Second}, {Period: 31500 * time.Millisecond}, {Period: time.Hour}, {Period: -30 * time.Second},
	} {
		if err := p.Validate(); !errors.Is(err, totp.ErrInvalidParams) {
			t.Errorf("%+v: Validate = %v, want ErrInvalidParams", p, err)
		}
		if _, err := p.HOTP([]byte("12345678901234567890"), 1); err == nil {
			t.Errorf("%+v: HOTP accepted it", p)
		}
	}
}

func TestStep(t *testing.T) {
	p := totp.Params{}
	if got := p.Step(time.Unix(59, 0)); got != 1 {
		t.Errorf("Step(59 s) = %d, want 1", got)
	}
	if got := p.Step(time.Unix(60, 0)); got != 2 {
		t.Errorf("Step(60 s) = %d, want 2", got)
	}
	if got := (totp.Params{Period: time.Minute}).Step(time.Unix(119, 0)); got != 1 {
		t.Errorf("Step(119 s, 60 s period) = %d, want 1", got)
	}
}
