package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Verify checks a token and returns its claims. It accepts only a token this
// Codec's key set could have issued:
//
//   - at most [WithMaxTokenSize] bytes (8 KiB by default), checked before
//     anything else ([ErrTooLarge]);
//   - with [WithEncryption], a compact JWE with alg "dir", enc "A256GCM", no
//     zip and a kid naming a configured [EncryptionKey] ([ErrDecrypt],
//     [ErrAlgorithm], [ErrMalformed]), around:
//   - a compact JWS whose protected header is exactly the one the key named
//     by its kid writes: that alg, that kid, typ JWT and nothing else. So
//     "none", an alg other than the key's pinned one, crit, b64, jku, jwk,
//     x5u, x5c, x5t, zip and cty are all refused ([ErrAlgorithm],
//     [ErrUnknownKey], [ErrMalformed]); no header ever causes a fetch or
//     makes a key trusted;
//   - whose signature verifies with that key and algorithm, in its one
//     encoding: an ECDSA signature must be low-S, s <= n/2, which is all
//     Issue writes ([ErrSignature]; see signature.go);
//   - whose payload is a JSON object with non-empty sub, jti and sid and
//     NumericDate exp, iat and auth_time ([ErrInvalidClaims]); exp in the
//     future ([ErrExpired]); nbf, iat, auth_time and sst not in the future
//     ([ErrNotYetValid]), all with the leeway of [WithLeeway]; iss and aud as
//     configured ([ErrIssuer], [ErrAudience]); and a payload T that passes
//     its Validate method, if any ([ErrInvalidClaims]).
//
// Errors match one of the sentinels above and never contain the token. Safe
// for concurrent use.
func (c *Codec[T]) Verify(token string) (*Claims[T], error) {
	if len(token) > c.opts.maxTokenSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, c.opts.maxTokenSize)
	}
	ks := c.keys.Load()
	if c.opts.enc != nil {
		inner, err := c.open(token)
		if err != nil {
			return nil, err
		}
		token = string(inner)
	}

	// Exactly three segments: header.payload.signature.
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(s, '.') >= 0 {
		if c.opts.enc == nil && strings.Count(token, ".") == 4 {
			return nil, fmt.Errorf("%w: encrypted token, but no encryption is configured", ErrMalformed)
		}
		return nil, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	key := ks.byHeader[h]
	if key == nil {
		return nil, classifyHeader(h, ks, c.b64)
	}
	// One buffer for the token's bytes and the decoded signature and
	// payload: the signing input is the header and payload segments as they
	// are on the wire (RFC 7515 section 5.2).
	buf := make([]byte, len(token), len(token)+c.b64.DecodedLen(len(s))+c.b64.DecodedLen(len(p)))
	copy(buf, token)
	input := buf[:len(h)+1+len(p)]
	at := len(token) // where the decoded bytes go
	sig, err := decodeSegmentTo(c.b64, buf[at:at], buf[len(input)+1:])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	// With the key's pinned algorithm only, in one encoding (signature.go).
	if err := key.verifySignature(input, sig); err != nil {
		return nil, err
	}

	at += len(sig)
	payload, err := decodeSegmentTo(c.b64, buf[at:at], input[len(h)+1:])
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	cl, err := c.decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	cl.KeyID = key.kid
	return cl, nil
}

// open checks and decrypts the JWE layer and returns the JWS inside.
func (c *Codec[T]) open(token string) ([]byte, error) {
	switch strings.Count(token, ".") {
	case 4:
	case 2:
		return nil, fmt.Errorf("%w: token is not encrypted", ErrDecrypt)
	default:
		return nil, fmt.Errorf("%w: not a compact JWE", ErrMalformed)
	}
	// Only base64url and dots: jwx's decoder is more lenient than ours, and
	// we want one encoding of each token.
	for i := 0; i < len(token); i++ {
		if b := token[i]; !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return nil, fmt.Errorf("%w: not base64url", ErrMalformed)
		}
	}
	h, rest, _ := strings.Cut(token, ".")
	encryptedKey, rest, _ := strings.Cut(rest, ".")
	// jwx ignores the unused low bits of a segment's last character, so each
	// of the IV, ciphertext and tag would have up to 16 spellings.
	for seg := range strings.SplitSeq(rest, ".") {
		if !canonicalBase64(seg) {
			return nil, fmt.Errorf("%w: non-canonical base64url", ErrMalformed)
		}
	}
	hdr, err := parseJWEHeader(h, c.b64)
	if err != nil {
		return nil, err
	}
	if encryptedKey != "" {
		return nil, fmt.Errorf("%w: JWE with alg dir must have an empty encrypted key", ErrMalformed)
	}
	var key *EncryptionKey
	for _, k := range c.opts.decrypt {
		if k.kid == hdr.Kid {
			key = k
			break
		}
	}
	if key == nil {
		return nil, fmt.Errorf("%w: unknown encryption key", ErrDecrypt)
	}
	inner, err := key.decrypt([]byte(token))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return inner, nil
}

