package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/token"
)

// revokeScript stores a session revocation unless one with a later until is there already.
//
//	KEYS[1]  session key, holding until in Unix ms
//	ARGV[1]  until, Unix ms
//	ARGV[2]  time to live, ms (positive)
//
// Records are compared by their untils, as IsRevoked reads them; the expiry already set is
// never shortened.
const revokeScript = `
local old = tonumber(redis.call('GET', KEYS[1]))
if old ~= nil and old >= tonumber(ARGV[1]) then
	return 0
end
local ttl = tonumber(ARGV[2])
local pttl = redis.call('PTTL', KEYS[1])
if pttl > ttl then ttl = pttl end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`

// revokeSubjectScript records a subject-wide cut-off, keeping the later cut-off and the later
// until of the old and new records, and never shortening the expiry already set. It records a
// session's version cut-off the same way, the version in place of the time.
//
//	KEYS[1]  subject key, a hash {c: cut-off in Unix µs, u: until in Unix ms},
//	         or version key, a hash {c: oldest valid version, u: until in Unix ms}
//	ARGV[1]  cut-off, Unix µs, or version
//	ARGV[2]  until, Unix ms
//	ARGV[3]  now, Unix ms
//
// A record whose until has passed counts as absent, as in IsRevoked, even while Redis still
// holds it. A new record whose until has passed is not written; an existing one is still
// updated, as MemoryRevocation does: a later cut-off counts until the record's own until.
// PTTL is -2 for a missing key and -1 for a key without expiry, which then gets one.
const revokeSubjectScript = `
local cutoff, untilms, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local pttl = redis.call('PTTL', KEYS[1])
local c, u
if pttl ~= -2 then
	local old = redis.call('HMGET', KEYS[1], 'c', 'u')
	c, u = tonumber(old[1]), tonumber(old[2])
	if u ~= nil and u <= now then
		c, u = nil, nil
	end
end
if u == nil and untilms <= now then
	return 0
end
if c == nil or cutoff > c then
	redis.call('HSET', KEYS[1], 'c', ARGV[1])
end
if u == nil or untilms > u then
	redis.call('HSET', KEYS[1], 'u', ARGV[2])
	u = untilms
end
if pttl < u - now then
	redis.call('PEXPIRE', KEYS[1], u - now)
end
return 1
`

// Revoke implements [middleware.RevocationStore]: the session sid counts as revoked until the
// given time, and its record expires from Redis then. A later until extends an existing
// revocation; an earlier one leaves it as it is. An until that has already passed writes
// nothing and returns nil. The revocation goes to the journal that [Mirror]s read, then to the
// session's own key, which IsRevoked reads. It is safe for concurrent use; on failure it
// returns an error wrapping [ErrUnavailable].
func (s *Store) Revoke(ctx context.Context, sid token.SessionID, until time.Time) error {
	if !until.After(s.cfg.now()) {
		return nil
	}
	if err := s.write(ctx, sessionRecord(string(sid), unixMillisCeil(until))); err != nil {
		return unavailable("revoke", err)
	}
	return nil
}

// RevokeBefore implements [middleware.RevocationStore]: the tokens of session sid whose version
// is below version count as revoked until the given time, and the record expires from Redis
// then (its expiry is the later of the old and new untils; the version the higher of the two).
// An until that has already passed writes nothing and returns nil. It is safe for concurrent
// use; on failure it returns an error wrapping [ErrUnavailable].
//
// Versions are compared as Lua numbers (doubles), exactly up to 2^53: a session updated every
// millisecond would take 285,000 years to get there.
func (s *Store) RevokeBefore(ctx context.Context, sid token.SessionID, version uint64, until time.Time) error {
	if err := s.write(ctx, versionRecord(string(sid), version, unixMillisCeil(until))); err != nil {
		return unavailable("revoke before", err)
	}
	return nil
}

// RevokeSubject implements [middleware.RevocationStore]: "log out everywhere". Every session of
// sub that began before cutoff (compared in whole microseconds, see [Store.IsRevoked]) counts
// as revoked until the given time, and the record expires from Redis then. Of two cut-offs the
// later wins, and of two untils the later one, whatever the order of the calls; one update is
// atomic. Nothing is written for a subject without a record if until has already passed. It is
// safe for concurrent use; on failure it returns an error wrapping [ErrUnavailable].
//
// Pass as until the time by which every token issued up to cutoff has expired: later tokens
// of those sessions cannot be issued, since renewal needs a session that is not revoked.
// [middleware.Sessions.EndAll] passes cutoff plus the token lifetime and a margin for clock
// leeway.
func (s *Store) RevokeSubject(ctx context.Context, sub token.Subject, cutoff, until time.Time) error {
	if err := s.write(ctx, subjectRecord(subjectDigest(sub), cutoff.UnixMicro(), unixMillisCeil(until))); err != nil {
		return unavailable("revoke subject", err)
	}
	return nil
}

