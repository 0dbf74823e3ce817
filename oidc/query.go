package oidc

import (
	"errors"
	"net/url"
)

// Bounds on the callback's query: far above what providers send, far below what would cost us.
const (
	maxQueryLen = 8 << 10
	maxStateLen = 256
	maxCodeLen  = 4096
	maxErrorLen = 64
	maxIssLen   = 1024
)

// callbackParams is the authorization response (RFC 6749 section 4.1.2, RFC 9207).
type callbackParams struct {
	state    string
	code     string
	errCode  string // the error parameter: access_denied, ...
	iss      string
	hasIss   bool
	hasError bool
}

var errBadQuery = errors.New("oidc: malformed callback query")

// parseCallback reads the callback's query. Each parameter it reads must appear at most once
// (which copy a checker reads is what parameter-pollution tricks play on) and hold visible ASCII
// within bounds; other parameters (session_state, scope, ...) are ignored, error_description
// and error_uri included, since an attacker writes them. It never panics.
func parseCallback(rawQuery string) (callbackParams, error) {
	var p callbackParams
	if len(rawQuery) > maxQueryLen {
		return p, errBadQuery
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return p, errBadQuery
	}
	one := func(name string, max int) (string, bool, error) {
		v, ok := q[name]
		switch {
		case !ok:
			return "", false, nil
		case len(v) != 1 || len(v[0]) > max || !printableASCII(v[0]):
			return "", true, errBadQuery
		}
		return v[0], true, nil
	}
	var errs [4]error
	p.state, _, errs[0] = one("state", maxStateLen)
	p.code, _, errs[1] = one("code", maxCodeLen)
	p.errCode, p.hasError, errs[2] = one("error", maxErrorLen)
	p.iss, p.hasIss, errs[3] = one("iss", maxIssLen)
	if err := errors.Join(errs[:]...); err != nil {
		return callbackParams{}, errBadQuery
	}
	return p, nil
}

// printableASCII reports whether s is ASCII from space to tilde, the character set of RFC 6749's
// state, code and error values.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
