package storetest_test

import (
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
)

// A store's own tests run the suites with a constructor of fresh stores on the suite's clock.
// This one checks the middleware's memory stores, as memory_test.go does; a store whose
// records expire on a clock of its own also registers clock.OnAdvance (see redisstore's
// conformance_test.go).
func Example() {
	_ = func(t *testing.T) {
		storetest.TestRevocationStore(t, func(t *testing.T, clock *storetest.Clock) middleware.RevocationStore {
			return middleware.NewMemoryRevocation(clock.Now)
		})
		storetest.TestLimiter(t, func(t *testing.T, clock *storetest.Clock, l storetest.Limits) middleware.Limiter {
			return middleware.NewMemoryLimiter(l.Attempts, l.Window, clock.Now,
				middleware.LimitClientAttempts(l.ClientAttempts), middleware.LimitEntries(l.MaxEntries))
		})
	}
}
