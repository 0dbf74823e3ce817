package redisstore

import (
	"context"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// onceScript records a single-use marker unless a live one is there.
//
//	KEYS[1]  marker key, holding its until in Unix µs
//	ARGV[1]  until, Unix µs
//	ARGV[2]  now, Unix µs
//	ARGV[3]  time to live, ms (positive, rounded up)
//
// It returns 1 for the first use and 0 otherwise. A marker counts until its own until on the
// caller's clock, as [middleware.MemoryOnce] does, to the microsecond (both times are
// truncated alike; µs since 1970 are exact in Lua's doubles); Redis's expiry only removes it
// after that.
// A refused use changes nothing. It is SET NX PX with the until compared in the script, so that
// the answer does not depend on the Redis server's clock (and tests can move time).
const onceScript = `
local old = tonumber(redis.call('GET', KEYS[1]))
if old ~= nil and old > tonumber(ARGV[2]) then
	return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`

// Use implements [middleware.OnceStore]: it reports whether this is the first use of key
// until the given time, atomically across every Store sharing the Redis and prefix, so that a
// one-time code or a pending login accepted by one instance is refused by all the others. The
// marker expires from Redis at until. It fails with [middleware.ErrOnceKey] for an empty or too
// long key or an until that is not after now, and with an error wrapping [ErrUnavailable] when
// Redis does not answer (first is then false: callers fail closed). Safe for concurrent use.
func (s *Store) Use(ctx context.Context, key string, until time.Time) (first bool, err error) {
	now := s.cfg.now()
	if err := middleware.CheckOnce(key, until, now); err != nil {
		return false, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.once.Run(ctx, s.client, []string{s.onceKey(key)},
		until.UnixMicro(), now.UnixMicro(), max(1, ttlMillis(until.Sub(now)))).Int64()
	if err != nil {
		return false, unavailable("use", err)
	}
	return n == 1, nil
}