// write records rec in the journal, then under its own key, within one timeout. The journal
// comes first, so that a failure between the two leaves the mirrors, which answer most
// requests, with the record.
func (s *Store) write(ctx context.Context, rec record) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.journal(ctx, rec); err != nil {
		return err
	}
	now := s.cfg.now().UnixMilli()
	switch rec.kind {
	case kindSession:
		if rec.until() <= now {
			return nil
		}
		return s.revoke.Run(ctx, s.client, []string{s.cfg.prefix + sessionPart + rec.id}, rec.until(), rec.until()-now).Err()
	case kindVersion:
		return s.revokeSubject.Run(ctx, s.client, []string{s.cfg.prefix + versionPart + rec.id}, rec.vals[0], rec.vals[1], now).Err()
	case kindSubject:
		return s.revokeSubject.Run(ctx, s.client, []string{s.cfg.prefix + subjectPart + rec.id}, rec.vals[0], rec.vals[1], now).Err()
	}
	return fmt.Errorf("record kind %q", rec.kind)
}

// IsRevoked implements [middleware.RevocationStore]: it reports whether the session sid was
// revoked, its version is below the session's cut-off, or its subject sub was revoked after
// started, the moment the session began. The three records are read in one round trip. The
// subject comparison is made in whole Unix microseconds, as tokens carry the session start: a
// session that began in the same microsecond as the cut-off (a login right after "log out
// everywhere") is kept. Records whose until has passed on the store's clock count as absent,
// even before Redis drops them.
//
// It is safe for concurrent use. On failure it returns false and an error wrapping
// [ErrUnavailable]; false then means "unknown", not "allowed".
func (s *Store) IsRevoked(ctx context.Context, sid token.SessionID, sub token.Subject, started time.Time, version uint64) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	pipe := s.client.Pipeline()
	sessionCmd := pipe.Get(ctx, s.sessionKey(sid))
	versionCmd := pipe.HMGet(ctx, s.versionKey(sid), "c", "u")
	subjectCmd := pipe.HMGet(ctx, s.subjectKey(sub), "c", "u")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return false, unavailable("is revoked", err)
	}
	now := s.cfg.now().UnixMilli()

	switch until, err := sessionCmd.Int64(); {
	case errors.Is(err, redis.Nil):
	case err != nil:
		return false, unavailable("is revoked", fmt.Errorf("session record: %w", err))
	case now < until:
		return true, nil
	}

	if c, live, err := liveCutoff(versionCmd, now); err != nil {
		return false, unavailable("is revoked", fmt.Errorf("version record: %w", err))
	} else if live {
		minVersion, err := strconv.ParseUint(c, 10, 64)
		if err != nil {
			return false, unavailable("is revoked", fmt.Errorf("version record: %w", err))
		}
		if version < minVersion {
			return true, nil
		}
	}

	c, live, err := liveCutoff(subjectCmd, now)
	switch {
	case err != nil:
		return false, unavailable("is revoked", fmt.Errorf("subject record: %w", err))
	case !live:
		return false, nil
	}
	cutoff, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return false, unavailable("is revoked", fmt.Errorf("subject record: %w", err))
	}
	return started.UnixMicro() < cutoff, nil
}

// liveCutoff reads a {c, u} hash (a subject's or a version cut-off) at now, in Unix ms: its
// cut-off, exactly as the script stored it from its argument, and whether the record exists and
// its until has not passed.
func liveCutoff(cmd *redis.SliceCmd, now int64) (cutoff string, live bool, err error) {
	fields, err := cmd.Result()
	if err != nil {
		return "", false, err
	}
	if fields[0] == nil && fields[1] == nil {
		return "", false, nil
	}
	c, ok := fields[0].(string)
	until, err := parseField(fields[1])
	if !ok || err != nil {
		return "", false, errors.Join(errors.New("malformed record"), err)
	}
	return c, now < until, nil
}

// parseField reads an integer field of an HMGET reply.
func parseField(v any) (int64, error) {
	str, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("field is %T, not an integer", v)
	}
	return strconv.ParseInt(str, 10, 64)
}
