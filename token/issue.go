package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Issue makes a token for a new session of sub carrying payload: a fresh
// random jti and sid, iat = nbf = now in whole seconds, auth_time = sst = now
// to the microsecond (so that a revocation of every session of sub made in the
// same second can tell an earlier login from a later one), exp = iat +
// lifetime, the configured iss and aud, signed with the current signing key
// (and encrypted when [WithEncryption] is set). It returns the token and its
// claims. [Codec.IssueClaims] sets the session claims (amr, rem, ...) too.
//
// sub must not be empty and payload must pass its Validate method, if any
// ([ErrInvalidClaims]). A token longer than [WithMaxIssuedSize] (3800 bytes
// by default, to fit a cookie) is refused with [ErrTooLarge]: keep the
// payload small. Safe for concurrent use.
func (c *Codec[T]) Issue(sub Subject, payload T) (string, *Claims[T], error) {
	return c.IssueClaims(Claims[T]{Subject: sub, Payload: payload})
}

// IssueClaims makes a token carrying the session claims of tmpl: Subject (required), Payload,
// SessionID, SessionStart, AuthTime, AMR, Remember and Version, as given, except that an empty
// SessionID gets a fresh random one and a zero SessionStart or AuthTime gets now. Expiry may be
// given: zero means now + the lifetime ([WithLifetime]); otherwise it is rounded down to whole
// seconds and must be after now and at most 30 days from now ([ErrInvalidClaims]). Everything
// else is the codec's: a fresh jti, iat = nbf = now, the configured iss and aud, and the
// current signing key. It is what [Codec.Issue] and [Codec.Renew] are built on, for callers
// that manage sessions themselves (the middleware package does). Errors as for [Codec.Issue].
// Safe for concurrent use.
func (c *Codec[T]) IssueClaims(tmpl Claims[T]) (string, *Claims[T], error) {
	if tmpl.Subject == "" {
		return "", nil, fmt.Errorf("%w: empty subject", ErrInvalidClaims)
	}
	now := c.opts.now()
	cl := &Claims[T]{
		Subject:      tmpl.Subject,
		SessionID:    tmpl.SessionID,
		AuthTime:     tmpl.AuthTime,
		SessionStart: tmpl.SessionStart,
		AMR:          slices.Clone(tmpl.AMR),
		Remember:     tmpl.Remember,
		Version:      tmpl.Version,
		Expiry:       tmpl.Expiry,
		Payload:      tmpl.Payload,
	}
	if cl.SessionID == "" {
		cl.SessionID = SessionID(randomID())
	}
	if cl.AuthTime.IsZero() {
		cl.AuthTime = now
	}
	if cl.SessionStart.IsZero() {
		cl.SessionStart = now
	}
	return c.sign(cl, now)
}

// Renew makes a new token continuing the session of prev, which should come
// from [Codec.Verify]: it keeps sub, sid, auth_time, sst, amr, rem, sver and
// the payload, and takes a fresh jti, iat, nbf and exp (now + lifetime), the
// configured iss and aud, and the CURRENT signing key (so renewing also moves
// sessions onto a rotated key). Renew does not check prev's expiry; that is
// Verify's job. Errors as for [Codec.Issue]. Safe for concurrent use.
func (c *Codec[T]) Renew(prev *Claims[T]) (string, *Claims[T], error) {
	if prev == nil || prev.Subject == "" || prev.SessionID == "" || prev.AuthTime.IsZero() {
		return "", nil, fmt.Errorf("%w: Renew needs claims with sub, sid and auth_time", ErrInvalidClaims)
	}
	next := *prev
	next.Expiry = time.Time{}
	if next.SessionStart.IsZero() {
		next.SessionStart = prev.AuthTime
	}
	return c.IssueClaims(next)
}

