package token

import (
	"fmt"
	"time"
)

// Defaults and bounds of the options.
const (
	defaultLifetime      = time.Hour
	maxLifetime          = 30 * 24 * time.Hour
	defaultLeeway        = 5 * time.Second
	maxLeeway            = 5 * time.Minute
	defaultMaxTokenSize  = 8192
	defaultMaxIssuedSize = 3800
	maxTokenSizeLimit    = 1 << 20
)

// Option configures a [Codec] in [New]. An Option that is given a bad value
// makes New fail; when the same option is given twice, the last one wins.
type Option func(*options) error

// options is the configuration shared by every Codec[T].
type options struct {
	lifetime      time.Duration
	leeway        time.Duration
	issuer        string
	audience      []string
	maxTokenSize  int
	maxIssuedSize int
	now           func() time.Time
	enc           *EncryptionKey   // nil: no JWE layer
	decrypt       []*EncryptionKey // enc first, then previous keys
}

func defaultOptions() options {
	return options{
		lifetime:      defaultLifetime,
		leeway:        defaultLeeway,
		maxTokenSize:  defaultMaxTokenSize,
		maxIssuedSize: defaultMaxIssuedSize,
		now:           time.Now,
	}
}

// WithLifetime sets how long an issued token is valid (exp = iat + d). The
// default is one hour. d must be positive and at most 30 days: a stateless
// token cannot be recalled before it expires except by a revocation list, so
// the lifetime is also the longest a stolen cookie or a removed key stays
// useful. Keep it short and [Codec.Renew] active sessions instead.
func WithLifetime(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 || d > maxLifetime {
			return fmt.Errorf("token: lifetime must be in (0, %s], got %s", maxLifetime, d)
		}
		o.lifetime = d
		return nil
	}
}

// WithIssuer sets the "iss" claim written on issue. Once set, Verify requires
// every token to carry exactly this issuer ([ErrIssuer] otherwise). By
// default no issuer is written and any issuer is accepted.
func WithIssuer(iss string) Option {
	return func(o *options) error {
		if iss == "" {
			return fmt.Errorf("token: empty issuer")
		}
		o.issuer = iss
		return nil
	}
}

// WithAudience sets the "aud" claim written on issue. Once set, Verify
// requires a token to name at least one of aud ([ErrAudience] otherwise). By
// default no audience is written, and a token that names any audience is
// rejected (RFC 7519 section 4.1.3).
func WithAudience(aud ...string) Option {
	return func(o *options) error {
		if len(aud) == 0 {
			return fmt.Errorf("token: WithAudience needs at least one audience")
		}
		for _, a := range aud {
			if a == "" {
				return fmt.Errorf("token: empty audience")
			}
		}
		o.audience = append([]string(nil), aud...)
		return nil
	}
}

// WithLeeway sets the clock skew tolerated when checking exp, nbf, and iat
// and auth_time in the future. The default is 5 seconds; d must be between 0
// and 5 minutes.
func WithLeeway(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 || d > maxLeeway {
			return fmt.Errorf("token: leeway must be in [0, %s], got %s", maxLeeway, d)
		}
		o.leeway = d
		return nil
	}
}

// WithMaxTokenSize bounds the length in bytes of a token Verify accepts; a
// longer one fails with [ErrTooLarge] before any parsing or base64 decoding.
// The default is 8192; n must be positive, at most 1 MiB, and not below the
// issue bound ([WithMaxIssuedSize]).
func WithMaxTokenSize(n int) Option {
	return func(o *options) error {
		if n <= 0 || n > maxTokenSizeLimit {
			return fmt.Errorf("token: max token size must be in [1, %d], got %d", maxTokenSizeLimit, n)
		}
		o.maxTokenSize = n
		return nil
	}
}

// WithMaxIssuedSize bounds the length in bytes of a token Issue and Renew
// return; a longer one fails with [ErrTooLarge]. The default, 3800, leaves
// room in a browser's 4096-byte cookie limit for the cookie name and
// attributes. n must be positive and at most the verify bound
// ([WithMaxTokenSize]).
func WithMaxIssuedSize(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("token: max issued size must be positive, got %d", n)
		}
		o.maxIssuedSize = n
		return nil
	}
}

// WithClock sets the function the Codec reads the time from, for tests. The
// default is [time.Now]. now must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("token: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithEncryption makes every issued token a compact JWE ("dir", A256GCM)
// around the signed JWT, encrypted with current, so the claims are
// confidential as well as authentic. Verify then REQUIRES the JWE layer: a
// bare JWS fails with [ErrDecrypt]. The previous keys only decrypt, for
// rotating the encryption key; kids must be unique. By default tokens are
// signed but not encrypted, and their claims are readable by anyone holding
// them.
func WithEncryption(current *EncryptionKey, previous ...*EncryptionKey) Option {
	return func(o *options) error {
		all := append([]*EncryptionKey{current}, previous...)
		for i, k := range all {
			if k == nil || k.m == nil {
				return fmt.Errorf("%w: nil or empty encryption key", ErrInvalidKey)
			}
			for _, prev := range all[:i] {
				if prev.kid == k.kid {
					return fmt.Errorf("%w: duplicate encryption kid %q", ErrInvalidKey, k.kid)
				}
			}
		}
		o.enc = current
		o.decrypt = all
		return nil
	}
}
