package main

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// goldenToken was issued at t0 by the fixture key "k1" (EdDSA) with issuer
// https://example.com, for user-42 with payload {"name":"Alice","roles":["admin"]}.
const goldenToken = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0." +
	"eyJzdWIiOiJ1c2VyLTQyIiwianRpIjoiRGNCbGlBSTliS0paWTROZXVEZ1hYZyIsInNpZCI6IlM2bnhYOXFxSy05ODdJTW93X1lKdWciLCJp" +
	"c3MiOiJodHRwczovL2V4YW1wbGUuY29tIiwiaWF0IjoxNzczNTAwOTY2LCJuYmYiOjE3NzM1MDA5NjYsImV4cCI6MTc3MzUwNDU2NiwiYXV0" +
	"aF90aW1lIjoxNzczNTAwOTY2LCJuYW1lIjoiQWxpY2UiLCJyb2xlcyI6WyJhZG1pbiJdfQ." +
	"BFCazf9ZiBzSUfFkVjwU1e9K1UQxwDVIOzHaz26IL3eREbviEBBJATV6nr4AkFvFQEk2FsSK5Lq2ljgsEN6fBg"

// goldenBody is what inspect prints of goldenToken after its first line,
// 10 minutes after t0.
const goldenBody = `
header:
{
  "alg": "EdDSA",
  "kid": "k1",
  "typ": "JWT"
}

claims:
{
  "sub": "user-42",
  "jti": "DcBliAI9bKJZY4NeuDgXXg",
  "sid": "S6nxX9qqK-987IMow_YJug",
  "iss": "https://example.com",
  "iat": 1773500966,
  "nbf": 1773500966,
  "exp": 1773504566,
  "auth_time": 1773500966,
  "name": "Alice",
  "roles": [
    "admin"
  ]
}

times (now 2026-03-14T15:19:26Z):
  iat        2026-03-14T15:09:26Z  10m ago
  nbf        2026-03-14T15:09:26Z  10m ago
  auth_time  2026-03-14T15:09:26Z  10m ago
  exp        2026-03-14T16:09:26Z  expires in 50m
`

func TestInspect_golden(t *testing.T) {
	f := newFixture(t)
	now := t0.Add(10 * time.Minute)
	for _, c := range []struct {
		name  string
		args  []string
		stdin string
		first string
	}{
		{"decode", []string{"inspect", goldenToken}, "",
			"NOT VERIFIED: decoded without a key (-key); anyone can make a token that reads like this.\n"},
		{"decode from stdin", []string{"inspect", "-"}, "  " + goldenToken + "\n",
			"NOT VERIFIED: decoded without a key (-key); anyone can make a token that reads like this.\n"},
		{"verify", []string{"inspect", "-key", f.pubJWKS, "-iss", "https://example.com", "-"}, goldenToken,
			"VERIFIED: signature by key \"k1\" (EdDSA), claims valid at 2026-03-14T15:19:26Z.\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := keycardAt(t, now, c.stdin, false, c.args...)
			if want := c.first + goldenBody; r.stdout != want || r.code != exitOK || r.stderr != "" {
				t.Errorf("got status %d, stdout:\n%s\nstderr:\n%s\nwant status 0, stdout:\n%s", r.code, r.stdout, r.stderr, want)
			}
		})
	}
}

