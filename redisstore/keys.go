package redisstore

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/keycard-go/keycard/token"
)

// Key names. Each record lives under one key, and every command touches one key, so that no
// command spans two hash slots of a Redis Cluster (no CROSSSLOT errors).
//
//	prefix + "sid:" + session ID               revoked session: its until, in Unix ms
//	prefix + "sub:" + hex(SHA-256(subject))    subject cut-off: hash {c: cut-off in Unix µs, u: until in Unix ms}
//	prefix + "hit:" + key                      login attempts in the current window: a counter
//	prefix + "once:" + key                     single-use marker: its until, in Unix ms
//
// Subjects are hashed: they may hold any character, and are often e-mail addresses, which
// should not show up in key listings or MONITOR output. Session IDs are random and come from
// verified tokens; limiter keys are already hashed by the middleware, and single-use keys by
// their callers. Each name is unambiguous: the kind follows the fixed prefix, and the rest is
// taken whole.
const (
	sessionPart = "sid:"
	subjectPart = "sub:"
	hitPart     = "hit:"
	oncePart    = "once:"
)

func (s *Store) sessionKey(sid token.SessionID) string {
	return s.cfg.prefix + sessionPart + string(sid)
}

func (s *Store) subjectKey(sub token.Subject) string {
	sum := sha256.Sum256([]byte(sub))
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return s.cfg.prefix + subjectPart + string(buf[:])
}

func (s *Store) onceKey(key string) string {
	return s.cfg.prefix + oncePart + key
}

func (s *Store) hitKey(key string) string {
	return s.cfg.prefix + hitPart + key
}
