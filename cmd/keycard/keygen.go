package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/keycard-go/keycard/token"
)

const keygenUsage = `Usage: keycard keygen -alg ALG [-kid ID] [-public] [-jwk]

Make a new random key and print it to stdout in the form its loader takes, and
name that loader on stderr. ALG is one of the names below, in any case.

  HS256, HS384, HS512      an HMAC secret: 32, 48 or 64 random bytes as base64url
                           text (43, 64 or 86 characters). The text itself is the
                           secret, as the example app's SESSION_SECRET is:
                           token.NewHMACKey(kid, token.HS256, []byte(text)).
                           With -jwk, an "oct" JWK for token.ParseJWK instead.
  EdDSA, ES256, RS256, PS256
                           a private JWK (one line, with kid, alg and "use":"sig")
                           for token.ParseJWK. With -public, a second line holds
                           the public JWK Set to publish (token.ParseJWKSet).
  A256GCM                  a token encryption key for token.WithEncryption: 32
                           random bytes as base64url text (43 characters), which
                           keycard inspect -enc-key reads as it is; an application
                           decodes it (base64.RawURLEncoding) and passes the 32
                           bytes to token.NewEncryptionKey.

The output is a secret (except the -public line): store it in a secret store or
a file only the service can read, never in a log or a repository. Only the key
goes to stdout, so that redirecting it to a file or $(...) captures nothing
else.

Flags:
%s
Examples:

  keycard keygen -alg HS256                 # a SESSION_SECRET for the example app
  (umask 077; keycard keygen -alg EdDSA -kid 2026-11 -public > key.jwk)
  head -1 key.jwk > private.jwk; tail -1 key.jwk > public.jwks
  (umask 077; keycard keygen -alg a256gcm > enc.key)

Exit status: 0 success, 1 key generation failed, 2 usage error.
`

// encAlg names the token encryption key keygen makes, next to the signature
// algorithms of token.Algorithm.
const encAlg = "A256GCM"

// encKeySize is the size of a token encryption key (token.NewEncryptionKey).
const encKeySize = 32

// algorithms lists every -alg keygen accepts. The token package has no list
// of its algorithms, so it is repeated here.
func algorithms() []string {
	return []string{
		string(token.HS256), string(token.HS384), string(token.HS512),
		string(token.EdDSA), string(token.ES256), string(token.RS256), string(token.PS256),
		encAlg,
	}
}

func runKeygen(p *proc, args []string) int {
	fs := newFlagSet("keygen", keygenUsage)
	alg := fs.String("alg", "", "the algorithm `ALG`: "+strings.Join(algorithms(), ", ")+" (required)")
	kid := fs.String("kid", "", "the key `ID` in JWK output (default today's UTC date and 6 random hex digits, e.g. 2026-11-27-3fa85c);\n"+
		"base64url secrets carry no kid: choose one when loading them")
	public := fs.Bool("public", false, "also print the public JWK Set, on a second line (EdDSA, ES256, RS256, PS256)")
	asJWK := fs.Bool("jwk", false, "print an HMAC secret as an \"oct\" JWK instead of base64url text (HS256, HS384, HS512)")
	if code, ok := p.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return p.usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	name, known := canonicalAlg(*alg)
	a := token.Algorithm(name)
	hmac := a == token.HS256 || a == token.HS384 || a == token.HS512
	switch {
	case *alg == "":
		return p.usageError(fs, "-alg is required: one of %s", strings.Join(algorithms(), ", "))
	case !known:
		return p.usageError(fs, "unknown -alg %q: use one of %s", *alg, strings.Join(algorithms(), ", "))
	case *public && (hmac || name == encAlg):
		return p.usageError(fs, "-public: an %s key is a secret and has no public form", name)
	case *asJWK && !hmac:
		return p.usageError(fs, "-jwk is for HMAC secrets; %s keys are always printed as JWK", name)
	}
	if *kid == "" {
		k, err := defaultKID(p)
		if err != nil {
			return p.fail(fs, err)
		}
		*kid = k
	}

	var out []string
	var err error
	switch {
	case name == encAlg:
		out, err = encryptionKey(*kid)
	case hmac:
		out, err = hmacKey(*kid, a, *asJWK)
	default:
		out, err = asymmetricKey(*kid, a, *public)
	}
	if err != nil {
		// Token errors name the kid at most, never key material.
		return p.fail(fs, err)
	}
	fmt.Fprintln(p.stdout, strings.Join(out, "\n"))
	fmt.Fprint(p.stderr, loaderHint(name, *kid, *asJWK, *public))
	return exitOK
}

