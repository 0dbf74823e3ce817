package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/keycard-go/keycard/password"
)

const hashUsage = `Usage: keycard hash [-cost N]

Read one password from stdin and print its bcrypt hash, to seed a user store.

One trailing newline (or CRLF) is removed; everything else is hashed as it is,
without Unicode normalization. Passwords the password package refuses (empty,
shorter than 8 characters, over 72 bytes, a NUL byte) are refused with its
error, and so is input of more than one line. The password is never printed.

When stdin is a terminal, hash prompts for the password and reads it with
echo turned off, then asks for it again and stops if the two differ. From a script, pipe it (printf is a shell builtin, so the
password does not show in the process list):

  read -rs pw && printf '%%s\n' "$pw" | keycard hash; unset pw

Flags:
%s
Examples:

  read -rs pw && printf '%%s\n' "$pw" | keycard hash; unset pw
  keycard hash -cost 13 < password.txt

Exit status: 0 success, 1 password refused, 2 usage error (such as a bad -cost).
`

// maxPasswordInput bounds how much of stdin hash reads: well over
// password.MaxLength, so that a too long password is reported as such.
const maxPasswordInput = 1024

// errMultiline refuses input with a line break inside: most likely a file
// piped by mistake, and a password nobody could type at a login form.
var errMultiline = errors.New("the input has more than one line; give exactly one password")

func runHash(p *proc, args []string) int {
	fs := newFlagSet("hash", hashUsage)
	cost := fs.Int("cost", password.DefaultCost, fmt.Sprintf("bcrypt cost `N`, %d to 31; each step doubles the work", password.MinCost))
	if code, ok := p.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return p.usageError(fs, "unexpected argument; the password is read from stdin, never from the command line")
	}
	h, err := password.New(password.WithCost(*cost))
	if err != nil {
		return p.usageError(fs, "-cost: %v", err)
	}

	pw, err := p.readPasswordInput()
	defer clear(pw)
	if err != nil {
		return p.fail(fs, err)
	}
	hash, err := h.Hash(context.Background(), pw)
	if err != nil {
		// The password package's errors never contain the password.
		return p.fail(fs, err)
	}
	fmt.Fprintln(p.stdout, hash)
	return exitOK
}

// errMismatch refuses a password typed twice differently at the terminal.
var errMismatch = errors.New("the two passwords differ; nothing was hashed")

// readPasswordInput reads the password to hash. At a terminal it asks twice, as passwd does,
// since a typo there cannot be seen; a pipe is read once.
func (p *proc) readPasswordInput() ([]byte, error) {
	var read func() ([]byte, error)
	switch {
	case p.readNoEcho != nil:
		read = func() ([]byte, error) {
			pw, err := p.readNoEcho()
			fmt.Fprintln(p.stderr)
			if err == nil && len(pw) > maxPasswordInput {
				clear(pw)
				pw, err = nil, fmt.Errorf("%w: the input is over %d bytes", password.ErrTooLong, maxPasswordInput)
			}
			return pw, err
		}
	case p.terminal:
		fmt.Fprintln(p.stderr, "keycard hash: echo cannot be turned off here; the password will be VISIBLE as you type.")
		read = func() ([]byte, error) { return readPassword(p.stdin, true) }
	default:
		return readPassword(p.stdin, false)
	}
	fmt.Fprint(p.stderr, "Password: ")
	pw, err := read()
	if err != nil {
		return nil, err
	}
	fmt.Fprint(p.stderr, "Password again: ")
	again, err := read()
	defer clear(again)
	if err == nil && subtle.ConstantTimeCompare(pw, again) != 1 {
		err = errMismatch
	}
	if err != nil {
		clear(pw)
		return nil, err
	}
	return pw, nil
}

// readPassword reads one password: from a terminal, up to the end of the
// line; otherwise all of the input, which must be a single line. One trailing
// "\n" or "\r\n" is removed.
func readPassword(r io.Reader, terminal bool) ([]byte, error) {
	// One fixed buffer, so that no partial copies of the password are left
	// behind by a growing slice; the caller clears it.
	buf := make([]byte, maxPasswordInput+1)
	n, err := 0, error(nil)
	if terminal {
		// A byte at a time: nothing is read past the end of the line.
		for empty := 0; n < len(buf) && err == nil; {
			var m int
			m, err = r.Read(buf[n : n+1])
			n += m
			if m == 1 && buf[n-1] == '\n' {
				break
			}
			if m == 0 {
				if empty++; empty == 100 {
					err = io.ErrNoProgress
				}
			}
		}
	} else {
		n, err = io.ReadFull(r, buf)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	if err != nil {
		clear(buf)
		return nil, fmt.Errorf("reading the password: %w", err)
	}
	if n > maxPasswordInput {
		clear(buf)
		return nil, fmt.Errorf("%w: the input is over %d bytes", password.ErrTooLong, maxPasswordInput)
	}
	pw := buf[:n]
	if n := len(pw); n > 0 && pw[n-1] == '\n' {
		pw = pw[:n-1]
		if n := len(pw); n > 0 && pw[n-1] == '\r' {
			pw = pw[:n-1]
		}
	}
	if bytes.ContainsAny(pw, "\r\n") {
		clear(buf)
		return nil, errMultiline
	}
	return pw, nil
}
