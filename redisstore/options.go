package redisstore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
)

// Defaults of a [Store] made by [New] without options.
const (
	// DefaultPrefix starts the name of every key the store writes. See [WithPrefix].
	DefaultPrefix = "keycard:"

	// DefaultTimeout bounds each call to Redis. See [WithTimeout].
	DefaultTimeout = 100 * time.Millisecond
)

// An Option configures a [Store] in [New]. Options are applied in order; a later option of
// the same kind replaces an earlier one. An Option that returns an error makes New fail.
type Option func(*config) error

// config is what the options set. It is copied into the Store, which never changes it.
type config struct {
	prefix         string
	timeout        time.Duration
	maxAttempts    int
	clientAttempts int
	window         time.Duration
	now            func() time.Time
	clockSet       bool                  // WithClock replaced time.Now
	limiter        redis.UniversalClient // nil: the store's client
}

func defaultConfig() config {
	return config{
		prefix:         DefaultPrefix,
		timeout:        DefaultTimeout,
		maxAttempts:    middleware.DefaultLoginAttempts,
		clientAttempts: middleware.DefaultClientAttempts,
		window:         middleware.DefaultLoginWindow,
		now:            time.Now,
	}
}

// WithPrefix sets the string that starts the name of every key the store writes; the default
// is [DefaultPrefix], "keycard:". Give each application sharing one Redis its own prefix: two
// stores with the same prefix share their revocations and login counts, which is what the
// instances of one application want and what different applications must not have. The prefix
// must not be empty.
//
// With Redis Cluster, a prefix holding a hash tag such as "{keycard}:" puts every key in one
// slot, so on one shard. That works, but is never needed: the revocation keys are each used
// alone, and a client's two limiter keys carry a hash tag of their own. A prefix whose first
// "{" is followed at once by "}" is refused: Cluster would then hash every key whole, and
// the limiter's two keys would land in different slots.
func WithPrefix(prefix string) Option {
	return func(c *config) error {
		if prefix == "" {
			return errors.New("redisstore: empty key prefix")
		}
		if i := strings.IndexByte(prefix, '{'); i >= 0 && strings.HasPrefix(prefix[i:], "{}") {
			return fmt.Errorf("redisstore: key prefix %q starts an empty Cluster hash tag \"{}\"; remove it or put a name between the braces", prefix)
		}
		c.prefix = prefix
		return nil
	}
}

// WithTimeout bounds each call the store makes to Redis, as a deadline on the context the
// caller passes in (an earlier deadline of the caller's still wins). The default is
// [DefaultTimeout], 100ms: every request checks revocation, so a slow Redis should cost a
// request little more than this before it fails with [ErrUnavailable]. timeout must be
// positive.
//
// The go-redis client retries a failed command (MaxRetries) within this bound; its own
// DialTimeout, ReadTimeout and WriteTimeout still apply, but cannot extend it.
func WithTimeout(timeout time.Duration) Option {
	return func(c *config) error {
		if timeout <= 0 {
			return fmt.Errorf("redisstore: timeout %v is not positive", timeout)
		}
		c.timeout = timeout
		return nil
	}
}

// WithLoginLimit sets the login throttle of [Store.Hit]: at most max attempts per account and
// client in each window, counted from the account's first attempt; the window also applies to
// the client budget ([WithClientLimit]). The defaults are
// [middleware.DefaultLoginAttempts] and [middleware.DefaultLoginWindow] (5 in 15 minutes).
// max must be at least 1 and window at least one millisecond, the resolution of Redis
// expiry.
func WithLoginLimit(max int, window time.Duration) Option {
	return func(c *config) error {
		if max < 1 {
			return fmt.Errorf("redisstore: login limit %d is below 1", max)
		}
		if window < time.Millisecond {
			return fmt.Errorf("redisstore: login window %v is below 1ms", window)
		}
		c.maxAttempts = max
		c.window = window
		return nil
	}
}

// WithClientLimit sets the budget of [Store.Hit] per client: at most max failed attempts per
// client across all accounts in each window of [WithLoginLimit]. The default is
// [middleware.DefaultClientAttempts], 100 in 15 minutes. It bounds what one client can make
// Redis hold, about 2×max+1 keys of under 100 bytes each, and how many accounts it can guess
// at. Raise it when many users share one address and fail often. max must be at least 1.
func WithClientLimit(max int) Option {
	return func(c *config) error {
		if max < 1 {
			return fmt.Errorf("redisstore: client limit %d is below 1", max)
		}
		c.clientAttempts = max
		return nil
	}
}

// WithLimiterClient sends the login limiter's commands ([Store.Hit], [Store.Reset]) to client,
// a Redis of their own, and keeps the client given to [New] for revocations. Default: the
// one client for both.
//
// Give the limiter a Redis of its own when revocations must never suffer from a login flood.
// Login counts grow with attempts, which anyone can make; revocations only with logouts. On a
// shared Redis with maxmemory, a flood from many clients can fill it: with noeviction, logouts
// then fail (503) while copied cookies keep working; with an evicting policy, revocations are
// dropped and logged-out tokens work again. On its own Redis, a full limiter only refuses
// logins (503, fail closed). Run that Redis with maxmemory-policy noeviction too: evicting a
// counter would give its owner a fresh allowance of guesses. It needs no persistence: a
// restart forgets counts, not logouts. The client must honour context deadlines, as New's.
func WithLimiterClient(client redis.UniversalClient) Option {
	return func(c *config) error {
		if err := checkClient(client); err != nil {
			return fmt.Errorf("redisstore: limiter client: %w", err)
		}
		c.limiter = client
		return nil
	}
}

// WithClock sets the clock the store reads when it writes and checks revocations; the default
// is [time.Now]. It is meant for tests, which can then move time past an expiry without
// sleeping. Login windows ([Store.Hit]) run on the Redis server's clock and ignore it. now must
// not be nil and must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("redisstore: nil clock")
		}
		c.now, c.clockSet = now, true
		return nil
	}
}
