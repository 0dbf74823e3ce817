package totp

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Key is what an otpauth URI carries: a secret, its parameters, and the labels an authenticator
// app shows (the issuer, such as the application's name, and the account, such as an e-mail
// address). A Key holds the secret: show its URI, QR code and Base32 secret only to the user
// enrolling.
type Key struct {
	Issuer  string // no colon; may be empty for an imported key
	Account string // not empty
	Secret  Secret
	Params  Params
}

// Bounds of otpauth URIs and their labels.
const (
	maxURILen   = 2048
	maxLabelLen = 256
)

// URI returns the key's otpauth URI, in the Key Uri Format authenticator apps read:
// otpauth://totp/Issuer:account?algorithm=SHA1&digits=6&issuer=Issuer&period=30&secret=BASE32.
func (k *Key) URI() string {
	p := k.Params.withDefaults()
	label := escapeLabel(k.Account)
	if k.Issuer != "" {
		label = escapeLabel(k.Issuer) + ":" + label
	}
	q := url.Values{}
	q.Set("secret", k.Secret.Base32())
	if k.Issuer != "" {
		q.Set("issuer", k.Issuer)
	}
	q.Set("algorithm", string(p.Algorithm))
	q.Set("digits", strconv.Itoa(p.Digits))
	q.Set("period", strconv.Itoa(int(p.Period/time.Second)))
	return "otpauth://totp/" + label + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}

// escapeLabel percent-encodes a label part, colons included: the first colon separates the
// issuer from the account.
func escapeLabel(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// ParseURI reads an otpauth://totp/ URI, for importing a secret from another system. It accepts
// the Key Uri Format: a label "Issuer:account" or "account" (percent-encoded), a base32 secret
// of at least 128 bits, an optional issuer that must match the label's, and the optional
// algorithm (SHA1, SHA256, SHA512), digits (6 or 8) and period (15 to 120 seconds). It refuses
// HOTP URIs, repeated parameters, control characters and anything longer than 2048 bytes.
// Errors match [ErrInvalidURI] (and [ErrInvalidSecret] or [ErrInvalidParams] where they
// apply). The key's Params are filled in: absent parameters are the defaults. It never panics.
//
// To import the key as an account's second factor, store it:
// store.Put(ctx, sub, totp.Record{Secret: k.Secret, Params: k.Params, Enabled: true}), then
// give the user recovery codes with [Factor.RegenerateRecoveryCodes].
func ParseURI(s string) (*Key, error) {
	bad := func(why string) (*Key, error) { return nil, fmt.Errorf("%w: %s", ErrInvalidURI, why) }
	if len(s) > maxURILen {
		return bad("too long")
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URI")
	}
	if !strings.EqualFold(u.Scheme, "otpauth") || !strings.EqualFold(u.Host, "totp") || u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return bad("not an otpauth://totp/ URI")
	}
	// The label is one path segment; a slash inside it is percent-encoded.
	escaped, ok := strings.CutPrefix(u.EscapedPath(), "/")
	if !ok || escaped == "" || strings.Contains(escaped, "/") {
		return bad("no label")
	}
	label, err := url.PathUnescape(escaped)
	if err != nil {
		return bad("malformed label")
	}
	k := &Key{Account: label}
	if issuer, account, found := strings.Cut(label, ":"); found {
		k.Issuer, k.Account = issuer, strings.TrimLeft(account, " ")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("malformed query")
	}
	get := func(name string) (string, bool, error) {
		v, ok := q[name]
		switch {
		case !ok:
			return "", false, nil
		case len(v) != 1:
			return "", false, fmt.Errorf("%w: %s repeated", ErrInvalidURI, name)
		}
		return v[0], true, nil
	}
	secret, ok, err := get("secret")
	if err != nil {
		return nil, err
	}
	if !ok {
		return bad("no secret")
	}
	if k.Secret, err = ParseSecret(secret); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURI, err)
	}
	issuer, ok, err := get("issuer")
	switch {
	case err != nil:
		return nil, err
	case ok && k.Issuer != "" && issuer != k.Issuer:
		return bad("issuer does not match the label")
	case ok:
		k.Issuer = issuer
	}
	if v, ok, err := get("algorithm"); err != nil {
		return nil, err
	} else if ok {
		k.Params.Algorithm = Algorithm(strings.ToUpper(v))
	}
	if v, ok, err := get("digits"); err != nil {
		return nil, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%w: %w: digits %q", ErrInvalidURI, ErrInvalidParams, truncate(v))
		}
		k.Params.Digits = n
	}
	if v, ok, err := get("period"); err != nil {
		return nil, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > int(maxPeriod/time.Second) {
			return nil, fmt.Errorf("%w: %w: period %q", ErrInvalidURI, ErrInvalidParams, truncate(v))
		}
		k.Params.Period = time.Duration(n) * time.Second
	}
	if err := k.Params.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURI, err)
	}
	k.Params = k.Params.withDefaults()
	if err := checkLabels(k.Issuer, k.Account); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURI, err)
	}
	return k, nil
}

// checkLabels refuses labels that an authenticator app would show wrongly or that would not
// round-trip: an empty account, a colon in the issuer, control characters, invalid UTF-8.
func checkLabels(issuer, account string) error {
	switch {
	case account == "":
		return fmt.Errorf("empty account name")
	case strings.Contains(issuer, ":"):
		return fmt.Errorf("colon in the issuer")
	case !printableLabel(issuer) || !printableLabel(account):
		return fmt.Errorf("label too long or not printable")
	}
	return nil
}

func printableLabel(s string) bool {
	if len(s) > maxLabelLen || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// truncate shortens a value quoted in an error.
func truncate(s string) string {
	if len(s) > 16 {
		return s[:16] + "..."
	}
	return s
}
