package token

import (
	"encoding/base64"
	"fmt"
	"sync/atomic"
	"time"
)

// Codec issues and verifies tokens whose private claims are the caller's
// struct type T. Make one with [New]; the zero Codec is not usable.
//
// A Codec is safe for concurrent use: its configuration is fixed by New and
// its [KeySet] is swapped atomically by [Codec.SetKeys], so a Verify running
// during a swap sees either the old or the new set, never a mix.
type Codec[T any] struct {
	keys    atomic.Pointer[KeySet]
	opts    options
	payload payloadInfo
	b64     *base64.Encoding // base64url, no padding, strict trailing bits
}

// New returns a Codec signing with keys.SigningKey() and verifying with every
// key of keys.
//
// T must be a struct or a pointer to a struct. Its JSON fields become private
// claims at the top level of the JWT payload, so New refuses ([ErrInvalidType])
// a T with a JSON name that equals, ignoring case, a registered claim name:
// sub, jti, sid, iss, aud, iat, nbf, exp, auth_time, nonce, azp, acr, amr,
// at_hash, c_hash, cnf, act or may_act. (For a T with its own MarshalJSON the
// check runs on each Issue instead.) If T or *T has a Validate() error method,
// Issue, Renew and Verify call it and fail with [ErrInvalidClaims] when it
// does.
//
// New validates every option and fails fast; see the With... functions for
// the defaults.
func New[T any](keys *KeySet, opts ...Option) (*Codec[T], error) {
	info, err := inspectPayload[T]()
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("token: nil Option")
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.maxIssuedSize > o.maxTokenSize {
		return nil, fmt.Errorf("token: max issued size %d exceeds max token size %d: Verify would refuse tokens Issue makes", o.maxIssuedSize, o.maxTokenSize)
	}
	if err := checkKeySet(keys); err != nil {
		return nil, err
	}
	c := &Codec[T]{opts: o, payload: info, b64: base64.RawURLEncoding.Strict()}
	c.keys.Store(keys)
	return c, nil
}

func checkKeySet(ks *KeySet) error {
	if ks == nil || !ks.signing.CanSign() {
		return fmt.Errorf("%w: nil or empty key set; use NewKeySet", ErrInvalidKey)
	}
	return nil
}

// SetKeys atomically replaces the key set: tokens issued afterwards are
// signed with ks.SigningKey(), and tokens are verified only against ks. To
// rotate without logging everyone out, keep the previous signing key in ks as
// verify-only until its tokens have expired. A nil or zero ks is refused with
// [ErrInvalidKey] and the current set is kept. Safe for concurrent use.
func (c *Codec[T]) SetKeys(ks *KeySet) error {
	if err := checkKeySet(ks); err != nil {
		return err
	}
	c.keys.Store(ks)
	return nil
}

// Keys returns the current key set. The pointer changes exactly when
// [Codec.SetKeys] is called, so callers may cache values derived from it and
// compare pointers to notice a rotation. Safe for concurrent use.
func (c *Codec[T]) Keys() *KeySet { return c.keys.Load() }

// Lifetime returns the lifetime of issued tokens ([WithLifetime]; one hour by
// default). Safe for concurrent use.
func (c *Codec[T]) Lifetime() time.Duration { return c.opts.lifetime }

// Now returns the current time from the Codec's clock ([WithClock];
// [time.Now] by default), so that code around the Codec can share it. Safe
// for concurrent use if the clock is.
func (c *Codec[T]) Now() time.Time { return c.opts.now() }
