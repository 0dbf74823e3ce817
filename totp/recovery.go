package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/keycard-go/keycard/token"
)

// RecoveryCodes is how many recovery codes an account gets.
const RecoveryCodes = 10

// A recovery code is 16 characters of Crockford's base32 (80 random bits), shown in groups of
// four: "7k2m-9qxd-4v8r-hc3n". With 80 bits, a fast hash is enough to store it (as for API
// tokens): nobody can enumerate the codes to invert it. The alphabet leaves out i, l, o and u;
// typed ones are read as 1, 1, 0 and refused.
const (
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	recoveryLen      = 16
)

// NewRecoveryCodes returns n fresh recovery codes to show the user once, and their hashes
// ([HashRecoveryCode]) to store. n must be positive.
func NewRecoveryCodes(sub token.Subject, n int) (codes, hashes []string) {
	for range n {
		var raw [recoveryLen]byte
		_, _ = rand.Read(raw[:10]) // 80 bits; crypto/rand.Read never fails (Go 1.24+)
		var sym [recoveryLen]byte
		bits, acc, j := 0, uint32(0), 0
		for _, b := range raw[:10] {
			acc = acc<<8 | uint32(b)
			bits += 8
			for bits >= 5 {
				bits -= 5
				sym[j] = recoveryAlphabet[(acc>>bits)&31]
				j++
			}
		}
		code := string(sym[0:4]) + "-" + string(sym[4:8]) + "-" + string(sym[8:12]) + "-" + string(sym[12:16])
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(sub, string(sym[:])))
	}
	return codes, hashes
}

// ParseRecoveryCode reads a recovery code as a user typed it (any case, with or without
// hyphens and spaces, i/l read as 1 and o as 0) and returns its canonical form: 16 characters
// of the alphabet, no separators. Errors match [ErrMalformedCode]. It never panics.
func ParseRecoveryCode(s string) (string, error) {
	if len(s) > maxCodeInput {
		return "", fmt.Errorf("%w: too long", ErrMalformedCode)
	}
	out := make([]byte, 0, recoveryLen)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case ' ', '-', '\t':
			continue
		case 'i', 'l':
			c = '1'
		case 'o':
			c = '0'
		}
		if !isRecoverySymbol(c) {
			return "", fmt.Errorf("%w: not a recovery code", ErrMalformedCode)
		}
		if len(out) == recoveryLen {
			return "", fmt.Errorf("%w: too long for a recovery code", ErrMalformedCode)
		}
		out = append(out, c)
	}
	if len(out) != recoveryLen {
		return "", fmt.Errorf("%w: want %d characters", ErrMalformedCode, recoveryLen)
	}
	return string(out), nil
}

func isRecoverySymbol(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u'
}

// HashRecoveryCode returns what the [Store] keeps of a recovery code of sub: the hex SHA-256 of
// the code's canonical form ([ParseRecoveryCode]), bound to the account so that a hash copied to
// another account's record is useless there.
func HashRecoveryCode(sub token.Subject, canonical string) string {
	h := sha256.New()
	h.Write([]byte("keycard totp recovery v1\x00"))
	h.Write([]byte(sub))
	h.Write([]byte{0})
	h.Write([]byte(canonical))
	return hex.EncodeToString(h.Sum(nil))
}
