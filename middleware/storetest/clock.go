// Package storetest checks implementations of the middleware's store interfaces against the
// contract the middleware relies on: each Test function takes a constructor and runs every rule
// as a subtest, on a fresh store each. [TestSessionRegistry] checks a
// [middleware.SessionRegistry]. The keycard middleware runs the suites on its memory stores and
// the redisstore module on Redis, so that two implementations cannot drift apart; a store of
// your own should run them too.
package storetest

import (
	"sync"
	"time"
)

// start is the time every clock of the suite starts at. It has a fraction of a second, down
// to the nanosecond, so that stores which round to milliseconds or seconds show it.
func start() time.Time { return time.Date(2030, time.March, 4, 5, 6, 7, 300_456_789, time.UTC) }

// Clock is the suite's settable clock. It stands still unless the suite advances it. It is
// safe for concurrent use; its zero value is not usable, see [NewClock].
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	hooks []func(time.Duration)
}

// NewClock returns a clock that reads t until it is advanced.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time. Pass it to the store under test (Clock.Now is a
// func() time.Time).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d, then calls every function registered with
// [Clock.OnAdvance] with d, in order.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	hooks := c.hooks
	c.mu.Unlock()
	for _, f := range hooks {
		f(d)
	}
}

// OnAdvance registers f to run each time the clock is advanced, with the step: a store whose
// records also expire on a clock that cannot be injected (Redis key expiry) lets the same time
// pass there.
func (c *Clock) OnAdvance(f func(d time.Duration)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, f)
}
