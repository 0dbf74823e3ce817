package token

import (
	"encoding/json"
	"strings"
)

// How Verify reads the registered claims.
//
// encoding/json reads a payload in two passes (a full syntax check, then the
// decoding), and a generic T cannot be embedded next to wireClaims, so
// decoding the payload into both would read it four times. Instead Verify
// decodes T with encoding/json, which also proves the whole payload is valid
// JSON, and scanClaims then picks the registered claims out of it in one
// pass, in the shape this package writes: plain ASCII names and strings
// without escapes, integer dates, an "amr" array of such strings, a literal
// boolean "rem" and an integer "sver". Anything else (an escape, a non-ASCII
// byte, a name that only case-folds to a registered one, a null, an "aud"
// array, a string where a date belongs, a number where a boolean belongs) makes
// it give up, and encoding/json decodes
// wireClaims as before: the fast path never decides anything the slow one
// would decide differently (FuzzScanClaims checks this).

// The registered claims scanClaims reads, in wireClaims' order.
const (
	claimSub = iota
	claimJti
	claimSid
	claimIss
	claimAud
	claimIat
	claimNbf
	claimExp
	claimAuthTime
	claimSst
	claimAmr
	claimRem
	claimSver
	numClaims
)

var claimNames = [numClaims]string{"sub", "jti", "sid", "iss", "aud", "iat", "nbf", "exp", "auth_time", "sst", "amr", "rem", "sver"}

// decodeWireClaims reads the registered claims of a payload already known to
// be valid JSON: by scanClaims when it can, else by encoding/json.
func decodeWireClaims(payload []byte, w *wireClaims) error {
	if scanClaims(payload, w) {
		return nil
	}
	v := new(wireClaims)
	if err := json.Unmarshal(payload, v); err != nil {
		return err
	}
	*w = *v
	return nil
}

// scanClaims fills w from p, a JSON object, and reports whether it could.
// When it reports false, w is unspecified and the caller must decode p with
// encoding/json. It never panics, whatever p holds.
func scanClaims(p []byte, w *wireClaims) bool {
	type span struct{ lo, hi int } // a string value's bytes, without quotes
	var strs [claimAud + 1]span
	var found [numClaims]bool
	var dates [numClaims]numericDate
	var amr span // the array's bytes, brackets included
	var rem bool
	var sver uint64

	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '{' {
		return false
	}
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == '}' {
		i++
	} else {
		for {
			if i >= len(p) || p[i] != '"' {
				return false
			}
			end, plain := scanString(p, i)
			if end < 0 || !plain {
				return false // a name with an escape could spell a registered one
			}
			field := claimField(p[i+1 : end-1])
			if field == -2 {
				return false // case-folds to a registered name: json's rules apply
			}
			i = skipSpace(p, end)
			if i >= len(p) || p[i] != ':' {
				return false
			}
			i = skipSpace(p, i+1)
			end = skipValue(p, i)
			if end < 0 {
				return false
			}
			switch field {
			case -1:
			case claimSub, claimJti, claimSid, claimIss, claimAud:
				if p[i] != '"' {
					return false // null, an array, a number: left to encoding/json
				}
				if _, plain := scanString(p, i); !plain {
					return false
				}
				strs[field] = span{i + 1, end - 1}
			case claimAmr:
				if !plainStringArray(p[i:end]) {
					return false
				}
				amr = span{i, end}
			case claimRem:
				switch string(p[i:end]) {
				case "true":
					rem = true
				case "false":
					rem = false
				default:
					return false // null, a number, a string: left to encoding/json
				}
			case claimSver:
				v, ok := parseUint(p[i:end])
				if !ok {
					return false
				}
				sver = v
			default: // a NumericDate
				if p[i] < '0' || p[i] > '9' {
					return false
				}
				if dates[field].UnmarshalJSON(p[i:end]) != nil {
					return false
				}
			}
			if field >= 0 {
				found[field] = true
			}
			i = skipSpace(p, end)
			if i >= len(p) {
				return false
			}
			if p[i] == '}' {
				i++
				break
			}
			if p[i] != ',' {
				return false
			}
			i = skipSpace(p, i+1)
		}
	}
	if skipSpace(p, i) != len(p) {
		return false
	}

	*w = wireClaims{Iat: dates[claimIat], Nbf: dates[claimNbf], Exp: dates[claimExp], AuthTime: dates[claimAuthTime],
		Sst: dates[claimSst], Rem: rem, Sver: sver}
	var s string // one copy of the payload that every string claim shares
	if found[claimAmr] {
		s = string(p)
		w.Amr = splitStringArray(s[amr.lo:amr.hi])
	}
	for f := range strs {
		if !found[f] {
			continue
		}
		if s == "" {
			s = string(p)
		}
		v := s[strs[f].lo:strs[f].hi]
		switch f {
		case claimSub:
			w.Sub = v
		case claimJti:
			w.Jti = v
		case claimSid:
			w.Sid = v
		case claimIss:
			w.Iss = v
		case claimAud:
			w.Aud = audience{v}
		}
	}
	return true
}

