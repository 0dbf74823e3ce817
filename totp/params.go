package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"time"
)

// Algorithm is the HMAC hash of the codes. SHA1 is what every authenticator app supports and
// is the default; HMAC-SHA-1 is not weakened by SHA-1's collisions.
type Algorithm string

// Supported algorithms (RFC 6238 section 1.2).
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

func (a Algorithm) hash() (func() hash.Hash, bool) {
	switch a {
	case SHA1:
		return sha1.New, true
	case SHA256:
		return sha256.New, true
	case SHA512:
		return sha512.New, true
	}
	return nil, false
}

// Defaults of [Params]: what authenticator apps assume when an otpauth URI says nothing.
const (
	DefaultAlgorithm = SHA1
	DefaultDigits    = 6
	DefaultPeriod    = 30 * time.Second
)

// maxPeriod bounds the time step: a longer one keeps each code valid for minutes.
const maxPeriod = 2 * time.Minute

// Params are a secret's code parameters. The zero value means the defaults (SHA1, 6 digits,
// 30 seconds); a zero field means its default. A Params is a plain value, safe to copy and to
// share.
type Params struct {
	Algorithm Algorithm     // default SHA1
	Digits    int           // 6 (default) or 8
	Period    time.Duration // whole seconds, 15 s to 2 min; default 30 s
}

// withDefaults fills in zero fields.
func (p Params) withDefaults() Params {
	if p.Algorithm == "" {
		p.Algorithm = DefaultAlgorithm
	}
	if p.Digits == 0 {
		p.Digits = DefaultDigits
	}
	if p.Period == 0 {
		p.Period = DefaultPeriod
	}
	return p
}

// Validate reports whether p (with defaults filled in) is supported: SHA1, SHA256 or SHA512,
// 6 or 8 digits, a period of whole seconds from 15 s to 2 min. Errors match
// [ErrInvalidParams].
func (p Params) Validate() error {
	p = p.withDefaults()
	if _, ok := p.Algorithm.hash(); !ok {
		return fmt.Errorf("%w: algorithm %q", ErrInvalidParams, string(p.Algorithm))
	}
	if p.Digits != 6 && p.Digits != 8 {
		return fmt.Errorf("%w: %d digits (6 or 8)", ErrInvalidParams, p.Digits)
	}
	if p.Period < 15*time.Second || p.Period > maxPeriod || p.Period%time.Second != 0 {
		return fmt.Errorf("%w: period %v (whole seconds, 15s to 2m)", ErrInvalidParams, p.Period)
	}
	return nil
}

// Step returns the time step of t (RFC 6238's T: Unix time divided by the period).
func (p Params) Step(t time.Time) uint64 {
	p = p.withDefaults()
	return uint64(t.Unix()) / uint64(p.Period/time.Second)
}

// HOTP returns the code of secret for counter (RFC 4226 section 5.3: HMAC, dynamic truncation,
// p.Digits decimal digits). It fails only for unsupported parameters.
func (p Params) HOTP(secret []byte, counter uint64) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	p = p.withDefaults()
	newHash, _ := p.Algorithm.hash()
	return hotp(newHash, secret, counter, p.Digits), nil
}

// Code returns the code of secret at t (RFC 6238: HOTP of the time step).
func (p Params) Code(secret []byte, t time.Time) (string, error) {
	return p.HOTP(secret, p.Step(t))
}

func hotp(newHash func() hash.Hash, secret []byte, counter uint64, digits int) string {
	mac := hmac.New(newHash, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	v := bin % mod
	out := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out)
}

// match reports the time step within skew steps of now whose code is code. It computes and
// compares every step of the window in constant time, so timing says nothing about which step
// (or how many digits) matched. code must be p.Digits digits (see [ParseCode]).
func (p Params) match(secret []byte, code string, now time.Time, skew int) (step uint64, ok bool) {
	p = p.withDefaults()
	newHash, valid := p.Algorithm.hash()
	if !valid || len(code) != p.Digits {
		return 0, false
	}
	center := p.Step(now)
	var found uint64
	matched := 0
	for d := -skew; d <= skew; d++ {
		s := center + uint64(int64(d))
		if d < 0 && uint64(-d) > center {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(newHash, secret, s, p.Digits)), []byte(code))
		found = uint64(subtle.ConstantTimeSelect(eq&^matched, int(s), int(found)))
		matched |= eq
	}
	return found, matched == 1
}
