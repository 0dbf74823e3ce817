package redisstore

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Key names. Each record lives under one key, and every command touches one key or, for the
// limiter, two keys of one hash slot, so that no command spans two hash slots of a Redis
// Cluster (no CROSSSLOT errors).
//
//	prefix + "sid:" + session ID               revoked session: its until, in Unix ms
//	prefix + "sv:" + session ID                version cut-off: the session's oldest valid version
//	prefix + "sub:" + hex(SHA-256(subject))    subject cut-off: hash {c: cut-off in Unix µs, u: until in Unix ms}
//	prefix + "hit:{" + c + "}"                 a client's failed login attempts in its window: a counter
//	prefix + "hit:{" + c + "}:" + account      attempts on one account by that client: a counter
//	prefix + "reg:" + hex(SHA-256(subject))    the subject's sessions: hash {session ID: entry}
//	prefix + "dev:" + hex(SHA-256(subject))    the subject's known devices: hash {SHA-256: times}
//	prefix + "once:" + key                     single-use marker: its until, in Unix µs
//	prefix + "journal"                         every live revocation, for mirrors (journal.go)
//
// where c is hex(SHA-256(client)), truncated to 128 bits. Subjects are hashed: they may hold
// any character, and are often e-mail addresses, which should not show up in key listings or
// MONITOR output. Session IDs are random and come from verified tokens; limiter keys are
// already hashed by the middleware, and single-use keys by their callers. The client is hashed again so that its two keys share a
// Cluster hash tag, {c}, whatever the caller passed: the limiter updates both in one script,
// which Cluster allows only within one slot. Both names start with the same text up to and
// including the tag, so they share a slot even when the prefix holds a brace of its own
// ([WithPrefix] refuses the one prefix that would break this, an empty tag "{}"). Each
// name is unambiguous: the kind follows the fixed prefix, and the rest is taken whole.
const (
	sessionPart = "sid:"
	versionPart = "sv:"
	subjectPart = "sub:"
	hitPart     = "hit:"
	regPart     = "reg:"
	devPart     = "dev:"
	oncePart    = "once:"
)

func (s *Store) sessionKey(sid token.SessionID) string {
	return s.cfg.prefix + sessionPart + string(sid)
}

func (s *Store) versionKey(sid token.SessionID) string {
	return s.cfg.prefix + versionPart + string(sid)
}

func (s *Store) subjectKey(sub token.Subject) string { return s.subjectHashKey(subjectPart, sub) }

func (s *Store) registryKey(sub token.Subject) string { return s.subjectHashKey(regPart, sub) }

func (s *Store) devicesKey(sub token.Subject) string { return s.subjectHashKey(devPart, sub) }

// subjectHashKey is prefix + part + hex(SHA-256(sub)).
func (s *Store) subjectHashKey(part string, sub token.Subject) string {
	return s.cfg.prefix + part + subjectDigest(sub)
}

// subjectDigest returns hex(SHA-256(sub)), the subject's name in keys and in the journal.
func subjectDigest(sub token.Subject) string {
	sum := sha256.Sum256([]byte(sub))
	return hex.EncodeToString(sum[:])
}

func (s *Store) onceKey(key string) string {
	return s.cfg.prefix + oncePart + key
}

// limiterKeys returns the keys of a client's budget and of its attempts on one account.
func (s *Store) limiterKeys(key middleware.ThrottleKey) (client, account string) {
	sum := sha256.Sum256([]byte(key.Client))
	var buf [sha256.Size]byte
	hex.Encode(buf[:], sum[:sha256.Size/2])
	client = s.cfg.prefix + hitPart + "{" + string(buf[:]) + "}"
	return client, client + ":" + key.Account
}
