package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// How Verify reads the JWS protected header.
//
// Every key writes one fixed header, {"alg":...,"kid":...,"typ":"JWT"}, whose
// base64url form is computed once (Key.header) and indexed by the KeySet. The
// fast path of Verify is a map lookup of the token's header segment: a hit
// proves, without decoding anything, that alg is the key's pinned algorithm,
// that kid names that key, that typ is JWT and that no other parameter (crit,
// b64, jku, jwk, x5u, x5c, x5t, zip, cty, ...) is present, in the one
// canonical encoding. This is stricter than decoding and checking fields:
// duplicate or differently-cased names, odd spacing and non-canonical base64
// can never reach signature verification.
//
// On a miss the token is rejected whatever happens; classifyHeader only
// decodes the header to report the most useful reason.

// jwsHeader holds the header parameters classifyHeader reports on. A nil
// RawMessage means the parameter is absent.
type jwsHeader struct {
	Alg     *string         `json:"alg"`
	Kid     *string         `json:"kid"`
	Typ     *string         `json:"typ"`
	Crit    json.RawMessage `json:"crit"`
	B64     json.RawMessage `json:"b64"`
	Jku     json.RawMessage `json:"jku"`
	Jwk     json.RawMessage `json:"jwk"`
	X5u     json.RawMessage `json:"x5u"`
	X5c     json.RawMessage `json:"x5c"`
	X5t     json.RawMessage `json:"x5t"`
	X5tS256 json.RawMessage `json:"x5t#S256"`
	Zip     json.RawMessage `json:"zip"`
	Cty     json.RawMessage `json:"cty"`
	Enc     json.RawMessage `json:"enc"`
}

// classifyHeader explains why the header segment h matches no key of ks. It
// always returns an error.
func classifyHeader(h string, ks *KeySet, b64 *base64.Encoding) error {
	raw, err := decodeSegment(b64, h)
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	var hdr jwsHeader
	if err := json.Unmarshal(raw, &hdr); err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	for _, p := range []struct {
		name string
		v    json.RawMessage
	}{
		{"crit", hdr.Crit}, {"b64", hdr.B64}, {"jku", hdr.Jku}, {"jwk", hdr.Jwk},
		{"x5u", hdr.X5u}, {"x5c", hdr.X5c}, {"x5t", hdr.X5t}, {"x5t#S256", hdr.X5tS256},
		{"zip", hdr.Zip}, {"cty", hdr.Cty}, {"enc", hdr.Enc},
	} {
		if p.v != nil {
			return fmt.Errorf("%w: forbidden header parameter %q", ErrMalformed, p.name)
		}
	}
	if hdr.Typ != nil && *hdr.Typ != "JWT" {
		return fmt.Errorf("%w: unexpected typ", ErrMalformed)
	}
	if hdr.Alg == nil || *hdr.Alg == "" {
		return fmt.Errorf("%w: missing alg", ErrAlgorithm)
	}
	if strings.EqualFold(*hdr.Alg, "none") {
		return fmt.Errorf("%w: unsigned token (alg none)", ErrAlgorithm)
	}
	alg := Algorithm(*hdr.Alg)
	if !alg.known() {
		return fmt.Errorf("%w: unsupported alg", ErrAlgorithm)
	}
	if hdr.Kid == nil || *hdr.Kid == "" {
		return fmt.Errorf("%w: missing kid", ErrUnknownKey)
	}
	key := ks.lookup(*hdr.Kid)
	if key == nil {
		return ErrUnknownKey // the kid is attacker text: not echoed
	}
	if key.alg != alg {
		return fmt.Errorf("%w: header alg %s, key %q is pinned to %s", ErrAlgorithm, alg, key.kid, key.alg)
	}
	return fmt.Errorf("%w: header is not the one key %q writes (extra or duplicate parameters, or non-canonical JSON)", ErrMalformed, key.kid)
}

// jweHeader is every parameter allowed in the JWE protected header; any
// other is refused (zip, crit, jku, jwk, epk, p2s, p2c, ...), and so are
// duplicate names and names in another case (see checkJWENames).
type jweHeader struct {
	Alg string  `json:"alg"`
	Enc string  `json:"enc"`
	Kid string  `json:"kid"`
	Cty *string `json:"cty"`
	Typ *string `json:"typ"`
}

// parseJWEHeader decodes and checks a JWE protected header segment.
func parseJWEHeader(h string, b64 *base64.Encoding) (*jweHeader, error) {
	raw, err := decodeSegment(b64, h)
	if err != nil {
		return nil, fmt.Errorf("%w: JWE header: %w", ErrMalformed, err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%w: JWE header is not a JSON object", ErrMalformed)
	}
	if err := checkJWENames(raw); err != nil {
		return nil, fmt.Errorf("%w: JWE header: %w", ErrMalformed, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var hdr jweHeader
	if err := dec.Decode(&hdr); err != nil {
		return nil, fmt.Errorf("%w: JWE header: %w", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: JWE header: trailing data", ErrMalformed)
	}
	if hdr.Alg != "dir" || hdr.Enc != "A256GCM" {
		return nil, fmt.Errorf("%w: JWE must use alg dir and enc A256GCM", ErrAlgorithm)
	}
	if (hdr.Cty != nil && *hdr.Cty != "JWT") || (hdr.Typ != nil && *hdr.Typ != "JWT") {
		return nil, fmt.Errorf("%w: unexpected JWE cty or typ", ErrMalformed)
	}
	return &hdr, nil
}

// checkJWENames requires the names of the header object raw to be among
// alg, enc, kid, cty and typ, exactly so spelled, each at most once.
//
// encoding/json alone is not enough: it matches "ENC" (or any Unicode case
// variant) to the enc field and keeps the last of duplicate names, while jwx,
// which decrypts, reads names case-sensitively. {"enc":"A128CBC-HS256",
// "ENC":"A256GCM"} would pass our enc check and be decrypted by jwx with
// A128CBC-HS256. With exact, unique names, both read the same header.
func checkJWENames(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("not a JSON object")
	}
	var seen [5]bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		i := slices.Index([]string{"alg", "enc", "kid", "cty", "typ"}, name)
		if i < 0 {
			return fmt.Errorf("parameter not allowed") // attacker text: not echoed
		}
		if seen[i] {
			return fmt.Errorf("duplicate parameter %q", name)
		}
		seen[i] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
	}
	return nil
}

// decodeSegment decodes one base64url segment: no padding, canonical
// trailing bits, and no line breaks (which encoding/base64 would skip).
func decodeSegment(b64 *base64.Encoding, s string) ([]byte, error) {
	out, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad base64url")
	}
	if b64.EncodedLen(len(out)) != len(s) {
		return nil, fmt.Errorf("bad base64url")
	}
	return out, nil
}

// decodeSegmentTo is decodeSegment for a segment held in src, decoding into
// the capacity of dst (which must hold b64.DecodedLen(len(src)) bytes).
func decodeSegmentTo(b64 *base64.Encoding, dst, src []byte) ([]byte, error) {
	n, err := b64.Decode(dst[:b64.DecodedLen(len(src))], src)
	if err != nil || b64.EncodedLen(n) != len(src) {
		return nil, fmt.Errorf("bad base64url")
	}
	return dst[:n:n], nil
}
