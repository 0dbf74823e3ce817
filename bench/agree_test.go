package bench

import (
	"net/http"
	"testing"
)

// TestPeersAgree keeps the comparison fair: every middleware under benchmark serves the
// handler for its valid session cookie (and the handler reads the right claim), and refuses a
// request without a cookie and one whose cookie has one character changed, without calling the
// handler.
func TestPeersAgree(t *testing.T) {
	all := append(fixtures(t), baselineFixture())
	for _, f := range all {
		t.Run(f.name, func(t *testing.T) {
			valid := f.mint(t)
			if got := serve(f.handler, f.cookie+"="+valid); got != statusOK {
				t.Fatalf("valid cookie: got status %d, want %d", got, statusOK)
			}
			if f.name == "baseline/no-session" {
				return
			}
			cases := []struct {
				name, cookie string
			}{
				{"no cookie", ""},
				{"tampered", f.cookie + "=" + tamper(valid, len(valid)/2)},
				{"tampered signature", f.cookie + "=" + tamper(valid, len(valid)-3)},
				{"other cookie name", "other=" + valid},
			}
			for _, c := range cases {
				if got := serve(f.handler, c.cookie); got != http.StatusUnauthorized {
					t.Errorf("%s: got status %d, want %d", c.name, got, http.StatusUnauthorized)
				}
			}
		})
	}
}

// tamper changes the character at i to another base64url character.
func tamper(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
