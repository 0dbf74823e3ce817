package middleware

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/keycard-go/keycard/token"
)

// maxSetCookie is the size browsers guarantee for one cookie, name, value and attributes
// included (RFC 6265 section 6.1). Past it, browsers drop the cookie without a word.
const maxSetCookie = 4096

// maxSessionCookies bounds how many cookies with the session's name one request may carry
// before the middleware stops looking at them: a planted cookie must not buy an attacker an
// unbounded number of signature checks.
const maxSessionCookies = 4

// sessionCookies returns the values of the cookies named name in r's Cookie headers, at most
// maxSessionCookies of them, and whether there were more. It reads the headers in place instead
// of parsing every cookie, since it runs on every request.
//
// Browsers send cookies with a more specific Path first, so a cookie planted for a narrower
// path (by a sibling subdomain, for names without the __Host- prefix) comes before ours: the
// caller must not simply take the first one.
func sessionCookies(r *http.Request, name string, buf []string) (values []string, overflow bool) {
	values = buf[:0]
	for _, line := range r.Header[textproto.CanonicalMIMEHeaderKey("Cookie")] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimLeft(part, " \t")
			if len(part) <= len(name) || part[len(name)] != '=' || part[:len(name)] != name {
				continue
			}
			if len(values) == maxSessionCookies {
				return values, true
			}
			values = append(values, strings.TrimRight(part[len(name)+1:], " \t"))
		}
	}
	return values, false
}

// setSessionCookie writes the session cookie holding raw, the token of claims: a persistent
// cookie that expires with the token for a remembered session, a browser-session cookie (no
// Max-Age, no Expires) for any other. It fails with ErrCookieTooLarge, writing nothing, when
// browsers would drop the cookie.
func (s *Sessions[T]) setSessionCookie(w http.ResponseWriter, raw string, claims *token.Claims[T]) error {
	line, err := s.sessionCookieLine(raw, claims)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Add("Set-Cookie", line)
	noStore(h)
	return nil
}

// sessionCookieLine is the Set-Cookie value setSessionCookie writes, or ErrCookieTooLarge.
func (s *Sessions[T]) sessionCookieLine(raw string, claims *token.Claims[T]) (string, error) {
	c := s.cookie
	c.Value = raw
	if claims.Remember {
		c.MaxAge = max(1, int(claims.Expiry.Sub(s.codec.Now()).Round(time.Second)/time.Second))
	}
	line := c.String()
	if line == "" {
		return "", fmt.Errorf("%w: token is not a valid cookie value", ErrCookieTooLarge)
	}
	if len(line) > maxSetCookie {
		return "", fmt.Errorf("%w: %d bytes, browsers keep %d", ErrCookieTooLarge, len(line), maxSetCookie)
	}
	return line, nil
}

// clearSessionCookie tells the browser to delete the session cookie.
func (s *Sessions[T]) clearSessionCookie(w http.ResponseWriter) {
	c := s.cookie
	c.MaxAge = -1
	h := w.Header()
	h.Add("Set-Cookie", c.String())
	noStore(h)
}

// noStore keeps responses that set or clear a session from being cached by browsers or
// shared caches, and marks them as depending on the Cookie header.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	varyCookie(h)
}

// varyCookie adds Cookie to h's Vary header unless a Vary line names it already: a response
// that both clears a cookie and answers 401 must not say it twice.
func varyCookie(h http.Header) {
	for _, v := range h.Values("Vary") {
		for name := range strings.SplitSeq(v, ",") {
			if n := strings.TrimSpace(name); strings.EqualFold(n, "Cookie") || n == "*" {
				return
			}
		}
	}
	h.Add("Vary", "Cookie")
}
