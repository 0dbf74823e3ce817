package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/keycard-go/keycard/password"
)

// testCost keeps bcrypt cheap: the lowest cost the password package accepts.
const testCost = "10"

func TestHash(t *testing.T) {
	const pw = "correct horse battery staple"
	hashRE := `\$2a\$10\$[./A-Za-z0-9]{53}\n`
	runCases(t, []cliCase{
		{name: "-h", args: []string{"hash", "-h"}, wantCode: exitOK,
			wantStdout: []string{"Usage: keycard hash", "-cost", "echo turned off", "read -rs pw", "Examples:", "Exit status"}},
		{name: "cost too low", args: []string{"hash", "-cost", "4"}, stdin: pw, wantCode: exitUsage,
			wantStderr: []string{"-cost: password: invalid cost"}},
		{name: "cost not a number", args: []string{"hash", "-cost", "high"}, stdin: pw, wantCode: exitUsage,
			wantStderr: []string{`invalid value "high" for flag -cost`}},
		{name: "password as argument", args: []string{"hash", pw}, wantCode: exitUsage,
			wantStderr: []string{"never from the command line"}, notOutput: []string{pw}},

		{name: "piped", args: []string{"hash", "-cost", testCost}, stdin: pw + "\n", wantCode: exitOK,
			stdoutRE: hashRE, notOutput: []string{pw}},
		{name: "terminal", args: []string{"hash", "-cost", testCost}, stdin: pw + "\n" + pw + "\nnot read\n", terminal: true,
			wantCode: exitOK, stdoutRE: hashRE, wantStderr: []string{"VISIBLE", "Password: ", "Password again: "}, notOutput: []string{pw}},
		{name: "terminal: the two differ", args: []string{"hash", "-cost", testCost}, stdin: pw + "\n" + pw + "!\n", terminal: true,
			wantCode: exitFail, wantStderr: []string{"Password again: ", "the two passwords differ; nothing was hashed"}, notOutput: []string{pw, "$2a$"}},
		{name: "terminal: no second line", args: []string{"hash", "-cost", testCost}, stdin: pw + "\n", terminal: true,
			wantCode: exitFail, wantStderr: []string{"the two passwords differ"}, notOutput: []string{pw}},

		{name: "empty", args: []string{"hash", "-cost", testCost}, stdin: "", wantCode: exitFail,
			wantStderr: []string{"password: empty"}},
		{name: "only a newline", args: []string{"hash", "-cost", testCost}, stdin: "\n", wantCode: exitFail,
			wantStderr: []string{"password: empty"}},
		{name: "too short", args: []string{"hash", "-cost", testCost}, stdin: "short\n", wantCode: exitFail,
			wantStderr: []string{"password: too short"}, notOutput: []string{"short\n"}},
		{name: "73 bytes", args: []string{"hash", "-cost", testCost}, stdin: strings.Repeat("x", 73), wantCode: exitFail,
			wantStderr: []string{"password: too long"}},
		{name: "huge input", args: []string{"hash", "-cost", testCost}, stdin: strings.Repeat("x", 5000), wantCode: exitFail,
			wantStderr: []string{"password: too long"}},
		{name: "NUL byte", args: []string{"hash", "-cost", testCost}, stdin: "abc\x00defghij", wantCode: exitFail,
			wantStderr: []string{"password: contains a NUL byte"}},
		{name: "two lines", args: []string{"hash", "-cost", testCost}, stdin: pw + "\n" + pw + "\n", wantCode: exitFail,
			wantStderr: []string{"more than one line"}, notOutput: []string{pw}},
		{name: "two newlines", args: []string{"hash", "-cost", testCost}, stdin: pw + "\n\n", wantCode: exitFail,
			wantStderr: []string{"more than one line"}},
	})
}

