// Command keycard makes keys, hashes passwords and looks inside session tokens
// for applications built on github.com/keycard-go/keycard, so that operators
// need not write a program for these chores.
//
// Install it, or run it without installing:
//
//	go install github.com/keycard-go/keycard/cmd/keycard@latest
//	go run github.com/keycard-go/keycard/cmd/keycard@latest keygen -alg EdDSA
//
// Usage:
//
//	keycard <command> [flags] [arguments]
//
// The commands are:
//
//	keygen   make a signing key (HMAC secret or private JWK) or a token encryption key
//	hash     read a password and print its bcrypt hash
//	inspect  decode a token and show its header, claims and times; verify it with -key
//	version  print the keycard and Go versions this program was built with
//
// "keycard <command> -h" prints a command's flags and examples.
//
// # keygen
//
//	keycard keygen -alg HS256|HS384|HS512|EdDSA|ES256|RS256|PS256|A256GCM [-kid ID] [-public] [-jwk]
//
// keygen prints a fresh key to stdout in the form its loader takes, and names that loader, with
// the kid, on stderr. Algorithm names are accepted in any case (hs256, eddsa, a256gcm).
//
// For HMAC (HS256, HS384, HS512) keygen prints a secret of 32, 48 or 64
// random bytes as base64url text, without padding: 43, 64 or 86 characters.
// The text itself is the secret, as the example application's SESSION_SECRET
// is: token.NewHMACKey(kid, token.HS256, []byte(text)). With -jwk it prints an
// "oct" JWK for [token.ParseJWK] instead.
//
// For EdDSA, ES256, RS256 and PS256 it prints the private key as one line of
// JWK JSON (with kid, alg and "use":"sig") for [token.ParseJWK]; with -public
// it prints, on a second line, the JWK Set of the public key for
// [token.ParseJWKSet], to publish to verifiers.
//
// A256GCM makes a key for [token.WithEncryption]: 32 random bytes as base64url
// text (43 characters), which inspect -enc-key reads as it is; an application
// decodes it with base64.RawURLEncoding and passes the 32 bytes to
// [token.NewEncryptionKey]. (Raw bytes would not survive $(...) or an
// environment variable.)
//
// The kid defaults to today's UTC date and six random hex digits, such as
// 2026-11-27-3fa85c: it sorts by age, which helps when rotating, and two keys
// made the same day still differ. Only the key goes to stdout, so that a
// redirection or $(...) captures nothing else.
//
// # hash
//
//	keycard hash [-cost N]
//
// hash reads one password from stdin and prints its bcrypt hash (see
// [password.Hasher.Hash]) at cost N, [password.DefaultCost] by default. One
// trailing newline (or CRLF) is removed; anything else is hashed as it is.
// Passwords that the password package refuses (empty, too short, over 72
// bytes, a NUL byte) are refused with its error, and so is input of more than
// one line.
//
// When stdin is a terminal, hash prompts on stderr and reads the password with
// echo turned off (golang.org/x/term), so it never shows on the screen, then
// asks for it again and refuses to go on when the two differ.
//
// # inspect
//
//	keycard inspect [-key FILE [-alg ALG -kid ID] [-enc-key FILE] [-iss ISS] [-aud AUD]] TOKEN|-
//
// inspect decodes a token and prints its header and claims as indented JSON,
// then its times (iat, nbf, auth_time, sst, exp) in RFC 3339 with how long ago or
// until when. TOKEN "-" reads the token from stdin, which keeps it out of shell
// history.
//
// Without -key nothing is verified and the output says NOT VERIFIED: anyone
// can write a token that reads like this. With -key the token is verified as
// [token.Codec.Verify] does it, and when that fails the token package's error
// is printed to stderr and inspect exits with status 1. The key file holds a
// JWK or a JWK Set (which carry kid and alg), a PEM key (give -alg and -kid)
// or a raw HMAC secret (give -alg and -kid; one trailing newline is removed).
// -iss and -aud must match the application's [token.WithIssuer] and
// [token.WithAudience].
//
// An encrypted token (a JWE) shows only its JWE header unless both -key and
// -enc-key are given: the token package decrypts only while it verifies. The
// -enc-key file holds the 32-byte key, raw or as base64url text (what keygen
// -alg A256GCM prints); its kid is taken from the JWE header.
//
// inspect takes the token as it comes out of a browser's developer tools or
// a request dump: a bare token, a cookie pair such as __Host-session=eyJ...
// (any cookie name), a "Cookie:" header with several cookies (the one whose
// value is a token is used), or a "Set-Cookie:" header.
//
// # version
//
//	keycard version
//
// version prints the version of the keycard module the program was built from
// (v0.1.0 after go install .../cmd/keycard@v0.1.0, "(devel)" from a working
// tree), the Go version that built it and the platform, from the build
// information ([runtime/debug.ReadBuildInfo]).
//
// # Exit status
//
// 0 on success; 1 when the operation fails (a token does not verify or cannot
// be decoded, a password is refused, a key file is unreadable or invalid); 2
// for a usage error (unknown command or flag, missing or extra argument).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"
)

