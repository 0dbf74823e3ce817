package storetest

import (
	"sync"
	"time"
)

// Tolerance is how far from the moment a window ends or a record expires the suite checks
// it: a store whose records expire on its own running clock (Redis) may be that far off.
const Tolerance = time.Second

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

// OnAdvance registers f to run each time the clock is advanced, with the step. A store whose
// records expire on a clock that cannot be injected uses it to let the same time pass there:
// the redisstore tests shorten every key's time to live by d. f runs on the goroutine that
// advances the clock, while no call to the store is in flight.
func (c *Clock) OnAdvance(f func(d time.Duration)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, f)
}