// TestHash_verifies checks that the printed hash verifies the password
// without its line ending.
func TestHash_verifies(t *testing.T) {
	r := keycard(t, "p@ss word\r\n", false, "hash", "-cost", testCost)
	if r.code != exitOK {
		t.Fatalf("status %d, stderr %s", r.code, r.stderr)
	}
	hash := strings.TrimSuffix(r.stdout, "\n")
	if err := password.Verify(context.Background(), hash, []byte("p@ss word")); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestReadPassword checks that exactly one trailing LF or CRLF is removed,
// and that a terminal is read up to the end of the line only.
func TestReadPassword(t *testing.T) {
	for _, c := range []struct {
		name, stdin string
		terminal    bool
		want        string
		wantErr     error
	}{
		{"as is", "p@ss word ", false, "p@ss word ", nil},
		{"LF", "p@ss word\n", false, "p@ss word", nil},
		{"CRLF", "p@ss word\r\n", false, "p@ss word", nil},
		{"lone CR is a line break", "p@ss word\r", false, "", errMultiline},
		{"leading space kept", "  p@ssword\n", false, "  p@ssword", nil},
		{"empty", "", false, "", nil},
		{"second line", "a\nb", false, "", errMultiline},
		{"terminal: first line only", "p@ss word\r\nnext line\n", true, "p@ss word", nil},
		{"terminal: no newline", "p@ss word", true, "p@ss word", nil},
		{"exactly the limit", strings.Repeat("x", maxPasswordInput), false, strings.Repeat("x", maxPasswordInput), nil},
		{"over the limit", strings.Repeat("x", maxPasswordInput+1), false, "", password.ErrTooLong},
		{"terminal: over the limit", strings.Repeat("x", maxPasswordInput+1), true, "", password.ErrTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readPassword(strings.NewReader(c.stdin), c.terminal)
			if !errors.Is(err, c.wantErr) || string(got) != c.want {
				t.Errorf("got %q, %v; want %q, %v", got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestReadPassword_readError(t *testing.T) {
	boom := errors.New("boom")
	for _, terminal := range []bool{false, true} {
		if _, err := readPassword(iotest.ErrReader(boom), terminal); !errors.Is(err, boom) {
			t.Errorf("terminal=%v: got %v, want %v", terminal, err, boom)
		}
	}
}

// TestHashNoEcho: on a real terminal the password is read through readNoEcho (echo off), twice,
// with prompts on stderr, and never printed. Two different entries hash nothing.
func TestHashNoEcho(t *testing.T) {
	const pw = "correct horse battery staple"
	for _, c := range []struct {
		name     string
		entries  []string
		wantCode int
	}{
		{"the same twice", []string{pw, pw}, exitOK},
		{"a typo the second time", []string{pw, pw[:len(pw)-1] + "E"}, exitFail},
		{"a typo the first time", []string{"x" + pw, pw}, exitFail},
		{"empty the second time", []string{pw, ""}, exitFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			reads := 0
			code := run([]string{"hash", "-cost", testCost}, &proc{
				stdin:    strings.NewReader("must not be read"),
				stdout:   &stdout,
				stderr:   &stderr,
				terminal: true,
				now:      time.Now,
				readNoEcho: func() ([]byte, error) {
					if reads >= len(c.entries) {
						return nil, errors.New("read past the test's entries")
					}
					reads++
					return []byte(c.entries[reads-1]), nil
				},
			})
			if code != c.wantCode || reads != 2 {
				t.Fatalf("got exit status %d after %d reads, want %d after 2 (stderr %q)", code, reads, c.wantCode, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), "Password: \nPassword again: \n") {
				t.Errorf("stderr: got %q, want the two prompts first", stderr.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), pw) {
				t.Error("the password was printed")
			}
			if c.wantCode != exitOK {
				if stdout.Len() != 0 || !strings.Contains(stderr.String(), "the two passwords differ") {
					t.Errorf("got stdout %q, stderr %q; want no hash and the mismatch reported", stdout.String(), stderr.String())
				}
				return
			}
			hash := strings.TrimSpace(stdout.String())
			if err := password.Verify(context.Background(), hash, []byte(pw)); err != nil {
				t.Errorf("printed hash does not verify the password read without echo: %v", err)
			}
		})
	}
}