// segment is base64url without padding, as in tokens.
func segment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestInspect(t *testing.T) {
	f := newFixture(t)
	hmacKey, err := token.NewHMACKey("env", token.HS256, []byte(hmacSecret))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := token.NewEncryptionKey("e1", encSecret())
	if err != nil {
		t.Fatal(err)
	}
	jwe := mint(t, f.key, t0, token.WithEncryption(enc))
	withAud := mint(t, f.key, t0, token.WithAudience("app"))
	expired := mint(t, f.key, t0.Add(-2*time.Hour))
	early := mint(t, f.key, t0.Add(time.Hour))
	hmacToken := mint(t, hmacKey, t0)
	hdr := segment(`{"alg":"EdDSA","kid":"k1","typ":"JWT"}`)
	body := segment(`{"sub":"x"}`)
	sig := segment("sig")

	runCases(t, []cliCase{
		{name: "-h", args: []string{"inspect", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: keycard inspect", "-key", "-enc-key", "NOTHING IS VERIFIED", "shell history", "Examples:", "Exit status"}},
		{name: "missing token", args: []string{"inspect"}, wantCode: exitUsage, wantStderr: []string{"missing TOKEN"}},
		{name: "two tokens", args: []string{"inspect", goldenToken, goldenToken}, wantCode: exitUsage, wantStderr: []string{"one TOKEN only"}},
		{name: "flag after token", args: []string{"inspect", goldenToken, "-key", f.pubJWKS}, wantCode: exitUsage,
			wantStderr: []string{"flags go before it"}},
		{name: "bad flag", args: []string{"inspect", "-verify", goldenToken}, wantCode: exitUsage,
			wantStderr: []string{"flag provided but not defined: -verify"}},
		{name: "-enc-key without -key", args: []string{"inspect", "-enc-key", f.encKey, jwe}, wantCode: exitUsage,
			wantStderr: []string{"-enc-key needs -key"}},
		{name: "-alg without -key", args: []string{"inspect", "-alg", "HS256", goldenToken}, wantCode: exitUsage,
			wantStderr: []string{"need -key"}},
		{name: "token from a terminal", args: []string{"inspect", "-"}, stdin: goldenToken + "\nmore\n", terminal: true,
			wantCode: exitOK, wantStdout: []string{"NOT VERIFIED", `"sub": "user-42"`}, wantStderr: []string{"Token: "}},
		{name: "empty token", args: []string{"inspect", "-"}, stdin: " \n", wantCode: exitUsage,
			wantStderr: []string{"the token is empty"}},
		{name: "token over 1 MiB", args: []string{"inspect", "-"}, stdin: strings.Repeat("a", maxInput+1), wantCode: exitFail,
			wantStderr: []string{"over 1048576 bytes"}},

		{name: "one segment", args: []string{"inspect", "not-a-token"}, wantCode: exitFail,
			wantStderr: []string{"malformed token: no dots; a token has 3 dot-separated segments (signed) or 5 (encrypted)"}},
		{name: "four segments", args: []string{"inspect", "a.b.c.d"}, wantCode: exitFail,
			wantStderr: []string{"malformed token: 4 dot-separated segments"}},
		{name: "bad base64", args: []string{"inspect", "!!." + body + "." + sig}, wantCode: exitFail,
			wantStderr: []string{"malformed token: header: not base64url"}},
		{name: "padded base64", args: []string{"inspect", hdr + "." + body + "=." + sig}, wantCode: exitFail,
			wantStderr: []string{"malformed token: claims: not base64url"}},
		{name: "header not JSON", args: []string{"inspect", segment(`{"alg":`) + "." + body + "." + sig}, wantCode: exitFail,
			wantStderr: []string{"malformed token: header: not valid JSON"}},
		{name: "claims not an object", args: []string{"inspect", hdr + "." + segment(`["sub"]`) + "." + sig}, wantCode: exitFail,
			wantStderr: []string{"malformed token: claims: not a JSON object"}},
		{name: "bad signature segment", args: []string{"inspect", hdr + "." + body + ".a"}, wantCode: exitFail,
			wantStderr: []string{"malformed token: signature: not base64url"}},
		{name: "malformed, with key: the token package's error", args: []string{"inspect", "-key", f.pubJWKS, "a.b"},
			wantCode: exitFail, wantStderr: []string{"keycard inspect: token: malformed token"}},

		{name: "decode odd claims", args: []string{"inspect", hdr + "." + segment(`{"exp":"soon","iat":1e300,"x":"\u001b[2J\u009b"}`) + "." + sig},
			wantCode: exitOK, wantStdout: []string{"NOT VERIFIED", `"x": "\u001b[2J\u009b"`, "exp        not a NumericDate", "iat        not a NumericDate", "nbf        absent"}},
		{name: "decode encrypted", args: []string{"inspect", jwe}, wantCode: exitOK,
			wantStdout: []string{"NOT VERIFIED", "JWE header:", `"enc": "A256GCM"`, `"kid": "e1"`, "claims: ENCRYPTED", "-enc-key"},
			notOutput:  []string{"user-42"}},

		{name: "verify JWK Set", args: []string{"inspect", "-key", f.pubJWKS, mint(t, f.key, t0)}, wantCode: exitOK,
			wantStdout: []string{`VERIFIED: signature by key "k1" (EdDSA)`, `"sub": "user-42"`, "expires in 1h"}},
		{name: "iss not checked", args: []string{"inspect", "-key", f.pubJWKS, goldenToken}, wantCode: exitOK,
			wantStdout: []string{"VERIFIED", "note: iss was not checked; give -iss"}},
		{name: "verify private JWK", args: []string{"inspect", "-key", f.privJWK, mint(t, f.key, t0)}, wantCode: exitOK,
			wantStdout: []string{`VERIFIED: signature by key "k1"`}},
		{name: "verify PEM", args: []string{"inspect", "-key", f.pem, "-alg", "EdDSA", "-kid", "k1", mint(t, f.key, t0)}, wantCode: exitOK,
			wantStdout: []string{`VERIFIED: signature by key "k1"`}},
		{name: "verify raw secret", args: []string{"inspect", "-key", f.secret, "-alg", "HS256", "-kid", "env", hmacToken}, wantCode: exitOK,
			wantStdout: []string{`VERIFIED: signature by key "env" (HS256)`}, notOutput: []string{hmacSecret}},
		{name: "verify encrypted", args: []string{"inspect", "-key", f.pubJWKS, "-enc-key", f.encKey, jwe}, wantCode: exitOK,
			wantStdout: []string{`VERIFIED: signature by key "k1"`, "JWE header:", `"sub": "user-42"`, `"name": "Alice"`, "exp        2026-03-14T16:09:26Z  expires in 1h"}},
		{name: "verify encrypted, raw -enc-key", args: []string{"inspect", "-key", f.pubJWKS, "-enc-key", f.rawEnc, jwe}, wantCode: exitOK,
			wantStdout: []string{`VERIFIED`, `"sub": "user-42"`}},
		{name: "verify with -aud", args: []string{"inspect", "-key", f.pubJWKS, "-aud", "other", "-aud", "app", withAud}, wantCode: exitOK,
			wantStdout: []string{"VERIFIED"}},

		{name: "wrong key", args: []string{"inspect", "-key", f.otherJWK, goldenToken}, wantCode: exitFail,
			wantStdout: []string{"VERIFICATION FAILED: token: invalid signature", `"sub": "user-42"`},
			wantStderr: []string{"keycard inspect: token: invalid signature"}},
		{name: "wrong kid", args: []string{"inspect", "-key", f.pem, "-alg", "EdDSA", "-kid", "k2", goldenToken}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: unknown key", "hint: the token's kid"}},
		{name: "wrong alg", args: []string{"inspect", "-key", f.secret, "-alg", "HS256", "-kid", "k1", goldenToken}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: algorithm not allowed"}},
		{name: "expired", args: []string{"inspect", "-key", f.pubJWKS, expired}, wantCode: exitFail,
			wantStdout: []string{"VERIFICATION FAILED: token: expired (exp 2026-03-14T14:09:26Z)", "exp        2026-03-14T14:09:26Z  expired 1h ago"},
			wantStderr: []string{"keycard inspect: token: expired (exp 2026-03-14T14:09:26Z)"}},
		{name: "expired, without key", args: []string{"inspect", expired}, wantCode: exitOK,
			wantStdout: []string{"NOT VERIFIED", "expired 1h ago"}},
		{name: "not yet valid", args: []string{"inspect", "-key", f.pubJWKS, early}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: not yet valid"}},
		{name: "issuer required", args: []string{"inspect", "-key", f.pubJWKS, "-iss", "https://other.example", goldenToken}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: wrong issuer"}},
		{name: "audience not configured", args: []string{"inspect", "-key", f.pubJWKS, withAud}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: wrong audience", "hint: give the audience the application expects with -aud"}},
		{name: "encrypted without -enc-key", args: []string{"inspect", "-key", f.pubJWKS, jwe}, wantCode: exitFail,
			wantStdout: []string{"VERIFICATION FAILED", "claims: ENCRYPTED"},
			wantStderr: []string{"keycard inspect: token: malformed token: encrypted token", "hint: the token is encrypted: give its encryption key with -enc-key"}},
		{name: "wrong -enc-key", args: []string{"inspect", "-key", f.pubJWKS, "-enc-key", f.badEnc, jwe}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: cannot decrypt"}, notOutput: []string{"user-42"}},
		{name: "-enc-key on a signed token", args: []string{"inspect", "-key", f.pubJWKS, "-enc-key", f.encKey, goldenToken}, wantCode: exitFail,
			wantStderr: []string{"keycard inspect: token: cannot decrypt: token is not encrypted"}},

		{name: "missing key file", args: []string{"inspect", "-key", f.pubJWKS + ".missing", goldenToken}, wantCode: exitFail,
			wantStderr: []string{"no such file"}},
		{name: "garbage key file", args: []string{"inspect", "-key", f.garbage, goldenToken}, wantCode: exitFail,
			wantStderr: []string{"-key " + f.garbage + ": token: invalid key"}},
		{name: "PEM without -alg", args: []string{"inspect", "-key", f.pem, "-kid", "k1", goldenToken}, wantCode: exitUsage,
			wantStderr: []string{"holds a PEM key: give its -alg and -kid"}},
		{name: "secret without -kid", args: []string{"inspect", "-key", f.secret, "-alg", "HS256", goldenToken}, wantCode: exitUsage,
			wantStderr: []string{"holds a raw HMAC secret"}, notOutput: []string{hmacSecret}},
		{name: "JWK with -alg", args: []string{"inspect", "-key", f.pubJWKS, "-alg", "EdDSA", goldenToken}, wantCode: exitUsage,
			wantStderr: []string{"a JWK carries its own"}},
		{name: "secret too short", args: []string{"inspect", "-key", f.short, "-alg", "HS256", "-kid", "env", hmacToken}, wantCode: exitFail,
			wantStderr: []string{"token: invalid key"}},
		{name: "PEM as HMAC secret", args: []string{"inspect", "-key", f.pem, "-alg", "HS256", "-kid", "k1", goldenToken}, wantCode: exitFail,
			wantStderr: []string{"token: invalid key"}, notOutput: []string{"PRIVATE KEY"}},
		{name: "bad -enc-key file", args: []string{"inspect", "-key", f.pubJWKS, "-enc-key", f.secret, jwe}, wantCode: exitFail,
			wantStderr: []string{"want 32 bytes"}, notOutput: []string{hmacSecret}},
	})
}
