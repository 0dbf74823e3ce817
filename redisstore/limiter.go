package redisstore

import (
	"context"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// hitScript counts one login attempt in two fixed windows, atomically: the client's budget
// across accounts and the client's attempts on one account.
//
//	KEYS[1]  the client's counter
//	KEYS[2]  the account's counter (same hash slot: see keys.go)
//	ARGV[1]  maximum attempts per account and window
//	ARGV[2]  maximum attempts per client and window
//	ARGV[3]  window, ms
//
// It returns 0 when the attempt may proceed, or the milliseconds left (at least 1) in the
// window that refuses it, the longer if both do. The budget is checked before anything is
// written, so a client past it creates no key; a refused attempt counts nowhere and extends
// no window. A window starts with its key's first attempt: the expiry is set when INCR
// creates the key. A counter without expiry (PTTL -1) is not ours; it gets one, so that it
// cannot block forever. A value that is not a counter makes the script fail.
const hitScript = `
local window = tonumber(ARGV[3])
local function left(key)
	local pttl = redis.call('PTTL', key)
	if pttl < 0 then
		redis.call('PEXPIRE', key, window)
		return window
	end
	if pttl < 1 then return 1 end
	return pttl
end
local function count(key)
	if redis.call('INCR', key) == 1 or redis.call('PTTL', key) < 0 then
		redis.call('PEXPIRE', key, window)
	end
end
local wait = 0
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[1]) then
	wait = left(KEYS[2])
end
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[2]) then
	wait = math.max(wait, left(KEYS[1]))
end
if wait > 0 then return wait end
count(KEYS[1])
count(KEYS[2])
return 0
`

// resetScript forgets a client's attempts on one account and gives one attempt back to the
// client's budget, after a successful login.
//
//	KEYS[1]  the client's counter
//	KEYS[2]  the account's counter
//
// A client counter brought to zero is deleted; one that is not a counter is left alone.
const resetScript = `
redis.call('DEL', KEYS[2])
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n == nil then return 0 end
if n > 1 then
	redis.call('DECR', KEYS[1])
else
	redis.call('DEL', KEYS[1])
end
return 1
`

// Hit implements [middleware.Limiter] as two fixed windows: at most the login limit of
// attempts per account and client ([WithLoginLimit]), and at most the client limit per client
// across accounts ([WithClientLimit]), each window starting at its key's first attempt. It
// returns zero when the attempt may proceed, or the time left until the refusing window ends;
// a refused attempt is not counted and extends no window. The client's budget is checked
// before the account's counter is created, so one client makes Redis hold at most about
// 2×(client limit)+1 limiter keys, whatever it sends. Counting is atomic across every Store
// sharing the Redis and prefix, so parallel attempts cannot slip past either limit. The
// counters expire from Redis when their windows end.
//
// It is safe for concurrent use. On failure (a Redis with maxmemory and noeviction that is
// full refuses the write) it returns zero and an error wrapping [ErrUnavailable]; zero then
// means "unknown", not "allowed", and the middleware answers 503.
func (s *Store) Hit(ctx context.Context, key middleware.ThrottleKey) (retryAfter time.Duration, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	client, account := s.limiterKeys(key)
	ms, err := s.hit.Run(ctx, s.limiter, []string{client, account},
		s.cfg.maxAttempts, s.cfg.clientAttempts, ttlMillis(s.cfg.window)).Int64()
	if err != nil {
		return 0, unavailable("hit", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Reset implements [middleware.Limiter]: after a successful login it forgets the attempts on
// the account and gives one attempt back to the client's budget. It is safe for concurrent
// use; on failure it returns an error wrapping [ErrUnavailable].
func (s *Store) Reset(ctx context.Context, key middleware.ThrottleKey) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	client, account := s.limiterKeys(key)
	if err := s.reset.Run(ctx, s.limiter, []string{client, account}).Err(); err != nil {
		return unavailable("reset", err)
	}
	return nil
}