// canonicalBase64 reports whether s, made of base64url characters only, is
// the one unpadded encoding of the bytes it decodes to: its length is not 1
// mod 4 and the bits of its last character that encode nothing are zero.
func canonicalBase64(s string) bool {
	var unused byte
	switch len(s) % 4 {
	case 0:
		return true
	case 1:
		return false
	case 2:
		unused = 0x0f
	case 3:
		unused = 0x03
	}
	var v byte
	switch c := s[len(s)-1]; {
	case c >= 'A' && c <= 'Z':
		v = c - 'A'
	case c >= 'a' && c <= 'z':
		v = c - 'a' + 26
	case c >= '0' && c <= '9':
		v = c - '0' + 52
	case c == '-':
		v = 62
	default: // '_'
		v = 63
	}
	return v&unused == 0
}

// decodeClaims parses a verified payload and checks the claims.
func (c *Codec[T]) decodeClaims(payload []byte) (*Claims[T], error) {
	if len(payload) == 0 || payload[0] != '{' {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrInvalidClaims)
	}
	// T's fields into T (which cannot see the registered names, New made
	// sure of that) by encoding/json, which also checks the whole payload is
	// valid JSON; then the registered claims into their typed struct, by the
	// one-pass scanner when the payload has the shape Issue writes (scan.go).
	cl := &Claims[T]{}
	if err := json.Unmarshal(payload, &cl.Payload); err != nil {
		return nil, jsonError(err)
	}
	var w wireClaims
	if err := decodeWireClaims(payload, &w); err != nil {
		return nil, jsonError(err)
	}

	switch {
	case w.Sub == "":
		return nil, fmt.Errorf("%w: missing sub", ErrInvalidClaims)
	case w.Jti == "":
		return nil, fmt.Errorf("%w: missing jti", ErrInvalidClaims)
	case w.Sid == "":
		return nil, fmt.Errorf("%w: missing sid", ErrInvalidClaims)
	case !w.Exp.set:
		return nil, fmt.Errorf("%w: missing exp", ErrInvalidClaims)
	case !w.Iat.set:
		return nil, fmt.Errorf("%w: missing iat", ErrInvalidClaims)
	case !w.AuthTime.set:
		return nil, fmt.Errorf("%w: missing auth_time", ErrInvalidClaims)
	}

	now := c.opts.now()
	leeway := c.opts.leeway
	if !now.Before(w.Exp.t.Add(leeway)) {
		return nil, fmt.Errorf("%w (exp %s)", ErrExpired, w.Exp.t.Format(time.RFC3339))
	}
	late := now.Add(leeway)
	switch {
	case w.Nbf.set && late.Before(w.Nbf.t):
		return nil, fmt.Errorf("%w (nbf %s)", ErrNotYetValid, w.Nbf.t.Format(time.RFC3339))
	case late.Before(w.Iat.t):
		return nil, fmt.Errorf("%w: issued in the future (iat %s)", ErrNotYetValid, w.Iat.t.Format(time.RFC3339))
	case late.Before(w.AuthTime.t):
		return nil, fmt.Errorf("%w: auth_time in the future", ErrNotYetValid)
	case w.Sst.set && late.Before(w.Sst.t):
		return nil, fmt.Errorf("%w: sst in the future", ErrNotYetValid)
	}

	if c.opts.issuer != "" && w.Iss != c.opts.issuer {
		return nil, ErrIssuer
	}
	if len(c.opts.audience) == 0 {
		if len(w.Aud) != 0 {
			return nil, fmt.Errorf("%w: token names an audience, none is configured", ErrAudience)
		}
	} else if !slices.ContainsFunc(w.Aud, func(a string) bool { return slices.Contains(c.opts.audience, a) }) {
		return nil, ErrAudience
	}

	if err := validatePayload(c.payload, &cl.Payload); err != nil {
		return nil, err
	}

	cl.Subject = Subject(w.Sub)
	cl.ID = ID(w.Jti)
	cl.SessionID = SessionID(w.Sid)
	cl.Issuer = w.Iss
	if len(w.Aud) > 0 {
		cl.Audience = w.Aud
	}
	cl.IssuedAt = w.Iat.t
	cl.NotBefore = w.Nbf.t
	cl.Expiry = w.Exp.t
	cl.AuthTime = w.AuthTime.t
	cl.SessionStart = w.AuthTime.t // tokens from before sst existed: the login began the session
	if w.Sst.set {
		cl.SessionStart = w.Sst.t
	}
	cl.AMR = w.Amr
	cl.Remember = w.Rem
	cl.Version = w.Sver
	return cl, nil
}

// jsonError maps a payload decoding error: bad JSON syntax is malformed, a
// claim of the wrong type is an invalid claim.
func jsonError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalidClaims, err)
}
