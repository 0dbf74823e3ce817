package middleware_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequireSession sends arbitrary Cookie headers through the middleware. It must never panic,
// never answer 5xx, and never let a request through unless the header carries a token signed
// with the fixture's secret, as an independent oracle (crypto/hmac, no package code) sees it.
//
// The oracle cannot be "the header contains the token this process issued": under -fuzz every
// worker process issues its own token (fresh random jti and sid), so the coordinator's seed
// token, valid for every worker, would be flagged as a forgery on the first run.
func FuzzRequireSession(f *testing.F) {
	fx := newFixture(f)
	valid, _ := fx.issue(f)
	h := fx.sessions.RequireSession(protected)
	for _, seed := range []string{
		cookieHeader(valid),
		"a=b; " + cookieHeader(valid) + "; c=d",
		cookieHeader(valid[:len(valid)-1]),
		cookieHeader(strings.Replace(valid, ".", "..", 1)),
		cookieHeader(`"` + valid + `"`),
		cookieHeader("") + ";" + cookieHeader(valid),
		cookieHeader("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
		strings.Repeat(";", 100),
		"__Host-session",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", header)
		rec := serve(h, req)
		switch rec.Code {
		case 200:
			if !carriesSignedToken(header) {
				t.Fatalf("accepted a Cookie header without a token signed with the secret: %q", header)
			}
		case 401:
		default:
			t.Fatalf("status %d for Cookie %q", rec.Code, header)
		}
	})
}

// carriesSignedToken reports whether some cookie in header is a compact JWS with keycard's
// header whose signature is HMAC-SHA256 under testSecret, in canonical base64url.
func carriesSignedToken(header string) bool {
	for part := range strings.SplitSeq(header, ";") {
		_, tok, ok := strings.Cut(part, "=")
		p := strings.Split(strings.TrimSpace(tok), ".")
		if !ok || len(p) != 3 || p[0] != b64.EncodeToString([]byte(keycardHeader)) {
			continue
		}
		sig, err := b64.Strict().DecodeString(p[2])
		if err != nil || b64.EncodeToString(sig) != p[2] {
			continue
		}
		m := hmac.New(sha256.New, testSecret)
		m.Write([]byte(p[0] + "." + p[1]))
		if hmac.Equal(sig, m.Sum(nil)) {
			return true
		}
	}
	return false
}

// FuzzLoginBody sends arbitrary bodies to the login handler in both formats. It must never
// panic or answer 5xx, and must start a session only for the right credentials.
func FuzzLoginBody(f *testing.F) {
	fx := newFixture(f)
	h := fx.sessions.LoginHandler(fakeAuth)
	f.Add("application/json", `{"email":"alice@example.com","password":"correct horse battery staple"}`)
	f.Add("application/json", `{"email":"alice@example.com","password":"wrong"}`)
	f.Add("application/json", `{"email":1}`)
	f.Add("application/json", `[[[[[[[[[[[[`)
	f.Add("application/x-www-form-urlencoded", "email=alice%40example.com&password=correct+horse+battery+staple&next=%2F%2Fevil")
	f.Add("application/x-www-form-urlencoded", "email=%ZZ&password=")
	f.Add("multipart/form-data; boundary=x", "--x--")
	f.Add("text/plain", "hello")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.RemoteAddr = "192.0.2.1:1" // one client: the limiter may throttle, which is fine
		rec := serve(h, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q %q", rec.Code, contentType, body)
		}
		if _, ok := setCookie(rec); ok && (rec.Code != 200 && rec.Code != 303) {
			t.Fatalf("session cookie with status %d", rec.Code)
		}
		if loc := rec.Header().Get("Location"); loc != "" && (strings.HasPrefix(loc, "//") || strings.Contains(loc, ":")) {
			t.Fatalf("redirect off-site: %q", loc)
		}
	})
}
