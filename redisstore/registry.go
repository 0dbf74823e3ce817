package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Registry is the store's [middleware.SessionRegistry]: each subject's list of sessions and
// known devices, shared by every instance. Get it from [Store.Registry]. It is safe for
// concurrent use, bounded per subject, and every record expires with the sessions it lists.
type Registry struct {
	s *Store

	save *redis.Script
	seen *redis.Script
}

var _ middleware.SessionRegistry = (*Registry)(nil)

// Registry returns the store's session registry, for [middleware.WithRegistry]. It shares the
// store's client, prefix, timeout and clock.
func (s *Store) Registry() *Registry {
	return &Registry{s: s, save: redis.NewScript(saveScript), seen: redis.NewScript(seenScript)}
}

// pruneLua defines prune(now, max, read), the bound both scripts enforce on the hash
// KEYS[1]. read(value) returns an entry's order and until (Unix µs), or nil for a value it
// cannot read. prune drops unreadable entries and those whose until has passed, then, past max,
// the entries lowest in order (ties by field); it lets the key expire with its last entry and
// returns the fields it dropped for the bound.
const pruneLua = `
local function prune(now, max, read)
	local all = redis.call('HGETALL', KEYS[1])
	local live = {}
	for i = 1, #all, 2 do
		local order, untilus = read(all[i+1])
		if order == nil or untilus <= now then
			redis.call('HDEL', KEYS[1], all[i])
		else
			table.insert(live, {all[i], order, untilus})
		end
	end
	table.sort(live, function(a, b)
		if a[2] ~= b[2] then return a[2] < b[2] end
		return a[1] < b[1]
	end)
	local dropped = {}
	for i = 1, #live - max do
		redis.call('HDEL', KEYS[1], live[i][1])
		table.insert(dropped, live[i][1])
	end
	local latest = now
	for i = math.max(1, #live - max + 1), #live do
		if live[i][3] > latest then latest = live[i][3] end
	end
	if latest > now then redis.call('PEXPIRE', KEYS[1], math.ceil((latest - now) / 1000)) end
	return dropped
end
`

// saveScript records one session of a subject and enforces the bound.
//
//	KEYS[1]  registry key: a hash, session ID -> "<expires µs> <renewed µs> <JSON entry>"
//	ARGV[1]  session ID
//	ARGV[2]  the entry
//	ARGV[3]  its expiry, Unix µs
//	ARGV[4]  now, Unix µs
//	ARGV[5]  the most entries the subject may keep
//
// It drops expired entries, then, past the bound, the ones renewed longest ago (ties by ID),
// returns the IDs it dropped for the bound, and lets the key expire with its last entry.
const saveScript = pruneLua + `
local now, max = tonumber(ARGV[4]), tonumber(ARGV[5])
if tonumber(ARGV[3]) <= now then return {} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return prune(now, max, function(v)
	local e, r = string.match(v, '^(%d+) (%d+) ')
	if e == nil then return nil end
	return tonumber(r), tonumber(e)
end)
`

// seenScript records one device of a subject and reports whether it was known.
//
//	KEYS[1]  devices key: a hash, SHA-256 of the device -> "<first seen µs> <until µs>"
//	ARGV[1]  the device's field
//	ARGV[2]  until, Unix µs
//	ARGV[3]  now, Unix µs
//	ARGV[4]  the most devices the subject may keep
//
// A known device keeps its first-seen time and the later until; past the bound, the devices
// first seen longest ago (ties by field) are forgotten.
const seenScript = pruneLua + `
local untilus, now, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local seen, first = 0, now
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
	local f, u = string.match(old, '^(%d+) (%d+)$')
	if u ~= nil and tonumber(u) > now then
		seen, first = 1, tonumber(f)
		if tonumber(u) > untilus then untilus = tonumber(u) end
	end
end
if untilus <= now then
	redis.call('HDEL', KEYS[1], ARGV[1])
	return seen
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d %d', first, untilus))
prune(now, max, function(v)
	local f, u = string.match(v, '^(%d+) (%d+)$')
	if u == nil then return nil end
	return tonumber(f), tonumber(u)
end)
return seen
`

