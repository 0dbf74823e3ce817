package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
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

// TestMirrorConformance runs the suite on a mirror, in two ways: the mirror answering for its
// own writes, and a mirror answering for the writes of another instance's store, once it has
// applied their notices.
func TestMirrorConformance(t *testing.T) {
	opt := redisOptions(t)
	client := newClient(t, opt)
	t.Run("own writes", func(t *testing.T) {
		storetest.TestRevocationStore(t, func(t *testing.T, clock *storetest.Clock) middleware.RevocationStore {
			s, prefix := newStore(t, client, redisstore.WithClock(clock.Now), redisstore.WithTimeout(5*time.Second))
			clock.OnAdvance(passTime(t, client, prefix))
			return newMirror(t, s)
		})
	})
	t.Run("another instance's writes", func(t *testing.T) {
		other := newClient(t, opt)
		storetest.TestRevocationStore(t, func(t *testing.T, clock *storetest.Clock) middleware.RevocationStore {
			writer, prefix := newStore(t, client, redisstore.WithClock(clock.Now), redisstore.WithTimeout(5*time.Second))
			reader, err := redisstore.New(other, redisstore.WithPrefix(prefix), redisstore.WithClock(clock.Now), redisstore.WithTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			clock.OnAdvance(passTime(t, client, prefix))
			return &remoteWrites{t: t, writer: writer, reader: newMirror(t, reader), client: client, prefix: prefix}
		})
	})
}

// remoteWrites writes through one instance's store and reads through another's mirror, which
// it lets catch up with the journal before answering.
type remoteWrites struct {
	t      *testing.T
	writer *redisstore.Store
	reader *redisstore.Mirror
	client *redis.Client
	prefix string
}

func (r *remoteWrites) Revoke(ctx context.Context, sid token.SessionID, until time.Time) error {
	return r.writer.Revoke(ctx, sid, until)
}

func (r *remoteWrites) RevokeBefore(ctx context.Context, sid token.SessionID, version uint64, until time.Time) error {
	return r.writer.RevokeBefore(ctx, sid, version, until)
}

func (r *remoteWrites) RevokeSubject(ctx context.Context, sub token.Subject, cutoff, until time.Time) error {
	return r.writer.RevokeSubject(ctx, sub, cutoff, until)
}

func (r *remoteWrites) IsRevoked(ctx context.Context, sid token.SessionID, sub token.Subject, started time.Time, version uint64) (bool, error) {
	waitSeq(r.t, r.reader, journalSeq(r.t, r.client, r.prefix))
	return r.reader.IsRevoked(ctx, sid, sub, started, version)
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
