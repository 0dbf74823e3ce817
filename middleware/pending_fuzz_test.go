package middleware_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPending sends arbitrary Cookie headers to the second step and to a protected route. The
// second step must never panic or answer 5xx, and must start a session only when the header
// carries a token signed with the fixture's secret; the protected route must never accept a
// request whose only signed session-cookie tokens are pending credentials (the independent
// oracle reads the payload's audience with strings, not with package code).
func FuzzPending(f *testing.F) {
	ts := newTwoStep(f)
	pending := ts.login(f)
	session, _ := ts.issue(f)
	for _, seed := range []string{
		pendingCookieName + "=" + pending,
		cookieHeader(pending),
		cookieHeader(pending) + "; " + pendingCookieName + "=" + pending,
		pendingCookieName + "=" + session,
		pendingCookieName + "=" + pending + "; " + pendingCookieName + "=" + pending,
		pendingCookieName + "=" + pending[:len(pending)-2],
		pendingCookieName + "=",
		pendingCookieName,
		"",
	} {
		f.Add(seed, secondCode)
		f.Add(seed, "000000")
	}
	protectedRoute := ts.sessions.RequireSession(protected)
	f.Fuzz(func(t *testing.T, header, code string) {
		body := "code=" + strings.NewReplacer("&", "", "=", "", "%", "").Replace(code)
		req := httptest.NewRequest("POST", "/login/2fa", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Cookie", header)
		rec := serve(ts.mux, req)
		if rec.Code >= 500 {
			t.Fatalf("second step: status %d for Cookie %q", rec.Code, header)
		}
		if _, ok := setCookie(rec); ok && !carriesSignedToken(header) {
			t.Fatalf("a session from a Cookie header without a signed token: %q", header)
		}

		get := httptest.NewRequest("GET", "/api/me", nil)
		get.Header.Set("Cookie", header)
		if got := serve(protectedRoute, get); got.Code == 200 && !carriesSessionToken(header) {
			t.Fatalf("a pending credential passed for a session: %q", header)
		}
	})
}

// carriesSessionToken reports whether the session cookie of header holds a signed token that is
// not a pending credential.
func carriesSessionToken(header string) bool {
	for part := range strings.SplitSeq(header, ";") {
		name, tok, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name != "__Host-session" || !carriesSignedToken(part) {
			continue
		}
		p := strings.Split(strings.TrimSpace(tok), ".")
		payload, err := b64.DecodeString(p[1])
		if err == nil && !strings.Contains(string(payload), "pending-login") {
			return true
		}
	}
	return false
}
