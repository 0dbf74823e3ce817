package storetest_test

import (
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
)

func TestMemoryRevocation(t *testing.T) {
	storetest.TestRevocationStore(t, func(_ *testing.T, clock *storetest.Clock) middleware.RevocationStore {
		return middleware.NewMemoryRevocation(clock.Now)
	})
}

func TestMemoryLimiter(t *testing.T) {
	storetest.TestLimiter(t, func(_ *testing.T, clock *storetest.Clock, l storetest.Limits) middleware.Limiter {
		return middleware.NewMemoryLimiter(l.Attempts, l.Window, clock.Now,
			middleware.LimitClientAttempts(l.ClientAttempts), middleware.LimitEntries(l.MaxEntries))
	})
}