// canonicalAlg returns the spelling of an -alg name that keycard uses (HS256, EdDSA, A256GCM),
// whatever its case, and whether the name is known.
func canonicalAlg(s string) (string, bool) {
	for _, a := range algorithms() {
		if strings.EqualFold(a, s) {
			return a, true
		}
	}
	return s, false
}

// loaderHint says, for stderr, what keygen printed and which function loads it as it is.
func loaderHint(alg, kid string, asJWK, public bool) string {
	switch {
	case alg == encAlg:
		return fmt.Sprintf("keycard keygen: a token encryption key, 32 bytes as base64url text; load it with\n"+
			"  secret, err := base64.RawURLEncoding.DecodeString(text)\n"+
			"  key, err := token.NewEncryptionKey(%q, secret) // for token.WithEncryption(key)\n"+
			"keycard inspect -enc-key FILE reads the text as it is.\n", kid)
	case strings.HasPrefix(alg, "HS") && !asJWK:
		return fmt.Sprintf("keycard keygen: an %s secret; the text itself is the secret, load it as it is with\n"+
			"  key, err := token.NewHMACKey(%q, token.%s, []byte(text))\n", alg, kid, alg)
	case strings.HasPrefix(alg, "HS"):
		return fmt.Sprintf("keycard keygen: an %s secret as an \"oct\" JWK with kid %q; load it with\n"+
			"  key, err := token.ParseJWK(data)\n", alg, kid)
	case public:
		return fmt.Sprintf("keycard keygen: line 1 is the private %s JWK %q, for token.ParseJWK(line);\n"+
			"line 2 the public JWK Set to publish, for token.ParseJWKSet(line).\n", alg, kid)
	default:
		return fmt.Sprintf("keycard keygen: a private %s JWK with kid %q; load it with\n"+
			"  key, err := token.ParseJWK(data)\n", alg, kid)
	}
}

// defaultKID returns today's UTC date and 24 random bits, e.g. 2026-11-27-3fa85c.
func defaultKID(p *proc) (string, error) {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return p.now().UTC().Format("2006-01-02") + "-" + hex.EncodeToString(b[:]), nil
}

// hmacKey returns a fresh HMAC secret as base64url text, or as an oct JWK.
func hmacKey(kid string, alg token.Algorithm, asJWK bool) ([]string, error) {
	key, err := token.GenerateKey(kid, alg)
	if err != nil {
		return nil, err
	}
	jwk, err := key.ExportJWK()
	if err != nil {
		return nil, err
	}
	if asJWK {
		return []string{string(jwk)}, nil
	}
	// The secret's bytes are only available through the JWK, whose "k" is
	// their base64url encoding: exactly the text we print.
	var oct struct {
		K string `json:"k"`
	}
	if err := json.Unmarshal(jwk, &oct); err != nil || oct.K == "" {
		return nil, errors.New("cannot read the generated secret")
	}
	// The text is what the application will use as its secret, so check
	// that it is one.
	if _, err := token.NewHMACKey(kid, alg, []byte(oct.K)); err != nil {
		return nil, err
	}
	return []string{oct.K}, nil
}

// asymmetricKey returns a fresh private JWK, and the public JWK Set after it
// when public is set.
func asymmetricKey(kid string, alg token.Algorithm, public bool) ([]string, error) {
	key, err := token.GenerateKey(kid, alg)
	if err != nil {
		return nil, err
	}
	jwk, err := key.ExportJWK()
	if err != nil {
		return nil, err
	}
	out := []string{string(jwk)}
	if public {
		set, err := token.PublicJWKSet(key)
		if err != nil {
			return nil, err
		}
		out = append(out, string(set))
	}
	return out, nil
}

// encryptionKey returns a fresh token encryption key as base64url text. The
// token package can generate one but not export it, so the bytes are made
// here and checked with token.NewEncryptionKey.
func encryptionKey(kid string) ([]string, error) {
	secret := make([]byte, encKeySize)
	defer clear(secret)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if _, err := token.NewEncryptionKey(kid, secret); err != nil {
		return nil, err
	}
	return []string{base64.RawURLEncoding.EncodeToString(secret)}, nil
}
