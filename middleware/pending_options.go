package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Defaults of the pending second-step state.
const (
	// DefaultPendingLifetime is how long a login may wait for its second step.
	DefaultPendingLifetime = 5 * time.Minute

	// DefaultPendingTries is how many second-step tries one pending login allows.
	DefaultPendingTries = 5
)

// Bounds of the pending options.
const (
	minPendingLifetime = 30 * time.Second
	maxPendingLifetime = 15 * time.Minute
	maxPendingTries    = 10
)

// pendingConfig is the pending state's part of the configuration.
type pendingConfig struct {
	path     string
	required func(context.Context, token.Subject) (bool, error)
	lifetime time.Duration
	tries    int
	once     OnceStore
}

// WithSecondFactor makes [Sessions.LoginHandler] ask required, after a correct password, whether
// the account has a second factor. When it does, the handler starts no session: it sets a
// pending credential ([Sessions.StartPending]) and answers 303 to path (with next= when the
// login had one) for forms, or 200 with {"second_factor_required": true, "second_factor_path",
// "expires_at", "tries_left"} for JSON. path must be a local path without a query or fragment:
// the second-step page. A required that fails makes the login fail with 500 (fail closed).
// Default: no second factor, a correct password starts the session.
func WithSecondFactor(path string, required func(ctx context.Context, sub token.Subject) (bool, error)) Option {
	return func(c *config) error {
		if required == nil {
			return errors.New("middleware: nil second factor check")
		}
		if !isSafeNext(path) || strings.ContainsAny(path, "?#\"") {
			return fmt.Errorf("middleware: second factor path %q is not a local path", path)
		}
		c.pending.path, c.pending.required = path, required
		return nil
	}
}

// WithPendingLifetime sets how long a pending login waits for its second step. Default
// [DefaultPendingLifetime]; it must be between 30 seconds and 15 minutes.
func WithPendingLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d < minPendingLifetime || d > maxPendingLifetime {
			return fmt.Errorf("middleware: pending lifetime %v not in [%v, %v]", d, minPendingLifetime, maxPendingLifetime)
		}
		c.pending.lifetime = d
		return nil
	}
}

// WithPendingTries sets how many second-step tries one pending login allows. Default
// [DefaultPendingTries]; it must be between 1 and 10. The second factor's own throttle (per
// account, see the totp package) bounds guesses across pending logins.
func WithPendingTries(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxPendingTries {
			return fmt.Errorf("middleware: pending tries %d not in [1, %d]", n, maxPendingTries)
		}
		c.pending.tries = n
		return nil
	}
}

// WithOnceStore sets the single-use store of pending credentials, which the second-factor,
// passkey and OpenID packages use too through [Sessions.OnceStore]. Default: a [MemoryOnce] of
// this process. Behind a load balancer, give every instance one shared store (the redisstore
// module's): with a store per instance, a pending credential can be tried once on each
// instance, and a one-time code used once on each.
func WithOnceStore(store OnceStore) Option {
	return func(c *config) error {
		if store == nil {
			return errors.New("middleware: nil single-use store")
		}
		c.pending.once = store
		return nil
	}
}

// OnceStore returns the single-use store the sessions use ([WithOnceStore]), for packages that
// need single use (one-time codes, ceremonies) to share one configuration.
func (s *Sessions[T]) OnceStore() OnceStore { return s.cfg.pending.once }

// SecondFactorPath returns the second-step page given to [WithSecondFactor], or "".
func (s *Sessions[T]) SecondFactorPath() string { return s.cfg.pending.path }

// PendingFailure returns the answer to give a request whose pending login could not be used,
// for an error of [Sessions.Pending], [Sessions.TryPending] or [Sessions.CompletePending]:
//
//	ErrNoPending           401 "no_pending_login"
//	ErrPendingExpired      401 "pending_login_expired"
//	ErrPendingInvalid      401 "pending_login_invalid"
//	ErrPendingReplayed     409 "pending_login_used"
//	ErrPendingUnavailable  503 "unavailable"
//	anything else          500 "internal"
//
// In every case but 503 the user must sign in again.
func PendingFailure(err error) (status int, code string) {
	switch {
	case errors.Is(err, ErrNoPending):
		return http.StatusUnauthorized, "no_pending_login"
	case errors.Is(err, ErrPendingExpired):
		return http.StatusUnauthorized, "pending_login_expired"
	case errors.Is(err, ErrPendingInvalid):
		return http.StatusUnauthorized, "pending_login_invalid"
	case errors.Is(err, ErrPendingReplayed):
		return http.StatusConflict, "pending_login_used"
	case errors.Is(err, ErrPendingUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}