// Save implements [middleware.SessionRegistry]. The entry is stored as JSON; its times keep
// their full precision, while expiry and the bound compare microseconds. On failure it returns
// an error wrapping [ErrUnavailable].
func (g *Registry) Save(ctx context.Context, sub token.Subject, e middleware.SessionInfo, limit int) ([]token.SessionID, error) {
	e.Current = false
	entry, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("redisstore: registry entry: %w", err)
	}
	value := strconv.FormatInt(e.Expires.UnixMicro(), 10) + " " + strconv.FormatInt(e.Renewed.UnixMicro(), 10) + " " + string(entry)
	ctx, cancel := g.s.bound(ctx)
	defer cancel()
	ids, err := g.save.Run(ctx, g.s.client, []string{g.s.registryKey(sub)},
		string(e.ID), value, e.Expires.UnixMicro(), g.s.cfg.now().UnixMicro(), max(1, limit)).StringSlice()
	if err != nil {
		return nil, unavailable("registry save", err)
	}
	dropped := make([]token.SessionID, len(ids))
	for i, id := range ids {
		dropped[i] = token.SessionID(id)
	}
	return dropped, nil
}

// List implements [middleware.SessionRegistry], in one round trip. On failure it returns an
// error wrapping [ErrUnavailable].
func (g *Registry) List(ctx context.Context, sub token.Subject) ([]middleware.SessionInfo, error) {
	ctx, cancel := g.s.bound(ctx)
	defer cancel()
	all, err := g.s.client.HGetAll(ctx, g.s.registryKey(sub)).Result()
	if err != nil {
		return nil, unavailable("registry list", err)
	}
	now := g.s.cfg.now()
	out := make([]middleware.SessionInfo, 0, len(all))
	for _, v := range all {
		_, _, rest, ok := cutEntry(v)
		var e middleware.SessionInfo
		if !ok || json.Unmarshal([]byte(rest), &e) != nil {
			return nil, unavailable("registry list", fmt.Errorf("malformed entry"))
		}
		if now.Before(e.Expires) {
			out = append(out, e)
		}
	}
	sortSessions(out)
	return out, nil
}

// Delete implements [middleware.SessionRegistry]. On failure it returns an error wrapping
// [ErrUnavailable].
func (g *Registry) Delete(ctx context.Context, sub token.Subject, ids ...token.SessionID) error {
	if len(ids) == 0 {
		return nil
	}
	fields := make([]string, len(ids))
	for i, id := range ids {
		fields[i] = string(id)
	}
	ctx, cancel := g.s.bound(ctx)
	defer cancel()
	if err := g.s.client.HDel(ctx, g.s.registryKey(sub), fields...).Err(); err != nil {
		return unavailable("registry delete", err)
	}
	return nil
}

// SeenDevice implements [middleware.SessionRegistry]. Devices are stored as SHA-256 digests,
// since the middleware's device strings hold client addresses. On failure it returns an error
// wrapping [ErrUnavailable].
func (g *Registry) SeenDevice(ctx context.Context, sub token.Subject, device string, until time.Time, limit int) (bool, error) {
	sum := sha256.Sum256([]byte(device))
	ctx, cancel := g.s.bound(ctx)
	defer cancel()
	seen, err := g.seen.Run(ctx, g.s.client, []string{g.s.devicesKey(sub)},
		hex.EncodeToString(sum[:]), until.UnixMicro(), g.s.cfg.now().UnixMicro(), max(1, limit)).Int()
	if err != nil {
		return false, unavailable("registry seen device", err)
	}
	return seen == 1, nil
}

// cutEntry splits a registry value into its expiry, renewal time and JSON entry.
func cutEntry(v string) (expires, renewed int64, entry string, ok bool) {
	e, rest, ok1 := strings.Cut(v, " ")
	r, entry, ok2 := strings.Cut(rest, " ")
	var err1, err2 error
	expires, err1 = strconv.ParseInt(e, 10, 64)
	renewed, err2 = strconv.ParseInt(r, 10, 64)
	return expires, renewed, entry, ok1 && ok2 && err1 == nil && err2 == nil
}

// sortSessions orders a list as [middleware.SessionRegistry.List] returns it: the most recently
// renewed first, then by ID.
func sortSessions(l []middleware.SessionInfo) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && sessionBefore(l[j], l[j-1]); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func sessionBefore(a, b middleware.SessionInfo) bool {
	if !a.Renewed.Equal(b.Renewed) {
		return a.Renewed.After(b.Renewed)
	}
	return a.ID < b.ID
}
