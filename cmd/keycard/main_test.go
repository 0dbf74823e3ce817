package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// t0 is the fixed time every test runs at.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// result is what one run of the command produced.
type result struct {
	stdout, stderr string
	code           int
}

// keycard runs the command line args in-process at t0, with stdin as input.
func keycard(t testing.TB, stdin string, terminal bool, args ...string) result {
	t.Helper()
	return keycardAt(t, t0, stdin, terminal, args...)
}

// keycardAt is keycard at the time now.
func keycardAt(t testing.TB, now time.Time, stdin string, terminal bool, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &proc{
		stdin:    strings.NewReader(stdin),
		stdout:   &stdout,
		stderr:   &stderr,
		terminal: terminal,
		now:      func() time.Time { return now },
	})
	return result{stdout.String(), stderr.String(), code}
}

// cliCase is one table-driven command line test. Every want* string must
// occur in the output; a regexp, when set, must match the whole stdout.
type cliCase struct {
	name       string
	args       []string
	stdin      string
	terminal   bool
	now        time.Time // t0 when zero
	wantCode   int
	wantStdout []string
	wantStderr []string
	stdoutRE   string
	// notOutput must occur in neither stdout nor stderr (secrets, passwords).
	notOutput []string
}

func (c cliCase) test(t *testing.T) {
	t.Helper()
	now := c.now
	if now.IsZero() {
		now = t0
	}
	r := keycardAt(t, now, c.stdin, c.terminal, c.args...)
	if r.code != c.wantCode {
		t.Errorf("exit status: got %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, c.wantCode, r.stdout, r.stderr)
	}
	for _, w := range c.wantStdout {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout: got\n%s\nwant it to contain %q", r.stdout, w)
		}
	}
	for _, w := range c.wantStderr {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr: got\n%s\nwant it to contain %q", r.stderr, w)
		}
	}
	if c.stdoutRE != "" && !regexp.MustCompile(`\A(?:`+c.stdoutRE+`)\z`).MatchString(r.stdout) {
		t.Errorf("stdout: got %q, want a match of %s", r.stdout, c.stdoutRE)
	}
	for _, n := range c.notOutput {
		if strings.Contains(r.stdout, n) || strings.Contains(r.stderr, n) {
			t.Errorf("output contains %q\nstdout:\n%s\nstderr:\n%s", n, r.stdout, r.stderr)
		}
	}
	if c.wantCode != exitOK && c.wantCode != exitFail && r.stderr == "" {
		t.Errorf("usage error with nothing on stderr")
	}
}

func runCases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, c.test)
	}
}

func TestMain_commands(t *testing.T) {
	runCases(t, []cliCase{
		{name: "no arguments", wantCode: exitUsage, wantStderr: []string{"Usage:", "keygen", "hash", "inspect"}},
		{name: "-h", args: []string{"-h"}, wantCode: exitOK, wantStdout: []string{"Usage:", "keygen", "hash", "inspect", "Exit status"}},
		{name: "--help", args: []string{"--help"}, wantCode: exitOK, wantStdout: []string{"Usage:"}},
		{name: "help", args: []string{"help"}, wantCode: exitOK, wantStdout: []string{"Usage:"}},
		{name: "help keygen", args: []string{"help", "keygen"}, wantCode: exitOK, wantStdout: []string{"Usage: keycard keygen"}},
		{name: "unknown command", args: []string{"keygn"}, wantCode: exitUsage, wantStderr: []string{`unknown command "keygn"`, "Usage:"}},
		{name: "flag before command", args: []string{"-alg", "EdDSA"}, wantCode: exitUsage, wantStderr: []string{`unknown command "-alg"`}},
	})
}

// fixture is a directory of fixed test keys.
type fixture struct {
	key      *token.Key // EdDSA, kid "k1": the key of goldenToken
	privJWK  string     // file: key as a private JWK
	pubJWKS  string     // file: key's public JWK Set
	pem      string     // file: key as PKCS#8 PEM
	otherJWK string     // file: another EdDSA key, also kid "k1"
	secret   string     // file: hmacSecret and a newline
	secretCR string     // file: hmacSecret and CRLF, as an editor on Windows saves it
	secretNL string     // file: hmacSecret without a line ending
	short    string     // file: an HMAC secret too short for HS256
	encKey   string     // file: encSecret as base64url text
	rawEnc   string     // file: encSecret as 32 raw bytes
	badEnc   string     // file: 32 other raw bytes
	garbage  string     // file: JSON that is no key
}

// hmacSecret is a fixed HS256 secret used as is, like the example app's
// SESSION_SECRET.
const hmacSecret = "kY3c4rd-t3st-s3cr3t-0f-m0r3-th4n-32-byt3s"

// encSecret is a fixed token encryption key.
func encSecret() []byte { return bytes.Repeat([]byte{0x42}, 32) }

// edKey returns an Ed25519 key from a fixed seed, as PKCS#8 PEM.
func edKeyPEM(seedByte byte) []byte {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = seedByte + byte(i)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pemData := edKeyPEM(1)
	key, err := token.ParsePEM("k1", token.EdDSA, pemData)
	if err != nil {
		t.Fatal(err)
	}
	other, err := token.ParsePEM("k1", token.EdDSA, edKeyPEM(100))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		key:      key,
		privJWK:  write("key.jwk", must(key.ExportJWK())),
		pubJWKS:  write("public.jwks", must(token.PublicJWKSet(key))),
		pem:      write("key.pem", pemData),
		otherJWK: write("other.jwk", must(other.ExportJWK())),
		secret:   write("secret.txt", []byte(hmacSecret+"\n")),
		secretCR: write("secret-crlf.txt", []byte(hmacSecret+"\r\n")),
		secretNL: write("secret-bare.txt", []byte(hmacSecret)),
		short:    write("short.txt", []byte("only-31-bytes-long-secret-12345")),
		encKey:   write("enc.key", []byte(base64.RawURLEncoding.EncodeToString(encSecret())+"\n")),
		rawEnc:   write("enc.raw", encSecret()),
		badEnc:   write("bad.raw", bytes.Repeat([]byte{7}, 32)),
		garbage:  write("garbage.json", []byte(`{"kty":"nope"}`)),
	}
}

// session is the payload of test tokens.
type session struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// mint issues a token for user-42 at the time now, signed with key.
func mint(t testing.TB, key *token.Key, now time.Time, opts ...token.Option) string {
	t.Helper()
	ks, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := token.New[session](ks, append([]token.Option{token.WithClock(func() time.Time { return now })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := c.Issue("user-42", session{Name: "Alice", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
