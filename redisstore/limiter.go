package redisstore

import (
	"context"
	"time"
)

// hitScript counts one attempt in a fixed window, atomically.
//
//	KEYS[1]  counter key
//	ARGV[1]  maximum attempts per window
//	ARGV[2]  window, ms
//
// It returns 0 when the attempt may proceed, or the milliseconds left in the window (at least
// 1) when the limit is reached. A blocked attempt neither counts nor extends the window. The
// window starts with the first attempt: the counter's expiry is set when INCR creates it. A
// counter without expiry (PTTL -1) is not ours; it gets one, so that it cannot block forever.
const hitScript = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n ~= nil and n >= tonumber(ARGV[1]) then
	local pttl = redis.call('PTTL', KEYS[1])
	if pttl < 0 then
		redis.call('PEXPIRE', KEYS[1], ARGV[2])
		return tonumber(ARGV[2])
	end
	if pttl < 1 then return 1 end
	return pttl
end
if redis.call('INCR', KEYS[1]) == 1 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// Hit implements [middleware.Limiter] as a fixed window: at most max attempts per key in each
// window (see [WithLoginLimit]), the window starting at the key's first attempt. It returns
// zero when the attempt may proceed, or the time left until the window ends when it may not;
// a refused attempt is not counted and does not extend the window. Counting is atomic across
// every Store sharing the Redis and prefix, so parallel attempts cannot slip past the limit.
// The counter expires from Redis when its window ends.
//
// It is safe for concurrent use. On failure it returns zero and an error wrapping
// [ErrUnavailable]; zero then means "unknown", not "allowed".
func (s *Store) Hit(ctx context.Context, key string) (retryAfter time.Duration, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	ms, err := s.hit.Run(ctx, s.client, []string{s.hitKey(key)}, s.cfg.maxAttempts, ttlMillis(s.cfg.window)).Int64()
	if err != nil {
		return 0, unavailable("hit", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Reset implements [middleware.Limiter]: it forgets the attempts under key, after a successful
// login. It is safe for concurrent use; on failure it returns an error wrapping
// [ErrUnavailable].
func (s *Store) Reset(ctx context.Context, key string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.Del(ctx, s.hitKey(key)).Err(); err != nil {
		return unavailable("reset", err)
	}
	return nil
}
