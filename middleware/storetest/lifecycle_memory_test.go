package storetest_test

import (
	"testing"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
)

func TestMemoryRegistry(t *testing.T) {
	// One registry per subtest: the subtest that asks twice (two Sessions sharing the list)
	// gets the same one, as two processes would share a Redis.
	regs := map[*testing.T]*middleware.MemoryRegistry{}
	storetest.TestSessionRegistry(t, func(t *testing.T, clock *storetest.Clock) middleware.SessionRegistry {
		if regs[t] == nil {
			regs[t] = middleware.NewMemoryRegistry(clock.Now)
		}
		return regs[t]
	})
}
