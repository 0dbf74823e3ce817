package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// TestInspect_paste checks that inspect finds the token in a cookie as developer tools show
// it, in a Cookie or Set-Cookie header, and refuses what holds no token or several.
func TestInspect_paste(t *testing.T) {
	f := newFixture(t)
	tok := mint(t, f.key, t0)
	other := mint(t, f.key, t0.Add(-time.Minute))
	verified := []string{`VERIFIED: signature by key "k1"`, `"sub": "user-42"`}
	runCases(t, []cliCase{
		{name: "__Host-session=", args: []string{"inspect", "-key", f.pubJWKS, "__Host-session=" + tok}, wantCode: exitOK,
			wantStdout: verified, wantStderr: []string{`the token of cookie "__Host-session"`}},
		{name: "any cookie name", args: []string{"inspect", "-key", f.pubJWKS, "myapp_sess=" + tok}, wantCode: exitOK,
			wantStdout: verified, wantStderr: []string{`cookie "myapp_sess"`}},
		{name: "from stdin", args: []string{"inspect", "-key", f.pubJWKS, "-"}, stdin: "  __Host-session=" + tok + "\n", wantCode: exitOK,
			wantStdout: verified},
		{name: "quoted value", args: []string{"inspect", "-key", f.pubJWKS, `session="` + tok + `"`}, wantCode: exitOK, wantStdout: verified},
		{name: "Cookie header with other cookies", args: []string{"inspect", "-key", f.pubJWKS, "-"},
			stdin: "Cookie: theme=dark; __Host-session=" + tok + "; _ga=GA1.2.3", wantCode: exitOK,
			wantStdout: verified, wantStderr: []string{`cookie "__Host-session"`}},
		{name: "cookie header in lower case", args: []string{"inspect", "cookie: __Host-session=" + tok}, wantCode: exitOK,
			wantStdout: []string{"NOT VERIFIED", `"sub": "user-42"`}},
		{name: "Set-Cookie header", args: []string{"inspect", "-key", f.pubJWKS, "-"},
			stdin: "Set-Cookie: __Host-session=" + tok + "; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax", wantCode: exitOK,
			wantStdout: verified},
		{name: "cookie with attributes, as developer tools copy it", args: []string{"inspect", "__Host-session=" + tok + "; Path=/; HttpOnly; Secure"},
			wantCode: exitOK, wantStdout: []string{"NOT VERIFIED", `"sub": "user-42"`}},
		{name: "no cookie holds a token", args: []string{"inspect", "Cookie: theme=dark; lang=en"}, wantCode: exitFail,
			wantStderr: []string{"none of the cookies holds a token"}},
		{name: "two tokens", args: []string{"inspect", "Cookie: __Host-session=" + tok + "; __Host-session=" + other}, wantCode: exitFail,
			wantStderr: []string{"2 cookies hold a token (__Host-session, __Host-session): paste only the one"}, notOutput: []string{tok, other}},
		{name: "a token with padding is no cookie", args: []string{"inspect", segment(`{"alg":"EdDSA"}`) + "." + segment(`{"sub":"x"}`) + "=.c2ln"},
			wantCode: exitFail, wantStderr: []string{"malformed token: claims: not base64url"}},
		{name: "a bad Set-Cookie", args: []string{"inspect", "Set-Cookie: ;;"}, wantCode: exitFail,
			wantStderr: []string{"a Set-Cookie header that does not parse"}},
	})
}

// TestInspect_secretFiles checks that a raw HMAC secret file is used without its line
// ending, whatever the editor wrote (LF, CRLF or none), and that only one line ending is
// removed: the secret's own bytes are never trimmed.
func TestInspect_secretFiles(t *testing.T) {
	f := newFixture(t)
	hmacKey, err := token.NewHMACKey("env", token.HS256, []byte(hmacSecret))
	if err != nil {
		t.Fatal(err)
	}
	tok := mint(t, hmacKey, t0)
	ok := []string{`VERIFIED: signature by key "env" (HS256)`}
	runCases(t, []cliCase{
		{name: "LF", args: []string{"inspect", "-key", f.secret, "-alg", "HS256", "-kid", "env", tok}, wantCode: exitOK, wantStdout: ok},
		{name: "CRLF", args: []string{"inspect", "-key", f.secretCR, "-alg", "HS256", "-kid", "env", tok}, wantCode: exitOK, wantStdout: ok},
		{name: "no line ending", args: []string{"inspect", "-key", f.secretNL, "-alg", "HS256", "-kid", "env", tok}, wantCode: exitOK, wantStdout: ok},
		{name: "-alg in lower case", args: []string{"inspect", "-key", f.secret, "-alg", "hs256", "-kid", "env", tok}, wantCode: exitOK, wantStdout: ok},
	})
	for _, c := range []struct{ name, data string }{
		{"two line endings", hmacSecret + "\n\n"},
		{"a space kept", hmacSecret + " \n"},
		{"a lone CR kept", hmacSecret + "\r"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, c.data)
			r := keycard(t, "", false, "inspect", "-key", path, "-alg", "HS256", "-kid", "env", tok)
			if r.code != exitFail || !strings.Contains(r.stderr, "token: invalid signature") {
				t.Errorf("got status %d, stderr %q; want 1 and an invalid signature (the extra byte is part of the secret)", r.code, r.stderr)
			}
		})
	}
}

// writeTemp writes data to a new file and returns its path.
func writeTemp(t *testing.T, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
