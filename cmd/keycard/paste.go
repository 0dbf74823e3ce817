package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// This file finds the token in what a user pastes into inspect: a bare token, a cookie copied
// from a browser's developer tools, or a Cookie or Set-Cookie header from a request dump.

// fromPaste returns the token in s and, when s held cookies, the name of the cookie it came
// from. A token never contains "=" (its segments are unpadded base64url), so text with "=" is
// read as cookies, unless a "." comes before the first "=": that is a token with padding or
// other damage, which decode then describes.
func fromPaste(s string) (tok, cookie string, err error) {
	s = strings.TrimSpace(s)
	name, rest, isHeader := strings.Cut(s, ":")
	switch {
	case isHeader && strings.EqualFold(strings.TrimSpace(name), "Set-Cookie"):
		c, err := http.ParseSetCookie(strings.TrimSpace(rest))
		if err != nil {
			return "", "", fmt.Errorf("a Set-Cookie header that does not parse: %w", err)
		}
		return c.Value, c.Name, nil
	case isHeader && strings.EqualFold(strings.TrimSpace(name), "Cookie"):
		s = strings.TrimSpace(rest)
	case !strings.Contains(s, "="), strings.Contains(s[:strings.IndexByte(s, '=')], "."):
		return s, "", nil
	}
	cookies, err := http.ParseCookie(s)
	if err != nil {
		// "name=value; Path=/; HttpOnly": a cookie with its attributes, as developer tools
		// copy one.
		if c, err := http.ParseSetCookie(s); err == nil {
			return c.Value, c.Name, nil
		}
		return "", "", fmt.Errorf("neither a token nor cookies: %w", err)
	}
	var found []*http.Cookie
	for _, c := range cookies {
		if looksLikeToken(c.Value) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return "", "", errors.New("none of the cookies holds a token (3 or 5 dot-separated base64url segments, starting eyJ)")
	case 1:
		return found[0].Value, found[0].Name, nil
	}
	names := make([]string, len(found))
	for i, c := range found {
		names[i] = c.Name
	}
	return "", "", fmt.Errorf("%d cookies hold a token (%s): paste only the one to inspect", len(found), strings.Join(names, ", "))
}

// looksLikeToken reports whether v has the shape of a compact JWS or JWE: 3 or 5 segments of
// base64url, the first a JSON object (base64url of `{"` is "eyJ"). Analytics cookies such as
// _ga=GA1.2.3 have dots too.
func looksLikeToken(v string) bool {
	n := strings.Count(v, ".")
	if (n != 2 && n != 4) || !strings.HasPrefix(v, "eyJ") {
		return false
	}
	return !strings.ContainsFunc(v, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.')
	})
}