func main() {
	p := &proc{
		stdin:    os.Stdin,
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		terminal: isTerminal(os.Stdin),
		now:      time.Now,
	}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		p.readNoEcho = func() ([]byte, error) { return term.ReadPassword(fd) }
	}
	os.Exit(run(os.Args[1:], p))
}

// Exit statuses.
const (
	exitOK    = 0 // success
	exitFail  = 1 // the operation failed: a token does not verify, a password is refused, ...
	exitUsage = 2 // bad command line
)

// proc is what a command may touch of the outside world. main fills it from
// the process; tests fill it with buffers, a fixed clock and a fake terminal.
type proc struct {
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	terminal bool // stdin is a terminal: read one line, not all of it
	// readNoEcho reads one line from the terminal with echo off; nil when stdin
	// is no terminal or echo cannot be turned off (hash then warns).
	readNoEcho func() ([]byte, error)
	now        func() time.Time // the clock for inspect's times and verification, and keygen's kid
	// buildInfo reads the build information for version; nil means debug.ReadBuildInfo.
	buildInfo func() (*debug.BuildInfo, bool)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(p *proc, args []string) int
}

// commands lists the subcommands in the order the usage shows them.
func commands() []command {
	return []command{
		{"keygen", "make a signing key (HMAC secret or private JWK) or a token encryption key", runKeygen},
		{"hash", "read a password and print its bcrypt hash", runHash},
		{"inspect", "decode a token and show its header, claims and times; verify it with -key", runInspect},
		{"version", "print the keycard and Go versions this program was built with", runVersion},
	}
}

const mainUsage = `keycard makes keys, hashes passwords and looks inside keycard session tokens.

Usage:

	keycard <command> [flags] [arguments]

Commands:

%s
Run "keycard <command> -h" for a command's flags and examples.

Exit status: 0 success, 1 operation failed (for example a token that does not
verify), 2 usage error.
`

// run runs the command line args (without the program name) and returns the
// exit status.
func run(args []string, p *proc) int {
	if len(args) == 0 {
		p.usage()
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(rest) > 0 && name == "help" {
			return run([]string{rest[0], "-h"}, p)
		}
		p.printUsage(p.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(p, rest)
		}
	}
	fmt.Fprintf(p.stderr, "keycard: unknown command %q\n", name)
	p.usage()
	return exitUsage
}

// usage prints the main usage to stderr, after a usage error.
func (p *proc) usage() { p.printUsage(p.stderr) }

func (p *proc) printUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "\t%-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, mainUsage, b.String())
}

// newFlagSet returns a flag set for a subcommand whose help is usage (a
// format with one %s for the flag defaults).
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("keycard "+name, flag.ContinueOnError)
	fs.Usage = func() {
		out := fs.Output()
		var defaults strings.Builder
		fs.SetOutput(&defaults)
		fs.PrintDefaults()
		fs.SetOutput(out)
		fmt.Fprintf(out, usage, defaults.String())
	}
	return fs
}

// parseFlags parses args into fs. When it returns false the command must stop
// and return code: exitOK after -h (help printed to stdout), exitUsage after a
// bad flag (the reason printed to stderr).
func (p *proc) parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	// The flag package prints its error and the whole usage to the output;
	// we print a shorter message ourselves, so it writes into a buffer.
	var discard strings.Builder
	fs.SetOutput(&discard)
	err := fs.Parse(args)
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		p.help(fs)
		return exitOK, false
	default:
		return p.usageError(fs, "%v", err), false
	}
}

// help prints fs's help to stdout.
func (p *proc) help(fs *flag.FlagSet) {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.Usage()
	_, _ = io.WriteString(p.stdout, b.String())
}

// usageError reports a bad command line for the command of fs and returns
// exitUsage.
func (p *proc) usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(p.stderr, "%s: %s\nRun '%s -h' for usage.\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return exitUsage
}

// fail reports a failed operation of the command of fs and returns exitFail.
func (p *proc) fail(fs *flag.FlagSet, err error) int {
	fmt.Fprintf(p.stderr, "%s: %v\n", fs.Name(), err)
	return exitFail
}

// isTerminal reports whether f looks like a terminal. Without a dependency
// this is a character-device test, which is also true of /dev/null; that only
// costs a needless notice.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
