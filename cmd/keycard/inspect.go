package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keycard-go/keycard/token"
)

const inspectUsage = `Usage: keycard inspect [flags] TOKEN|-

Decode a token and print its header and claims as indented JSON, then its
times (iat, nbf, auth_time, sst, exp) in RFC 3339 with how long ago or until when.
Give TOKEN as "-" to read it from stdin, which keeps it out of shell history.
TOKEN may also be a cookie as developer tools copy it (__Host-session=eyJ...,
any cookie name), or a Cookie or Set-Cookie header holding one.

Without -key NOTHING IS VERIFIED and the output says so: anyone can write a
token that reads like this. With -key the token is verified as the application
verifies it (token.Codec.Verify, at the current time, with 5s leeway); if that
fails, the token package's error is printed to stderr and the exit status is 1.

The -key file holds one of:
  a JWK or a JWK Set (JSON carrying kid and alg; public keys are enough);
  a PEM key (PKCS#8, PKCS#1, SEC 1 or PKIX), with -alg and -kid;
  a raw HMAC secret, used as is (one trailing newline is removed), with -alg
  and -kid. The example app's SESSION_SECRET is such a secret, with kid "env".
Give -iss and -aud when the application sets token.WithIssuer and
token.WithAudience: verification checks them as it does.

An encrypted token (a JWE) shows only its JWE header unless both -key and
-enc-key are given, because the token package decrypts only while verifying.
The -enc-key file holds the 32-byte key, raw or as base64url text (what
'keycard keygen -alg A256GCM' prints); its kid is taken from the JWE header.

Flags:
%s
Examples:

  keycard inspect eyJhbGciOiJFZERTQSIs...        # decode only: NOT VERIFIED
  pbpaste | keycard inspect -                     # token from stdin
  keycard inspect '__Host-session=eyJhbGciOi...'   # a cookie as the browser shows it
  keycard inspect -key public.jwks - < token.txt
  keycard inspect -key secret.txt -alg HS256 -kid env -
  keycard inspect -key key.jwk -enc-key enc.key -iss https://example.com -

Exit status: 0 decoded (and verified, with -key), 1 verification failed or the
token cannot be decoded, 2 usage error.
`

// maxInput bounds a token read from stdin and a key file: the token package
// never verifies a token over 1 MiB (WithMaxTokenSize).
const maxInput = 1 << 20

// listFlag is a flag that may be repeated.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// inspectFlags are inspect's flags.
type inspectFlags struct {
	key, alg, kid, encKey, iss string
	aud                        listFlag
}

func runInspect(p *proc, args []string) int {
	fs := newFlagSet("inspect", inspectUsage)
	var f inspectFlags
	fs.StringVar(&f.key, "key", "", "verify with the key in `FILE` (JWK, JWK Set, PEM or raw HMAC secret)")
	fs.StringVar(&f.alg, "alg", "", "the algorithm `ALG` of a PEM key or raw secret in -key: HS256, HS384, HS512, EdDSA, ES256, RS256 or PS256, in any case")
	fs.StringVar(&f.kid, "kid", "", "the key `ID` of a PEM key or raw secret in -key")
	fs.StringVar(&f.encKey, "enc-key", "", "decrypt with the 32-byte key in `FILE` (needs -key)")
	fs.StringVar(&f.iss, "iss", "", "the issuer `ISS` the application requires (token.WithIssuer); unchecked when absent")
	fs.Var(&f.aud, "aud", "an audience `AUD` the application accepts (token.WithAudience); repeat for several")
	if code, ok := p.parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() == 0:
		return p.usageError(fs, "missing TOKEN (or - to read it from stdin)")
	case fs.NArg() > 1:
		return p.usageError(fs, "one TOKEN only; flags go before it")
	case f.key == "" && f.encKey != "":
		return p.usageError(fs, "-enc-key needs -key as well: the token package decrypts only while verifying")
	case f.key == "" && (f.alg != "" || f.kid != "" || f.iss != "" || len(f.aud) > 0):
		return p.usageError(fs, "-alg, -kid, -iss and -aud are for verification and need -key")
	}
	if fs.Arg(0) == "-" && p.terminal {
		fmt.Fprint(p.stderr, "Token: ")
	}
	pasted, err := readToken(p.stdin, fs.Arg(0), p.terminal)
	if err != nil {
		return p.fail(fs, err)
	}
	if pasted == "" {
		return p.usageError(fs, "the token is empty")
	}
	tok, cookie, err := fromPaste(pasted)
	if err != nil {
		return p.fail(fs, err)
	}
	if cookie != "" {
		fmt.Fprintf(p.stderr, "%s: the token of cookie %q\n", fs.Name(), cookie)
	}
	if f.alg != "" {
		if name, ok := canonicalAlg(f.alg); ok && name != encAlg {
			f.alg = name
		}
	}

	d, decodeErr := decode(tok)
	if f.key == "" {
		if decodeErr != nil {
			return p.fail(fs, fmt.Errorf("malformed token: %w", decodeErr))
		}
		fmt.Fprintln(p.stdout, "NOT VERIFIED: decoded without a key (-key); anyone can make a token that reads like this.")
		fmt.Fprintln(p.stdout)
		p.show(d, nil)
		return exitOK
	}

	keys, code, err := loadKeys(f)
	if err != nil {
		if code == exitUsage {
			return p.usageError(fs, "%v", err)
		}
		return p.fail(fs, err)
	}
	var enc *token.EncryptionKey
	if f.encKey != "" {
		if enc, err = loadEncryptionKey(f.encKey, d); err != nil {
			return p.fail(fs, err)
		}
	}
	claims, err := verify(tok, keys, enc, f, p)
	if err != nil {
		if decodeErr == nil {
			fmt.Fprintf(p.stdout, "VERIFICATION FAILED: %v\n\n", err)
			p.show(d, nil)
		}
		fmt.Fprintf(p.stderr, "%s: %v\n", fs.Name(), err)
		if hint := hintFor(err, d, f); hint != "" {
			fmt.Fprintf(p.stderr, "hint: %s\n", hint)
		}
		return exitFail
	}
	alg := "?"
	for _, k := range keys {
		if k.ID() == claims.KeyID {
			alg = string(k.Algorithm())
		}
	}
	fmt.Fprintf(p.stdout, "VERIFIED: signature by key %q (%s), claims valid at %s.\n\n",
		claims.KeyID, alg, p.now().UTC().Format(time.RFC3339))
	if decodeErr != nil {
		// Verify accepted what decode did not: cannot happen, as decode is
		// the more lenient of the two; show what Verify saw.
		d = &decoded{}
	}
	p.show(d, claims.Payload.raw)
	if f.iss == "" {
		var c struct {
			Iss *string `json:"iss"`
		}
		if json.Unmarshal(claims.Payload.raw, &c) == nil && c.Iss != nil {
			fmt.Fprintln(p.stdout, "\nnote: iss was not checked; give -iss to check it as the application does.")
		}
	}
	return exitOK
}

