package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
	"github.com/keycard-go/keycard/redisstore"
)

// TestRegistryConformance runs the middleware's registry suite on Redis. Each subtest gets a
// prefix of its own; the one where two Sessions share the list gets two stores, each with a
// client of its own, on one prefix, as two instances of an application would.
func TestRegistryConformance(t *testing.T) {
	opt := redisOptions(t)
	prefixes := map[*testing.T]string{}
	storetest.TestSessionRegistry(t, func(t *testing.T, clock *storetest.Clock) middleware.SessionRegistry {
		client := newClient(t, opt)
		prefix, ok := prefixes[t]
		if !ok {
			prefix = testPrefix(t, client)
			prefixes[t] = prefix
		}
		return newRegistry(t, client, prefix, clock)
	})
}

func newRegistry(t *testing.T, client *redis.Client, prefix string, clock *storetest.Clock) *redisstore.Registry {
	t.Helper()
	s, err := redisstore.New(client, redisstore.WithPrefix(prefix), redisstore.WithClock(clock.Now), redisstore.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return s.Registry()
}
