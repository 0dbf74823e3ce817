package passkey

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// An Option configures [New]. An option given a value it cannot accept makes New fail.
type Option func(*config) error

// Defaults.
const (
	// DefaultTimeout is how long a ceremony may take, from its options to its response: the
	// browser's timeout and the life of the ceremony cookie. It is also the longest allowed.
	DefaultTimeout = 5 * time.Minute

	// DefaultPathPrefix is where [Passkeys.Handler] serves its routes.
	DefaultPathPrefix = "/passkey"

	// DefaultMaxPasskeys bounds how many passkeys one user may register.
	DefaultMaxPasskeys = 20

	// DefaultMaxBody bounds a request body. Responses with attestation certificates are a few
	// kilobytes.
	DefaultMaxBody = 64 << 10

	// DefaultRecentAuth is how recently the user must have authenticated to add or remove a
	// passkey ([WithRecentAuth]).
	DefaultRecentAuth = 15 * time.Minute

	// maxNameLen bounds the name a user gives a passkey, in characters.
	maxNameLen = 64
)

type config struct {
	logger          zerolog.Logger
	once            middleware.OnceStore
	stateKey        *token.Key
	stateEnc        *token.EncryptionKey
	timeout         time.Duration
	uvPreferred     bool
	allowRegression bool
	maxPasskeys     int
	prefix          string
	maxBody         int64
	recentAuth      time.Duration
}

func defaultConfig() config {
	return config{
		logger:      zerolog.Nop(),
		timeout:     DefaultTimeout,
		maxPasskeys: DefaultMaxPasskeys,
		prefix:      DefaultPathPrefix,
		maxBody:     DefaultMaxBody,
		recentAuth:  DefaultRecentAuth,
	}
}

// WithLogger sets the logger for ceremony outcomes. Default: a no-op logger; a zerolog logger
// in the request's context (hlog) is preferred when there is one. Entries carry reason codes
// ("wrong_origin", "replayed", ...), never challenges, keys, cookies or signatures.
func WithLogger(l zerolog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithOnceStore sets where single-use ceremony markers are kept: each ceremony whose response
// verified has its ID marked ("passkey:" and the token ID) until the ceremony would have expired, so the same
// cookie and response cannot be used twice. Default: the sessions' store
// ([middleware.Sessions.OnceStore], set with middleware.WithOnceStore), so that one shared
// store (the redisstore module's) serves every instance; with a store per instance, a ceremony
// finished on one instance could be replayed on another.
func WithOnceStore(s middleware.OnceStore) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("passkey: nil once store")
		}
		c.once = s
		return nil
	}
}

// WithStateKeys sets the keys that sign and encrypt ceremony cookies. Default: random keys
// made by [New], so a ceremony begun before a restart, or on another instance, fails and the
// user tries again. Several instances must share the keys (and a [WithOnceStore]). sign must
// be a signing key (HS256 is fine); enc is an AES-256 key from [token.NewEncryptionKey]. Use
// keys of their own, not the session keys.
func WithStateKeys(sign *token.Key, enc *token.EncryptionKey) Option {
	return func(c *config) error {
		if sign == nil || !sign.CanSign() || enc == nil {
			return errors.New("passkey: WithStateKeys needs a signing key and an encryption key")
		}
		c.stateKey, c.stateEnc = sign, enc
		return nil
	}
}

// WithTimeout sets how long a ceremony may take. Default and maximum [DefaultTimeout]; at
// least 30 seconds, as users need time to find their security key.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 30*time.Second || d > DefaultTimeout {
			return fmt.Errorf("passkey: timeout %v not in [30s, %v]", d, DefaultTimeout)
		}
		c.timeout = d
		return nil
	}
}

// WithUserVerificationPreferred lets a passkey be registered, and complete the second step
// after a password, without user verification (no PIN, fingerprint or face check: whoever
// holds the security key). A passkey sign-in on its own, and a re-authentication of a
// session, still require user verification: there the passkey is the only factor. Default:
// user verification is always required, so a passkey alone is two factors (something you
// have, something you are or know).
func WithUserVerificationPreferred() Option {
	return func(c *config) error {
		c.uvPreferred = true
		return nil
	}
}

// WithSignCountRegressionAllowed accepts a sign-in whose signature counter did not go up,
// reporting it as an event only. WebAuthn leaves the choice to the relying party (§6.1.1):
// a counter that goes backwards means the authenticator may have been cloned. Default: such a
// sign-in is refused (401) and reported. Synced passkeys, which always report 0, are never
// affected either way.
func WithSignCountRegressionAllowed() Option {
	return func(c *config) error {
		c.allowRegression = true
		return nil
	}
}

// WithMaxPasskeys bounds how many passkeys one user may register. Default
// [DefaultMaxPasskeys].
func WithMaxPasskeys(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 1000 {
			return fmt.Errorf("passkey: max passkeys %d not in [1, 1000]", n)
		}
		c.maxPasskeys = n
		return nil
	}
}

// WithPathPrefix sets where [Passkeys.Handler] serves. Default [DefaultPathPrefix]. It must
// start with "/" and not end with one.
func WithPathPrefix(prefix string) Option {
	return func(c *config) error {
		if !strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "{}? #") {
			return fmt.Errorf("passkey: path prefix %q must look like /passkey", prefix)
		}
		c.prefix = prefix
		return nil
	}
}

// WithMaxBody bounds request bodies. Default [DefaultMaxBody]; larger ones get 413.
func WithMaxBody(n int64) Option {
	return func(c *config) error {
		if n < 4<<10 || n > 1<<20 {
			return fmt.Errorf("passkey: max body %d not in [4 KiB, 1 MiB]", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithRecentAuth sets how recently (by the session's auth_time) the user must have signed in
// to add or remove a passkey. Default [DefaultRecentAuth]. Without this bound, whoever steals a
// session cookie could add their own passkey and keep the account for good. Older sessions get
// 401 {"error":"reauth_required"}: send the user to sign in again.
func WithRecentAuth(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Minute {
			return fmt.Errorf("passkey: recent auth %v below a minute", d)
		}
		c.recentAuth = d
		return nil
	}
}
