package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file takes a token apart WITHOUT verifying anything, for display only.
// Everything it prints comes from the token, that is from whoever wrote it,
// so the output is made safe for a terminal (see terminalSafe).

// decoded is a token taken apart without verification.
type decoded struct {
	encrypted bool   // a compact JWE: header is the JWE header and claims is nil
	header    []byte // the protected header, a JSON object
	claims    []byte // the payload, a JSON object; nil when encrypted
}

// decode splits a compact JWS (3 segments) or JWE (5 segments) and decodes
// what can be read without a key. It never panics, whatever tok holds.
func decode(tok string) (*decoded, error) {
	switch n := strings.Count(tok, ".") + 1; n {
	case 3, 5:
	case 1:
		return nil, errors.New("no dots; a token has 3 dot-separated segments (signed) or 5 (encrypted)")
	default:
		return nil, fmt.Errorf("%d dot-separated segments; a token has 3 (signed) or 5 (encrypted)", n)
	}
	seg := strings.Split(tok, ".")
	d := &decoded{encrypted: len(seg) == 5}
	var err error
	if d.header, err = decodeJSONSegment("header", seg[0]); err != nil {
		return nil, err
	}
	if d.encrypted {
		for i, name := range []string{"encrypted key", "IV", "ciphertext", "authentication tag"} {
			if _, err := decodeSegment(seg[i+1]); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		return d, nil
	}
	if d.claims, err = decodeJSONSegment("claims", seg[1]); err != nil {
		return nil, err
	}
	if _, err := decodeSegment(seg[2]); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	return d, nil
}

var errBase64 = errors.New("not base64url")

// decodeSegment decodes one unpadded base64url segment, strictly, as the
// token package does: no padding, no line breaks, canonical trailing bits.
func decodeSegment(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || base64.RawURLEncoding.EncodedLen(len(b)) != len(s) {
		return nil, errBase64
	}
	return b, nil
}

// decodeJSONSegment decodes a segment that must hold a JSON object.
func decodeJSONSegment(name, s string) ([]byte, error) {
	b, err := decodeSegment(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s: not valid JSON", name)
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%s: not a JSON object", name)
	}
	return b, nil
}

// printJSON writes title and raw (valid JSON) indented, made safe for a
// terminal. Member order and duplicates are kept as they are in the token.
func printJSON(w io.Writer, title string, raw []byte) {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		// Cannot happen for JSON that decode accepted; show it compact.
		b.Reset()
		b.Write(raw)
	}
	fmt.Fprintf(w, "%s:\n%s\n", title, terminalSafe(b.Bytes()))
}

// terminalSafe returns JSON text with every character that is not printable
// written as a \u escape, and invalid UTF-8 as \ufffd, so that a token cannot
// send control sequences to the terminal. Outside strings, indented JSON holds
// only printable ASCII, spaces and newlines, so the result is still the same
// JSON value (with invalid UTF-8 replaced, as encoding/json does).
func terminalSafe(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size == 1:
			s.WriteString(`\ufffd`)
		case r == '\n' || unicode.IsPrint(r):
			s.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&s, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&s, `\u%04x`, r)
		}
	}
	return s.String()
}

// timeClaims are the NumericDate claims printed in human form, in this order. sst (the
// session's start) is printed only when present: tokens from before it existed lack it.
func timeClaims() []string { return []string{"iat", "nbf", "auth_time", "sst", "exp"} }

// printTimes writes the time claims of the JSON object claims in RFC 3339
// and relative to now.
func printTimes(w io.Writer, claims []byte, now time.Time) {
	var m map[string]json.RawMessage
	if json.Unmarshal(claims, &m) != nil {
		return
	}
	fmt.Fprintf(w, "times (now %s):\n", now.UTC().Format(time.RFC3339))
	for _, name := range timeClaims() {
		raw, ok := m[name]
		if !ok && name == "sst" {
			continue
		}
		if !ok {
			fmt.Fprintf(w, "  %-10s absent\n", name)
			continue
		}
		t, ok := numericDate(raw)
		if !ok {
			fmt.Fprintf(w, "  %-10s not a NumericDate (seconds since 1970)\n", name)
			continue
		}
		fmt.Fprintf(w, "  %-10s %s  %s\n", name, t.Format(time.RFC3339), relative(name, t, now))
	}
}

// maxNumericDate bounds the NumericDates printed (about the year 5138), so
// that time arithmetic cannot overflow.
const maxNumericDate = 1e11

// numericDate parses a NumericDate: seconds since the epoch, possibly with a
// fraction (RFC 7519 section 2).
func numericDate(raw json.RawMessage) (time.Time, bool) {
	var n json.Number
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] == '"' || json.Unmarshal(t, &n) != nil {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxNumericDate {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// relative describes t relative to now: "expires in 42m", "expired 3h ago"
// for exp, "in 5m" or "12m ago" for the others.
func relative(name string, t, now time.Time) string {
	d := t.Sub(now).Truncate(time.Second)
	if name == "exp" {
		switch {
		case d > 0:
			return "expires in " + humanDuration(d)
		case d < 0:
			return "expired " + humanDuration(-d) + " ago"
		}
		return "expires now"
	}
	switch {
	case d > 0:
		return "in " + humanDuration(d)
	case d < 0:
		return humanDuration(-d) + " ago"
	}
	return "now"
}

// humanDuration writes d >= 0 in its two largest units, rounded down to a
// second: 59s, 42m10s, 3h5m, 2d3h.
func humanDuration(d time.Duration) string {
	s := int64(d / time.Second)
	const minute, hour, day = 60, 3600, 86400
	pair := func(a int64, ua string, b int64, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%d%s", a, ua)
		}
		return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
	}
	switch {
	case s < minute:
		return fmt.Sprintf("%ds", s)
	case s < hour:
		return pair(s/minute, "m", s%minute, "s")
	case s < day:
		return pair(s/hour, "h", s%hour/minute, "m")
	}
	return pair(s/day, "d", s%day/hour, "h")
}
