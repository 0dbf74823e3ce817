package main

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

func TestKeygen(t *testing.T) {
	const b64 = `[A-Za-z0-9_-]`
	runCases(t, []cliCase{
		{name: "-h", args: []string{"keygen", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: keycard keygen", "-alg", "-kid", "-public", "Examples:", "Exit status"}},
		{name: "missing -alg", args: []string{"keygen"}, wantCode: exitUsage,
			wantStderr: []string{"-alg is required", "EdDSA"}},
		{name: "unknown -alg", args: []string{"keygen", "-alg", "none"}, wantCode: exitUsage,
			wantStderr: []string{`unknown -alg "none"`}},
		{name: "-alg in lower case", args: []string{"keygen", "-alg", "hs256"}, wantCode: exitOK, stdoutRE: b64 + `{43}\n`,
			wantStderr: []string{"token.HS256"}},
		{name: "-alg in mixed case", args: []string{"keygen", "-alg", "eDdSa", "-kid", "k"}, wantCode: exitOK,
			wantStdout: []string{`"alg":"EdDSA"`}},
		{name: "-alg a256gcm", args: []string{"keygen", "-alg", "a256gcm"}, wantCode: exitOK, stdoutRE: b64 + `{43}\n`},
		{name: "-public with lower-case HMAC", args: []string{"keygen", "-alg", "hs512", "-public"}, wantCode: exitUsage,
			wantStderr: []string{"an HS512 key is a secret"}},
		{name: "bad flag", args: []string{"keygen", "-bits", "4096"}, wantCode: exitUsage,
			wantStderr: []string{"flag provided but not defined: -bits", "keycard keygen -h"}},
		{name: "extra argument", args: []string{"keygen", "-alg", "EdDSA", "extra"}, wantCode: exitUsage,
			wantStderr: []string{`unexpected argument "extra"`}},
		{name: "-public with HMAC", args: []string{"keygen", "-alg", "HS256", "-public"}, wantCode: exitUsage,
			wantStderr: []string{"an HS256 key is a secret and has no public form"}},
		{name: "-public with A256GCM", args: []string{"keygen", "-alg", "A256GCM", "-public"}, wantCode: exitUsage},
		{name: "-jwk with EdDSA", args: []string{"keygen", "-alg", "EdDSA", "-jwk"}, wantCode: exitUsage,
			wantStderr: []string{"-jwk is for HMAC"}},
		{name: "bad kid", args: []string{"keygen", "-alg", "EdDSA", "-kid", `a"b`}, wantCode: exitFail,
			wantStderr: []string{"token: invalid key: kid must be visible ASCII"}},

		{name: "HS256", args: []string{"keygen", "-alg", "HS256"}, wantCode: exitOK, stdoutRE: b64 + `{43}\n`},
		{name: "HS384", args: []string{"keygen", "-alg", "HS384"}, wantCode: exitOK, stdoutRE: b64 + `{64}\n`},
		{name: "HS512", args: []string{"keygen", "-alg", "HS512"}, wantCode: exitOK, stdoutRE: b64 + `{86}\n`},
		{name: "HS256 -jwk", args: []string{"keygen", "-alg", "HS256", "-jwk", "-kid", "s1"}, wantCode: exitOK,
			stdoutRE: `\{"alg":"HS256","k":"` + b64 + `{43}","kid":"s1","kty":"oct","use":"sig"\}\n`},
		{name: "A256GCM", args: []string{"keygen", "-alg", "A256GCM"}, wantCode: exitOK, stdoutRE: b64 + `{43}\n`},
		{name: "EdDSA default kid is the date", args: []string{"keygen", "-alg", "EdDSA"}, wantCode: exitOK,
			stdoutRE: `\{"alg":"EdDSA","crv":"Ed25519","d":"` + b64 + `{43}","kid":"2026-03-14-[0-9a-f]{6}","kty":"OKP","use":"sig","x":"` + b64 + `{43}"\}\n`},
		{name: "EdDSA -public", args: []string{"keygen", "-alg", "EdDSA", "-kid", "k1", "-public"}, wantCode: exitOK,
			stdoutRE: `\{"alg":"EdDSA","crv":"Ed25519","d":"` + b64 + `{43}","kid":"k1","kty":"OKP","use":"sig","x":"(` + b64 + `{43})"\}\n` +
				`\{"keys":\[\{"alg":"EdDSA","crv":"Ed25519","kid":"k1","kty":"OKP","use":"sig","x":"` + b64 + `{43}"\}\]\}\n`},
		{name: "ES256", args: []string{"keygen", "-alg", "ES256", "-kid", "e1"}, wantCode: exitOK,
			wantStdout: []string{`"alg":"ES256"`, `"crv":"P-256"`, `"d":"`, `"kid":"e1"`}},
	})
}

// TestKeygen_loader checks that keygen prints only the key on stdout, and names on stderr the
// function that loads it as printed, with the kid.
func TestKeygen_loader(t *testing.T) {
	for _, c := range []struct {
		args       []string
		lines      int
		wantLoader []string
	}{
		{[]string{"-alg", "HS256"}, 1, []string{`token.NewHMACKey("k9", token.HS256, []byte(text))`, "the text itself is the secret"}},
		{[]string{"-alg", "HS512"}, 1, []string{`token.NewHMACKey("k9", token.HS512, []byte(text))`}},
		{[]string{"-alg", "HS384", "-jwk"}, 1, []string{"token.ParseJWK(data)", `"oct" JWK with kid "k9"`}},
		{[]string{"-alg", "EdDSA"}, 1, []string{"token.ParseJWK(data)", `kid "k9"`}},
		{[]string{"-alg", "ES256", "-public"}, 2, []string{"token.ParseJWK(line)", "token.ParseJWKSet(line)"}},
		{[]string{"-alg", "A256GCM"}, 1, []string{"base64.RawURLEncoding.DecodeString(text)", `token.NewEncryptionKey("k9", secret)`, "token.WithEncryption(key)", "-enc-key"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := keycard(t, "", false, append([]string{"keygen", "-kid", "k9"}, c.args...)...)
			if r.code != exitOK || strings.Count(r.stdout, "\n") != c.lines {
				t.Fatalf("got status %d and %d lines on stdout; want 0 and %d", r.code, strings.Count(r.stdout, "\n"), c.lines)
			}
			for _, w := range c.wantLoader {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr: got\n%s\nwant it to name %q", r.stderr, w)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				if strings.Contains(r.stderr, line) {
					t.Errorf("stderr repeats the key %q", line)
				}
			}
		})
	}
}

// TestKeygen_roundTrip loads what keygen prints the way its help says, and
// signs and verifies a token with it.
func TestKeygen_roundTrip(t *testing.T) {
	algs := []token.Algorithm{token.HS256, token.HS384, token.HS512, token.EdDSA, token.ES256, token.RS256, token.PS256}
	if testing.Short() {
		algs = []token.Algorithm{token.HS256, token.EdDSA}
	}
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			hmac := strings.HasPrefix(string(alg), "HS")
			args := []string{"keygen", "-alg", string(alg), "-kid", "rt"}
			if !hmac {
				args = append(args, "-public")
			}
			r := keycard(t, "", false, args...)
			if r.code != exitOK {
				t.Fatalf("keygen: status %d, stderr %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if hmac {
				// The secret is used as is, like the example app's SESSION_SECRET.
				k, err := token.NewHMACKey("rt", alg, []byte(lines[0]))
				if err != nil {
					t.Fatalf("NewHMACKey: %v", err)
				}
				roundTrip(t, k, k)
				return
			}
			if len(lines) != 2 {
				t.Fatalf("keygen -public: got %d lines, want 2", len(lines))
			}
			signer, err := token.ParseJWK([]byte(lines[0]))
			if err != nil || !signer.CanSign() {
				t.Fatalf("private JWK: got %v, %v; want a signing key", signer, err)
			}
			pub, err := token.ParseJWKSet([]byte(lines[1]))
			if err != nil || len(pub) != 1 || pub[0].CanSign() {
				t.Fatalf("public JWK Set: got %v, %v; want one verify-only key", pub, err)
			}
			verifier := pub[0]
			roundTrip(t, signer, verifier)
		})
	}
	t.Run("HS256 -jwk", func(t *testing.T) {
		r := keycard(t, "", false, "keygen", "-alg", "HS256", "-jwk")
		k, err := token.ParseJWK([]byte(r.stdout))
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, k, k)
	})
	t.Run("A256GCM", func(t *testing.T) {
		r := keycard(t, "", false, "keygen", "-alg", "A256GCM")
		secret, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(r.stdout))
		if err != nil {
			t.Fatal(err)
		}
		enc, err := token.NewEncryptionKey("e1", secret)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := token.GenerateKey("k", token.HS256)
		roundTrip(t, k, k, token.WithEncryption(enc))
	})
}

// roundTrip issues a token with signer and verifies it with verifier.
func roundTrip(t *testing.T, signer, verifier *token.Key, opts ...token.Option) {
	t.Helper()
	tok := mint(t, signer, t0, opts...)
	ks, err := token.NewKeySet(signer)
	if err != nil {
		t.Fatal(err)
	}
	if !verifier.CanSign() {
		// A KeySet needs a signing key; the verifier stands beside a spare.
		spare, _ := token.GenerateKey("spare", token.HS256)
		if ks, err = token.NewKeySet(spare, verifier); err != nil {
			t.Fatal(err)
		}
	}
	c, err := token.New[session](ks, append([]token.Option{token.WithClock(func() time.Time { return t0 })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := c.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if cl.Subject != "user-42" || cl.Payload.Name != "Alice" {
		t.Errorf("got claims %+v, want user-42 / Alice", cl)
	}
}
