package passkey_test

import (
	"net/http"
	"testing"
)

// BenchmarkLoginCeremony measures the server's cost of one passkey sign-in: the options
// request (a challenge and an encrypted ceremony cookie) and the response (cookie decryption,
// the single-use marker, parsing, the ES256 signature check, the store update and a new
// session token). The software authenticator's signing is not counted.
func BenchmarkLoginCeremony(b *testing.B) {
	f := newFixture(b)
	a := newAuthenticator(b)
	f.enrolled(b, a)
	b.ReportAllocs()
	for b.Loop() {
		br := f.browser(b)
		opts := br.options("/passkey/login/options")
		b.StopTimer()
		resp, err := a.Get(opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if rec := br.do("POST", "/passkey/login", resp); rec.Code != http.StatusOK {
			b.Fatalf("login: %d %s", rec.Code, rec.Body)
		}
	}
}
