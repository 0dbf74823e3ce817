package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
	"github.com/keycard-go/keycard/redisstore"
)

// The store runs the middleware's conformance suites, the ones the memory stores run: the two
// cannot drift apart.

func TestRevocationConformance(t *testing.T) {
	client := newClient(t, redisOptions(t))
	storetest.TestRevocationStore(t, func(t *testing.T, clock *storetest.Clock) middleware.RevocationStore {
		s, prefix := newStore(t, client, redisstore.WithClock(clock.Now), redisstore.WithTimeout(5*time.Second))
		clock.OnAdvance(passTime(t, client, prefix))
		return s
	})
}

func TestLimiterConformance(t *testing.T) {
	client := newClient(t, redisOptions(t))
	storetest.TestLimiter(t, func(t *testing.T, clock *storetest.Clock, l storetest.Limits) middleware.Limiter {
		s, prefix := newStore(t, client, redisstore.WithTimeout(5*time.Second),
			redisstore.WithLoginLimit(l.Attempts, l.Window), redisstore.WithClientLimit(l.ClientAttempts))
		clock.OnAdvance(passTime(t, client, prefix))
		return s
	})
}

// passTime returns a storetest.Clock hook that lets time pass for the keys under prefix as it
// passes on the suite's clock: each key's time to live is shortened by the step, and a key
// whose time is up is deleted, as Redis would have expired it. Redis's own clock keeps running
// meanwhile; what it took off since the last step is given back, so that no key expires before
// the suite's clock says it must (it may live a few milliseconds longer, well within
// storetest.Tolerance).
func passTime(t *testing.T, client redis.UniversalClient, prefix string) func(time.Duration) {
	last := time.Now()
	return func(d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		step := d - time.Since(last)
		last = time.Now()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			key := iter.Val()
			ttl, err := client.PTTL(ctx, key).Result()
			if err != nil {
				t.Fatalf("PTTL %s: %v", key, err)
			}
			if ttl < 0 { // no expiry, or gone already
				continue
			}
			if left := ttl - step; left < time.Millisecond {
				err = client.Del(ctx, key).Err()
			} else {
				err = client.PExpire(ctx, key, left).Err()
			}
			if err != nil {
				t.Fatalf("passing time for %s: %v", key, err)
			}
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("SCAN: %v", err)
		}
	}
}
