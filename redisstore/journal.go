package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
)

// The journal is what a [Mirror] copies: every live revocation of the prefix, in one Redis hash
// under one key, with a sequence number that every change increments and a notice published
// for each change. Every write of the [Store] goes to the journal first and to its own record
// key second, so a Mirror never holds less than the keys that [Store.IsRevoked] reads.
//
//	prefix + "journal"   hash: epoch, seq, cur and one field per record
//
// A record's field is its kind, a colon and its ID; its value is the record's integers joined by
// colons, the last of them its until in Unix ms. A new kind needs a constant below, a
// constructor, a case in Store.write and in Mirror.apply and Mirror.records, and its check in
// Mirror.IsRevoked; the script merges any kind the same way: component by component the larger
// value wins, and a record whose until has passed counts as absent.
//
//	"s:" + session ID            until                          (Revoke)
//	"v:" + session ID            oldest valid version ":" until (RevokeBefore)
//	"u:" + hex(SHA-256(subject)) cut-off (Unix µs) ":" until    (RevokeSubject)
//
// The reserved fields have no colon: "epoch" is a random ID given when the hash is created
// (a restarted, flushed or evicted journal gets a new one), "seq" counts changes, "last" is the
// random ID of the latest change, and "cur" is where the next sweep of expired records resumes.
// A journal restored from an older snapshot keeps its epoch and goes back in sequence; once new
// changes bring the sequence number back to where a mirror stands, "last" still tells the
// mirror that the change at that number is not the one it applied. The hash expires with its longest-lived
// record.
//
// One key holds everything, so that one script can change a record, count the change and
// announce it atomically, also on Redis Cluster (no CROSSSLOT), and one read gives a Mirror the
// epoch and sequence number to compare with what it has applied.
const journalPart = "journal"

// Record kinds: the field name's first part.
const (
	kindSession = "s"
	kindVersion = "v"
	kindSubject = "u"
)

// journalScript merges one record into the journal, counts the change and announces it.
//
//	KEYS[1]  the journal hash (also the notice channel)
//	ARGV[1]  field: kind ":" ID
//	ARGV[2]  value: integers joined by ":", the last the until in Unix ms
//	ARGV[3]  now, Unix ms
//	ARGV[4]  epoch to use if the journal does not exist yet
//	ARGV[5]  a random ID of this change
//
// It returns the new sequence number, or 0 when nothing changed (the new record is not live,
// or the journal held it already). Values are compared as numbers and kept as the strings
// given, so that no precision is lost to Lua's doubles in formatting.
//
// The sequence number is incremented before the record is written: if a write fails half-way
// (Redis runs out of memory between two commands), a Mirror sees a sequence number it has no
// notice for and reads the whole journal again, rather than missing a record. The notice is
// "epoch seq change value field", the field last since an ID may hold spaces.
//
// Each call also sweeps up to 16 fields from the stored cursor, deleting records whose until
// has passed, so that the hash stays proportional to the live revocations.
const journalScript = `
if redis.replicate_commands then redis.replicate_commands() end
local key, field, value, now = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local function split(v)
	local t = {}
	for part in string.gmatch(v, '[^:]+') do t[#t + 1] = part end
	return t
end
-- a > b for decimal integers, exactly (versions go past 2^53, where doubles round)
local function greater(a, b)
	local na, nb = string.sub(a, 1, 1) == '-', string.sub(b, 1, 1) == '-'
	if na ~= nb then return nb end
	if na then a, b = string.sub(b, 2), string.sub(a, 2) end
	if #a ~= #b then return #a > #b end
	return a > b
end
local new = split(value)
local merged = new
local old = redis.call('HGET', key, field)
if old then
	local o = split(old)
	local ou = tonumber(o[#o])
	if #o == #new and ou ~= nil and ou > now then
		merged = {}
		for i = 1, #new do
			if string.match(o[i], '^%-?%d+$') and greater(o[i], new[i]) then merged[i] = o[i] else merged[i] = new[i] end
		end
	end
end
local untilms = tonumber(merged[#merged])
if untilms == nil or untilms <= now then return 0 end
local out = table.concat(merged, ':')
if out == old then return 0 end
redis.call('HSETNX', key, 'epoch', ARGV[4])
local seq = redis.call('HINCRBY', key, 'seq', 1)
redis.call('HSET', key, 'last', ARGV[5], field, out)
local ttl = untilms - now
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
local scan = redis.call('HSCAN', key, redis.call('HGET', key, 'cur') or '0', 'COUNT', 16)
redis.call('HSET', key, 'cur', scan[1])
local fields = scan[2]
for i = 1, #fields, 2 do
	if string.find(fields[i], ':', 1, true) then
		local u = tonumber(string.match(fields[i + 1], '[^:]+$'))
		if u ~= nil and u <= now then redis.call('HDEL', key, fields[i]) end
	end
end
redis.call('PUBLISH', key, redis.call('HGET', key, 'epoch') .. ' ' .. seq .. ' ' .. ARGV[5] .. ' ' .. out .. ' ' .. field)
return seq
`

// maxRecordValues bounds the integers of one record, in notices and journal fields alike.
const maxRecordValues = 4