// sign fills in the per-token claims of cl and encodes it.
func (c *Codec[T]) sign(cl *Claims[T], now time.Time) (string, *Claims[T], error) {
	if err := validatePayload(c.payload, &cl.Payload); err != nil {
		return "", nil, err
	}
	now = time.Unix(now.Unix(), 0).UTC()
	// auth_time and sst keep microseconds: a revocation of every session of a subject made in
	// the same second as a new login must still tell the two apart (see
	// middleware.RevocationStore).
	cl.AuthTime = cl.AuthTime.Truncate(time.Microsecond).UTC()
	cl.SessionStart = cl.SessionStart.Truncate(time.Microsecond).UTC()
	exp := now.Add(c.opts.lifetime)
	if !cl.Expiry.IsZero() {
		exp = time.Unix(cl.Expiry.Unix(), 0).UTC()
		if !exp.After(now) || exp.Sub(now) > maxLifetime {
			return "", nil, fmt.Errorf("%w: expiry must be after now and at most %s away", ErrInvalidClaims, maxLifetime)
		}
	}
	if a, s := cl.AuthTime.Unix(), cl.SessionStart.Unix(); a < 0 || a > maxUnix || s < 0 || s > maxUnix ||
		now.Unix() < 0 || exp.Unix() > maxUnix {
		return "", nil, fmt.Errorf("%w: time out of range", ErrInvalidClaims)
	}
	for _, m := range cl.AMR {
		if m == "" || !plainASCII(m) {
			return "", nil, fmt.Errorf("%w: amr values must be non-empty, of ASCII letters, digits and \"-_.:\" only", ErrInvalidClaims)
		}
	}
	key := c.keys.Load().signing
	cl.ID = ID(randomID())
	cl.Issuer = c.opts.issuer
	cl.Audience = slices.Clone(c.opts.audience)
	cl.IssuedAt = now
	cl.NotBefore = now
	cl.Expiry = exp
	cl.KeyID = key.kid

	payload, err := c.encodePayload(cl)
	if err != nil {
		return "", nil, err
	}

	enc := base64.RawURLEncoding
	// The JWS alone must fit; refuse before paying for a signature.
	size := len(key.header) + 1 + enc.EncodedLen(len(payload)) + 1
	if size > c.opts.maxIssuedSize {
		return "", nil, fmt.Errorf("%w: token would be over %d bytes; make the payload smaller", ErrTooLarge, c.opts.maxIssuedSize)
	}
	buf := make([]byte, 0, size+enc.EncodedLen(512)) // 512: the largest signature, RSA-4096
	buf = append(buf, key.header...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := key.sign(buf)
	if err != nil {
		return "", nil, fmt.Errorf("%w: signing failed: %w", ErrInvalidKey, err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)

	if c.opts.enc != nil {
		if buf, err = c.opts.enc.encrypt(buf); err != nil {
			return "", nil, fmt.Errorf("%w: encryption failed: %w", ErrInvalidKey, err)
		}
	}
	if len(buf) > c.opts.maxIssuedSize {
		return "", nil, fmt.Errorf("%w: token is %d bytes, over %d; make the payload smaller", ErrTooLarge, len(buf), c.opts.maxIssuedSize)
	}
	return string(buf), cl, nil
}

// plainASCII reports whether s holds only ASCII letters, digits and "-_.:", as RFC 8176's amr
// values do: encoding/json writes them without escapes, the form the claims scanner reads.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:", c) >= 0) {
			return false
		}
	}
	return true
}

// encodePayload writes the registered claims and the payload's fields as one
// JSON object: {"sub":...,"exp":...,<fields of T>}.
func (c *Codec[T]) encodePayload(cl *Claims[T]) ([]byte, error) {
	reg, err := json.Marshal(wireClaims{
		Sub:      string(cl.Subject),
		Jti:      string(cl.ID),
		Sid:      string(cl.SessionID),
		Iss:      cl.Issuer,
		Aud:      cl.Audience,
		Iat:      newNumericDate(cl.IssuedAt),
		Nbf:      newNumericDate(cl.NotBefore),
		Exp:      newNumericDate(cl.Expiry),
		AuthTime: newNumericDate(cl.AuthTime),
		Sst:      newNumericDate(cl.SessionStart),
		Amr:      cl.AMR,
		Rem:      cl.Remember,
		Sver:     cl.Version,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	own, err := json.Marshal(cl.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	// json.Marshal output is compact, so an object starts with '{' and ends
	// with '}' with no surrounding space.
	if len(own) < 2 || own[0] != '{' || own[len(own)-1] != '}' {
		return nil, fmt.Errorf("%w: payload does not marshal to a JSON object", ErrInvalidClaims)
	}
	if c.payload.customJSON {
		if err := checkObjectNames(own); err != nil {
			return nil, err
		}
	}
	if len(own) == 2 { // {}
		return reg, nil
	}
	// Splice: reg without its '}', a comma, own without its '{'.
	out := make([]byte, 0, len(reg)+len(own))
	out = append(out, reg[:len(reg)-1]...)
	out = append(out, ',')
	return append(out, own[1:]...), nil
}

// randomID returns 128 bits from crypto/rand, base64url encoded (22 bytes).
func randomID() string {
	var b [16]byte
	// crypto/rand.Read never returns an error (since Go 1.24 it crashes the
	// program rather than return short or predictable output).
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
