package redisstore

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/keycard-go/keycard/token"
)

// apply merges one journal record into the mirror, as the journal script merges it into Redis:
// component by component the larger value wins, and a record whose until has passed counts as
// absent. Merging is idempotent and commutative for live records, so a notice applied twice, or
// a record seen both in a resync and in a notice, changes nothing. Records of a kind this
// version does not know are ignored: a newer version may write kinds that only it checks.
//
// Adding a kind: a map in [Mirror], a case here and in [Mirror.records], and the check in
// IsRevoked.
func (m *Mirror) apply(rec record) {
	now := m.store.cfg.now().UnixMilli()
	until := rec.until()
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case rec.kind == kindSession && len(rec.vals) == 1:
		sid := token.SessionID(rec.id)
		if old, ok := m.sessions[sid]; !ok || until > old {
			m.sessions[sid] = until
		}
	case rec.kind == kindVersion && len(rec.vals) == 2:
		version, ok := rec.uint(0)
		if !ok {
			return
		}
		sid := token.SessionID(rec.id)
		next := versionCut{min: version, until: until}
		if old, ok := m.versions[sid]; ok && old.until > now {
			next.min = max(next.min, old.min)
			next.until = max(next.until, old.until)
		}
		m.versions[sid] = next
	case rec.kind == kindSubject && len(rec.vals) == 2:
		cutoff, ok := rec.int(0)
		var digest [sha256.Size]byte
		if !ok || len(rec.id) != 2*sha256.Size {
			return
		}
		if _, err := hex.Decode(digest[:], []byte(rec.id)); err != nil {
			return
		}
		next := subjectCut{cutoff: cutoff, until: until}
		if old, ok := m.subjects[digest]; ok && old.until > now {
			next.cutoff = max(next.cutoff, old.cutoff)
			next.until = max(next.until, old.until)
		}
		m.subjects[digest] = next
	}
}

// records returns every live record of the mirror, in the journal's form.
func (m *Mirror) records() map[string]record {
	now := m.store.cfg.now().UnixMilli()
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]record, len(m.sessions)+len(m.versions)+len(m.subjects))
	for sid, until := range m.sessions {
		if until > now {
			rec := sessionRecord(string(sid), until)
			out[rec.field()] = rec
		}
	}
	for sid, cut := range m.versions {
		if cut.until > now {
			rec := versionRecord(string(sid), cut.min, cut.until)
			out[rec.field()] = rec
		}
	}
	for digest, cut := range m.subjects {
		if cut.until > now {
			rec := subjectRecord(hex.EncodeToString(digest[:]), cut.cutoff, cut.until)
			out[rec.field()] = rec
		}
	}
	return out
}

// sweep forgets the records whose until has passed.
func (m *Mirror) sweep() {
	now := m.store.cfg.now().UnixMilli()
	m.mu.Lock()
	defer m.mu.Unlock()
	for sid, until := range m.sessions {
		if until <= now {
			delete(m.sessions, sid)
		}
	}
	for sid, cut := range m.versions {
		if cut.until <= now {
			delete(m.versions, sid)
		}
	}
	for digest, cut := range m.subjects {
		if cut.until <= now {
			delete(m.subjects, digest)
		}
	}
}

// covers reports whether the journal's record have (nil if the journal lacks it) holds at
// least what want says: the journal does not need want written back.
func covers(have *record, want record, now int64) bool {
	if have == nil || len(have.vals) != len(want.vals) || have.until() <= now {
		return false
	}
	for i, v := range want.vals {
		if compareDecimal(have.vals[i], v) < 0 {
			return false
		}
	}
	return true
}

// maxDigests bounds the mirror's cache of subject digests.
const maxDigests = 1 << 16
