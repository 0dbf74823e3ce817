package password_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/keycard-go/keycard/password"
)

// FuzzVerify feeds arbitrary stored hashes and passwords to Verify. It must never panic,
// every error must carry one of our sentinels, anything our parser refuses must be refused
// before bcrypt runs, and a nil result must be confirmed by x/crypto/bcrypt itself.
func FuzzVerify(f *testing.F) {
	for _, v := range openwallVectors {
		f.Add(v.hash, []byte(v.password))
	}
	f.Add("$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", []byte("\xa3"))
	f.Add("$2$07$abcdefghijklmnopkC2SI.7Q0nVrcMF4umRv5Pk5vDi0GlDI.lLE.", []byte("0"))
	f.Add("$2a$31$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6", []byte("password"))
	f.Add("$2a$04$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e\xff", []byte("password"))
	f.Add("", []byte(""))
	f.Add("$2a$04$", []byte("a\x00b"))

	h := newTestHasher(f)
	sentinels := []error{
		password.ErrMismatch, password.ErrMalformedHash, password.ErrCostTooHigh,
		password.ErrTooLong, password.ErrEmpty, password.ErrInvalidByte,
	}
	f.Fuzz(func(t *testing.T, hash string, pw []byte) {
		cost, parseErr := password.ParseHash(hash)
		if parseErr == nil && cost > 6 {
			// Well-formed but expensive: bcrypt at cost 7..14 would make fuzzing crawl, and
			// costs above 14 are refused (TestVerifyCostCeiling). Check the parse only.
			if got, err := bcrypt.Cost([]byte(hash)); err != nil || got != cost {
				t.Fatalf("ParseHash cost %d, x/crypto says %d, %v", cost, got, err)
			}
			return
		}

		err := h.Verify(t.Context(), hash, pw)

		if err == nil {
			if parseErr != nil {
				t.Fatalf("Verify accepted a hash ParseHash refuses (%v)", parseErr)
			}
			if len(pw) == 0 || len(pw) > password.MaxLength || strings.IndexByte(string(pw), 0) >= 0 {
				t.Fatalf("Verify accepted a password it must refuse (%d bytes)", len(pw))
			}
			if cerr := bcrypt.CompareHashAndPassword([]byte(hash), pw); cerr != nil {
				t.Fatalf("Verify = nil but x/crypto says %v", cerr)
			}
			return
		}

		known := false
		for _, s := range sentinels {
			known = known || errors.Is(err, s)
		}
		if !known {
			t.Fatalf("Verify = %v, which matches none of our sentinels", err)
		}
		passwordOK := len(pw) > 0 && len(pw) <= password.MaxLength && strings.IndexByte(string(pw), 0) < 0
		if passwordOK && parseErr != nil && !errors.Is(err, password.ErrMalformedHash) {
			t.Fatalf("ParseHash refused the hash (%v) but Verify = %v", parseErr, err)
		}
		if parseErr == nil {
			// Our parser accepted: x/crypto must read the same cost.
			if got, cerr := bcrypt.Cost([]byte(hash)); cerr != nil || got != cost {
				t.Fatalf("ParseHash cost %d, x/crypto says %d, %v", cost, got, cerr)
			}
		}
		if h.NeedsRehash(hash) != (parseErr != nil || cost != h.Cost()) {
			t.Fatalf("NeedsRehash disagrees with ParseHash")
		}
	})
}