// A record is one entry of the journal: a kind, the ID it is about, and its integers, the last
// of which is its until in Unix ms. The integers are kept as canonical decimal text, as the
// script compares them: an int64, or a uint64 (a version) past the int64 range.
type record struct {
	kind string
	id   string
	vals []string
}

func sessionRecord(sid string, untilMs int64) record {
	return record{kind: kindSession, id: sid, vals: []string{itoa(untilMs)}}
}

func versionRecord(sid string, version uint64, untilMs int64) record {
	return record{kind: kindVersion, id: sid, vals: []string{strconv.FormatUint(version, 10), itoa(untilMs)}}
}

func subjectRecord(digest string, cutoffMicro, untilMs int64) record {
	return record{kind: kindSubject, id: digest, vals: []string{itoa(cutoffMicro), itoa(untilMs)}}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func (r record) field() string { return r.kind + ":" + r.id }

func (r record) value() string { return strings.Join(r.vals, ":") }

// until returns the record's until in Unix ms; parseValues made sure it is an int64.
func (r record) until() int64 {
	u, _ := strconv.ParseInt(r.vals[len(r.vals)-1], 10, 64)
	return u
}

// int returns the record's i-th integer as an int64, and whether it is one.
func (r record) int(i int) (int64, bool) {
	v, err := strconv.ParseInt(r.vals[i], 10, 64)
	return v, err == nil
}

// uint returns the record's i-th integer as a uint64, and whether it is one.
func (r record) uint(i int) (uint64, bool) {
	v, err := strconv.ParseUint(r.vals[i], 10, 64)
	return v, err == nil
}

// compareDecimal compares two canonical decimal integers exactly, as the journal script does:
// -1, 0 or +1.
func compareDecimal(a, b string) int {
	na, nb := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	switch {
	case na != nb && na:
		return -1
	case na != nb:
		return 1
	case na:
		a, b = b[1:], a[1:]
	}
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

func (s *Store) journalKey() string { return s.cfg.prefix + journalPart }

// journal merges rec into the journal and returns its new sequence number, or 0 if nothing
// changed. ctx must be bounded by the caller.
func (s *Store) journal(ctx context.Context, rec record) (int64, error) {
	var epoch, change [8]byte
	rand.Read(epoch[:])
	rand.Read(change[:])
	return s.journalWrite.Run(ctx, s.client, []string{s.journalKey()},
		rec.field(), rec.value(), s.cfg.now().UnixMilli(), hex.EncodeToString(epoch[:]), hex.EncodeToString(change[:])).Int64()
}

// errBadRecord is returned for a journal field or value this package did not write.
var errBadRecord = errors.New("malformed journal record")

// parseField splits a journal field name into kind and ID. Reserved fields (epoch, seq, last, cur)
// have no colon and are not records.
func parseRecordField(field string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(field, ":")
	return kind, id, ok && kind != ""
}

// parseValues reads a record's integers: 1 to maxRecordValues canonical decimal integers
// joined by colons, each an int64 or a uint64, the last (the until) an int64.
func parseValues(value string) ([]string, error) {
	if value == "" {
		return nil, errBadRecord
	}
	vals := make([]string, 0, 2)
	for part := range strings.SplitSeq(value, ":") {
		if len(vals) == maxRecordValues {
			return nil, errBadRecord
		}
		if _, err := parseCanonical(part); err != nil {
			if u, err := strconv.ParseUint(part, 10, 64); err != nil || strconv.FormatUint(u, 10) != part {
				return nil, errBadRecord
			}
		}
		vals = append(vals, part)
	}
	if _, err := parseCanonical(vals[len(vals)-1]); err != nil {
		return nil, errBadRecord
	}
	return vals, nil
}

// parseCanonical reads a decimal integer as strconv.FormatInt writes it: no sign but a minus,
// no leading zero.
func parseCanonical(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != s {
		return 0, errBadRecord
	}
	return v, nil
}

// parseRecord reads one journal field and its value.
func parseRecord(field, value string) (record, error) {
	kind, id, ok := parseRecordField(field)
	if !ok {
		return record{}, errBadRecord
	}
	vals, err := parseValues(value)
	if err != nil {
		return record{}, err
	}
	return record{kind: kind, id: id, vals: vals}, nil
}

// A notice is what the journal script publishes for one change.
type notice struct {
	epoch  string
	seq    int64
	change string // the change's random ID
	rec    record
}

// parseNotice reads a notice: "epoch seq change value field". It is the parser of what arrives on the
// channel, which whoever can publish on the Redis can write, so it refuses anything it did not
// produce; the Mirror then reads the journal again.
func parseNotice(payload string) (notice, error) {
	epoch, rest, ok1 := strings.Cut(payload, " ")
	seqStr, rest, ok2 := strings.Cut(rest, " ")
	change, rest, ok3 := strings.Cut(rest, " ")
	value, field, ok4 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !ok3 || !ok4 || epoch == "" || change == "" {
		return notice{}, errBadRecord
	}
	seq, err := parseCanonical(seqStr)
	if err != nil || seq < 1 {
		return notice{}, errBadRecord
	}
	rec, err := parseRecord(field, value)
	if err != nil {
		return notice{}, err
	}
	return notice{epoch: epoch, seq: seq, change: change, rec: rec}, nil
}
