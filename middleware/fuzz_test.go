package middleware_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequireSession sends arbitrary Cookie headers through the middleware. It must never panic,
// never answer 5xx, and never let a request through unless the header carries, byte for byte, a
// token the codec issued.
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
			if !strings.Contains(header, valid) {
				t.Fatalf("accepted a Cookie header without the issued token: %q", header)
			}
		case 401:
		default:
			t.Fatalf("status %d for Cookie %q", rec.Code, header)
		}
	})
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