// show prints a decoded token. verified, when not nil, is the payload that
// verification returned, shown instead of d's; for an encrypted token it is
// the only way to see the claims.
func (p *proc) show(d *decoded, verified []byte) {
	claims := d.claims
	if verified != nil {
		claims = verified
	}
	if d.header != nil {
		title := "header"
		if d.encrypted {
			title = "JWE header"
		}
		printJSON(p.stdout, title, d.header)
		fmt.Fprintln(p.stdout)
	}
	if claims == nil {
		fmt.Fprintln(p.stdout, "claims: ENCRYPTED. Give -key and -enc-key to decrypt and verify them")
		fmt.Fprintln(p.stdout, "(the token package decrypts only while verifying).")
		return
	}
	printJSON(p.stdout, "claims", claims)
	fmt.Fprintln(p.stdout)
	printTimes(p.stdout, claims, p.now())
}

// readToken returns the token argument, or the token on stdin for "-",
// without surrounding white space. From a terminal it reads one line.
func readToken(stdin io.Reader, arg string, terminal bool) (string, error) {
	if arg != "-" {
		return strings.TrimSpace(arg), nil
	}
	r := io.LimitReader(stdin, maxInput+1)
	var b []byte
	var err error
	if terminal {
		b, err = bufio.NewReader(r).ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
	} else {
		b, err = io.ReadAll(r)
	}
	if err != nil {
		return "", fmt.Errorf("reading the token from stdin: %w", err)
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("the token on stdin is over %d bytes", maxInput)
	}
	return string(bytes.TrimSpace(b)), nil
}

// rawPayload is the payload type of the Codec inspect verifies with: it keeps
// the whole payload as JSON, registered claims included, for display. It
// declares no fields, so token.New accepts it, and only a JSON decoder, so
// the token package decodes the payload through it.
type rawPayload struct{ raw json.RawMessage }

// UnmarshalJSON keeps a copy of the payload.
func (r *rawPayload) UnmarshalJSON(b []byte) error {
	r.raw = bytes.Clone(b)
	return nil
}

// verify checks tok as an application configured with keys, enc and f's -iss
// and -aud would, at p's time.
func verify(tok string, keys []*token.Key, enc *token.EncryptionKey, f inspectFlags, p *proc) (*token.Claims[rawPayload], error) {
	// A KeySet needs a signing key, so a throwaway one with a random kid
	// carries the keys to verify with; it never signs anything and no token
	// can name it.
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	signer, err := token.GenerateKey("keycard-inspect-"+hex.EncodeToString(b[:]), token.HS256)
	if err != nil {
		return nil, err
	}
	ks, err := token.NewKeySet(signer, keys...)
	if err != nil {
		return nil, fmt.Errorf("-key: %w", err)
	}
	opts := []token.Option{token.WithClock(p.now)}
	if f.iss != "" {
		opts = append(opts, token.WithIssuer(f.iss))
	}
	if len(f.aud) > 0 {
		opts = append(opts, token.WithAudience(f.aud...))
	}
	if enc != nil {
		opts = append(opts, token.WithEncryption(enc))
	}
	codec, err := token.New[rawPayload](ks, opts...)
	if err != nil {
		return nil, err
	}
	return codec.Verify(tok)
}

// hintFor suggests a flag that may fix a failed verification.
func hintFor(err error, d *decoded, f inspectFlags) string {
	switch {
	case d != nil && d.encrypted && f.encKey == "":
		return "the token is encrypted: give its encryption key with -enc-key"
	case errors.Is(err, token.ErrIssuer) && f.iss == "":
		return "give the issuer the application expects with -iss"
	case errors.Is(err, token.ErrAudience) && len(f.aud) == 0:
		return "give the audience the application expects with -aud"
	case errors.Is(err, token.ErrUnknownKey):
		return "the token's kid (see its header) names none of the keys in -key"
	}
	return ""
}
