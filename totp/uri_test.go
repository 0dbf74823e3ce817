package totp_test

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/totp"
)

// rfcSecret is the RFC 6238 SHA-1 seed, "12345678901234567890".
var rfcSecret = totp.Secret("12345678901234567890")

func TestKeyURI(t *testing.T) {
	k := &totp.Key{Issuer: "Example Co", Account: "alice@example.com", Secret: rfcSecret}
	want := "otpauth://totp/Example%20Co:alice@example.com?algorithm=SHA1&digits=6&issuer=Example%20Co&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	if got := k.URI(); got != want {
		t.Errorf("URI =\n %s\nwant\n %s", got, want)
	}
	k = &totp.Key{Issuer: "A&B", Account: "x:y/z?", Secret: rfcSecret, Params: totp.Params{Algorithm: totp.SHA512, Digits: 8, Period: time.Minute}}
	back, err := totp.ParseURI(k.URI())
	if err != nil {
		t.Fatalf("ParseURI(%s): %v", k.URI(), err)
	}
	if back.Issuer != k.Issuer || back.Account != k.Account || !bytes.Equal(back.Secret, k.Secret) || back.Params != k.Params {
		t.Errorf("round trip: got %+v, want %+v", back, k)
	}
}

func TestParseURI(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	ok := map[string]totp.Key{
		"otpauth://totp/Example:alice@example.com?secret=" + secret + "&issuer=Example":   {Issuer: "Example", Account: "alice@example.com"},
		"otpauth://totp/alice@example.com?secret=" + secret:                               {Account: "alice@example.com"},
		"otpauth://totp/Example:%20alice?secret=" + secret:                                {Issuer: "Example", Account: "alice"},
		"OTPAUTH://TOTP/Example%3Aalice?secret=" + strings.ToLower(secret):                {Issuer: "Example", Account: "alice"},
		"otpauth://totp/alice?secret=" + secret + "&issuer=Example&image=https%3A%2F%2Fx": {Issuer: "Example", Account: "alice"},
		"otpauth://totp/alice?secret=" + secret + "&algorithm=sha256&digits=8&period=60":  {Account: "alice", Params: totp.Params{Algorithm: totp.SHA256, Digits: 8, Period: time.Minute}},
	}
	for uri, want := range ok {
		k, err := totp.ParseURI(uri)
		if err != nil {
			t.Errorf("ParseURI(%s): %v", uri, err)
			continue
		}
		if want.Params == (totp.Params{}) {
			want.Params = totp.Params{Algorithm: totp.SHA1, Digits: 6, Period: 30 * time.Second}
		}
		if k.Issuer != want.Issuer || k.Account != want.Account || k.Params != want.Params || !bytes.Equal(k.Secret, rfcSecret) {
			t.Errorf("ParseURI(%s) = %+v, want %+v", uri, *k, want)
		}
	}
	bad := []string{
		"",
		"https://totp/alice?secret=" + secret,
		"otpauth://hotp/alice?secret=" + secret + "&counter=1",
		"otpauth://totp/?secret=" + secret,
		"otpauth://totp/alice",
		"otpauth://totp/alice?secret=",
		"otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQ",                        // 80 bits
		"otpauth://totp/alice?secret=" + secret + "&secret=" + secret,         // repeated
		"otpauth://totp/A:alice?secret=" + secret + "&issuer=B",               // issuer mismatch
		"otpauth://totp/alice?secret=" + secret + "&algorithm=MD5",            //
		"otpauth://totp/alice?secret=" + secret + "&digits=7",                 //
		"otpauth://totp/alice?secret=" + secret + "&digits=x",                 //
		"otpauth://totp/alice?secret=" + secret + "&period=0",                 //
		"otpauth://totp/alice?secret=" + secret + "&period=86400",             //
		"otpauth://totp/ali%00ce?secret=" + secret,                            // control character
		"otpauth://totp/Ex:ample:alice?secret=" + secret + "&issuer=Ex:ample", // colon in the issuer
		"otpauth://totp/a/b?secret=" + secret,                                 //
		"otpauth://user@totp/alice?secret=" + secret,                          //
		"otpauth://totp/alice?secret=" + secret + "#frag",                     //
		"otpauth://totp/alice?secret=" + secret + "&x=%zz",                    // bad escape
		"otpauth://totp/" + strings.Repeat("a", 3000) + "?secret=" + secret,   // too long
		"otpauth://totp/%ff?secret=" + secret,                                 // not UTF-8
	}
	for _, uri := range bad {
		if k, err := totp.ParseURI(uri); !errors.Is(err, totp.ErrInvalidURI) {
			t.Errorf("ParseURI(%q) = %+v, %v; want ErrInvalidURI", uri, k, err)
		}
	}
}

func TestKeyQR(t *testing.T) {
	k := &totp.Key{Issuer: "Example", Account: "alice@example.com", Secret: totp.GenerateSecret()}
	img, err := k.QR(totp.DefaultQRSize)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := decoded.Bounds(); b.Dx() != totp.DefaultQRSize || b.Dy() != totp.DefaultQRSize {
		t.Errorf("QR code of %dx%d, want %d", b.Dx(), b.Dy(), totp.DefaultQRSize)
	}
	for _, size := range []int{0, totp.MinQRSize - 1, totp.MaxQRSize + 1} {
		if _, err := k.QR(size); err == nil {
			t.Errorf("QR(%d) accepted", size)
		}
	}
}
