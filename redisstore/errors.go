package redisstore

import (
	"errors"
	"fmt"
)

// ErrUnavailable is returned, wrapped, by every [Store] method that could not get an answer
// from Redis: the server is down or unreachable, the call ran past the store's timeout or the
// caller's context, or Redis answered with an error or with a record this package did not
// write. The wrapped cause stays available to [errors.Is] and [errors.As] (for instance
// [context.DeadlineExceeded]) and shows in the message, for operators.
//
// The store never guesses an answer on failure; the caller decides. The keycard middleware
// fails closed by default: a request whose revocation check fails is refused, and a login
// whose throttle check fails is not attempted.
var ErrUnavailable = errors.New("redisstore: redis unavailable")

// unavailable wraps err, the failure of operation op, in [ErrUnavailable].
func unavailable(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}