// claimField returns the index of the registered claim named exactly name,
// -1 for a name that is none, and -2 for one that is none but case-folds to
// one (encoding/json would match it). name must be ASCII (scanString's
// plain), so that ASCII case folding is Unicode simple folding.
func claimField(name []byte) int {
	switch string(name) {
	case "sub":
		return claimSub
	case "jti":
		return claimJti
	case "sid":
		return claimSid
	case "iss":
		return claimIss
	case "aud":
		return claimAud
	case "iat":
		return claimIat
	case "nbf":
		return claimNbf
	case "exp":
		return claimExp
	case "auth_time":
		return claimAuthTime
	case "sst":
		return claimSst
	case "amr":
		return claimAmr
	case "rem":
		return claimRem
	case "sver":
		return claimSver
	}
	for _, n := range claimNames {
		if len(name) == len(n) && strings.EqualFold(string(name), n) {
			return -2
		}
	}
	return -1
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting with the quote at p[i] and
// returns the index just past its closing quote (-1 when there is none) and
// whether it is plain: no escapes, no control or non-ASCII bytes, so that
// its bytes are its value.
func scanString(p []byte, i int) (end int, plain bool) {
	plain = true
	for j := i + 1; j < len(p); j++ {
		switch c := p[j]; {
		case c == '"':
			return j + 1, plain
		case c == '\\':
			plain = false
			j++
		case c < 0x20 || c >= 0x80:
			plain = false
		}
	}
	return -1, false
}

// skipValue returns the index just past the JSON value starting at p[i], or
// -1 when it cannot find its end.
func skipValue(p []byte, i int) int {
	if i >= len(p) {
		return -1
	}
	switch p[i] {
	case '"':
		end, _ := scanString(p, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(p); j++ {
			switch p[j] {
			case '"':
				end, _ := scanString(p, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(p) && p[j] != ',' && p[j] != '}' && p[j] != ']' && p[j] != ' ' && p[j] != '\t' && p[j] != '\n' && p[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// plainStringArray reports whether v, one JSON value, is an array of plain strings (see
// scanString), possibly empty, with optional whitespace.
func plainStringArray(v []byte) bool {
	if len(v) < 2 || v[0] != '[' {
		return false
	}
	i := skipSpace(v, 1)
	if i < len(v) && v[i] == ']' {
		return skipSpace(v, i+1) == len(v)
	}
	for {
		if i >= len(v) || v[i] != '"' {
			return false
		}
		end, plain := scanString(v, i)
		if end < 0 || !plain {
			return false
		}
		i = skipSpace(v, end)
		if i >= len(v) {
			return false
		}
		switch v[i] {
		case ']':
			return skipSpace(v, i+1) == len(v)
		case ',':
			i = skipSpace(v, i+1)
		default:
			return false
		}
	}
}

// splitStringArray returns the strings of a that plainStringArray accepted, sharing a's
// memory: an empty, non-nil slice for [], as encoding/json decodes it.
func splitStringArray(a string) []string {
	out := make([]string, 0, 4)
	for i := 1; i < len(a); i++ {
		if a[i] != '"' {
			continue
		}
		j := i + 1
		for a[j] != '"' {
			j++
		}
		out = append(out, a[i+1:j])
		i = j
	}
	return out
}

// parseUint reads a JSON number that is a non-negative integer fitting a uint64, as
// encoding/json decodes into one; anything else (a sign, a fraction, an exponent, an
// overflow) reports false.
func parseUint(v []byte) (uint64, bool) {
	if len(v) == 0 || len(v) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
