package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Limiter throttles login attempts at two levels. Each client has a budget of attempts across
// every account it names ([DefaultClientAttempts]), and each account and client pair a smaller
// allowance ([DefaultLoginAttempts]). The login handler calls Hit before it checks a password
// and Reset after a successful login. Keys are hashed by the middleware: a Limiter never sees
// an e-mail address or an IP in the clear.
//
// The client budget is what bounds the state one client can make a Limiter hold: without it,
// a client naming a fresh account on every attempt would leave a window behind on each.
// Implementations must check it before they create any state for the account.
//
// Implementations must be safe for concurrent use, must count atomically (parallel attempts
// must not all slip through one check), must forget keys once their window has passed, and
// must never forget a live window to make room for another: that would hand the owner of the
// forgotten window a fresh allowance of guesses. A store that is full refuses the attempt with
// an error instead; the login handler then fails closed (503). [MemoryLimiter] serves one
// process; the redisstore module shares counts between processes. The storetest package checks
// an implementation against this contract.
type Limiter interface {
	// Hit records one attempt under key. It returns zero when the attempt may proceed, or how
	// long the caller must wait before the next attempt may: when the account's allowance or
	// the client's budget is used up. A refused attempt is not counted, at either level.
	Hit(ctx context.Context, key ThrottleKey) (retryAfter time.Duration, err error)

	// Reset is called after the attempt just recorded under key succeeded. It forgets the
	// attempts on the account, and gives one attempt back to the client's budget, so that
	// successful logins never use it up (many users may share one address); failed attempts
	// stay counted.
	Reset(ctx context.Context, key ThrottleKey) error
}

// A ThrottleKey names what one login attempt is counted under. The login handler derives both
// parts from the request: hashed, fixed-length hex strings.
type ThrottleKey struct {
	// Client identifies the client, as [WithClientIP] names it: an IPv4 address or an IPv6
	// /64 network by default.
	Client string
	// Account identifies the account named in the attempt together with the client: the
	// middleware derives it from both, so a Limiter may count accounts under Account alone.
	Account string
}

// Default login throttling: 5 attempts per account and client, and 100 failed attempts per
// client across all accounts, in 15 minutes. With bcrypt in the way this keeps an online
// guessing attack at 480 guesses per day per account and address, and password spraying from
// one address at 9,600 guesses a day in all.
const (
	DefaultLoginAttempts  = 5
	DefaultClientAttempts = 100
	DefaultLoginWindow    = 15 * time.Minute
)

// ErrLimiterFull is returned by [MemoryLimiter.Hit] when an attempt would need a new entry and
// the limiter holds as many as it may ([LimitEntries]). The login handler answers 503.
var ErrLimiterFull = errors.New("middleware: login limiter full")

// newThrottleKey derives the key of one attempt from the identifier typed and the client.
func newThrottleKey(identifier, client string) ThrottleKey {
	sum := sha256.Sum256([]byte("keycard client\x00" + client))
	return ThrottleKey{Client: hex.EncodeToString(sum[:16]), Account: throttleKey(identifier, client)}
}
