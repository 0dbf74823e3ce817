package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"sync"
)

// macVerifier checks the HMAC signatures of one HMAC key with the standard
// library, reusing keyed hash states: hmac.New hashes the padded key into two
// fresh states and allocates five objects on every call, which for a token
// of a few hundred bytes is about a quarter of the work of verifying it.
// A pooled state is Reset to its keyed form after each use, so no request
// ever sees another's data. The comparison is constant-time.
//
// Safe for concurrent use.
type macVerifier struct {
	pool sync.Pool // of *macState
}

// macState is one keyed HMAC with room for its output, so that a check
// allocates nothing.
type macState struct {
	h   hash.Hash
	sum [sha512.Size]byte
}

// newMACVerifier returns the verifier of secret for alg, which must be HS256,
// HS384 or HS512; secret must not be modified afterwards.
func newMACVerifier(alg Algorithm, secret []byte) *macVerifier {
	h := sha256.New
	switch alg {
	case HS384:
		h = sha512.New384
	case HS512:
		h = sha512.New
	}
	v := &macVerifier{}
	v.pool.New = func() any { return &macState{h: hmac.New(h, secret)} }
	return v
}

// verify reports whether sig is the HMAC of input.
func (v *macVerifier) verify(input, sig []byte) bool {
	st := v.pool.Get().(*macState)
	st.h.Write(input)
	ok := hmac.Equal(st.h.Sum(st.sum[:0]), sig)
	st.h.Reset()
	v.pool.Put(st)
	return ok
}
