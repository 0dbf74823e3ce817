package middleware

import (
	"context"
	"sync"
	"time"

	"github.com/keycard-go/keycard/token"
)

// RevocationStore remembers sessions that must no longer be accepted, even though their tokens
// still carry a valid signature and expiry.
//
// Revocation is by session ID ([token.SessionID]), not by token ID: a rolling refresh issues a
// new token (new jti) for the same session, and logging out must end every token of that session,
// including an older one still held by a parallel request or an attacker. An update of a
// session's content ([Sessions.Update], a re-authentication) revokes only the session's earlier
// tokens, by their version ([token.Claims.Version]): a version counter rather than a time,
// because tokens issued within the same second (iat is whole seconds) must still be told apart
// and servers' clocks differ.
//
// Implementations must be safe for concurrent use and must forget entries once until has passed,
// so that storage never grows without bound; they must never forget one before, whatever else
// they store (a revocation dropped early is a logged-out token that works again). The
// middleware passes an until that outlives every token of the session by the verifier's
// leeway. [MemoryRevocation] keeps entries in memory for a single process; the redisstore
// module shares them between processes. The storetest package checks an implementation
// against this contract.
type RevocationStore interface {
	// Revoke marks the session sid as revoked until the given time, after which every token of
	// the session has expired anyway. Of two untils for one session the later wins, in
	// either order; an until that has passed revokes nothing. A store with millisecond
	// resolution may keep the revocation up to a millisecond past until, never less.
	Revoke(ctx context.Context, sid token.SessionID, until time.Time) error

	// RevokeBefore revokes the tokens of session sid whose version is below version, until the
	// given time; tokens of that version and later stay valid. Of two calls for one session,
	// the higher version and the later until win, each on its own and in either order; a
	// record whose until has passed counts as absent.
	RevokeBefore(ctx context.Context, sid token.SessionID, version uint64, until time.Time) error

	// RevokeSubject revokes every session of sub that began ([token.Claims.SessionStart])
	// before cutoff: "log out everywhere", after a password change for instance. The record
	// may be forgotten after until. Of two calls for one subject, the later cut-off and the
	// later until win, each on its own and in either order.
	RevokeSubject(ctx context.Context, sub token.Subject, cutoff, until time.Time) error

	// IsRevoked reports whether a token is revoked: its session was revoked (Revoke), its
	// version is below the session's cut-off (RevokeBefore), or its subject was revoked after
	// the session began (RevokeSubject). Compare session starts in whole microseconds, as
	// tokens carry them: revoked when started.UnixMicro() < cutoff.UnixMicro(). A session that
	// began in the same microsecond as the cut-off survives, so that "log out everywhere"
	// followed at once by a new login keeps the new session.
	IsRevoked(ctx context.Context, sid token.SessionID, sub token.Subject, started time.Time, version uint64) (bool, error)
}

// MemoryRevocation is a [RevocationStore] held in the memory of one process. Its zero value is
// not usable; create one with [NewMemoryRevocation]. It is safe for concurrent use. Entries are
// forgotten once they expire: expired entries are swept on writes, so memory stays proportional
// to the number of sessions revoked within one token lifetime.
//
// Use it for a single instance. Behind a load balancer, every instance must see every logout:
// use a shared store such as the redisstore module.
type MemoryRevocation struct {
	now func() time.Time

	mu        sync.Mutex
	sessions  map[token.SessionID]time.Time // sid -> until
	versions  map[token.SessionID]versionCutoff
	subjects  map[token.Subject]subjectCutoff
	nextSweep time.Time
}

type versionCutoff struct {
	min   uint64 // the oldest version still valid
	until time.Time
}

type subjectCutoff struct {
	cutoff time.Time
	until  time.Time
}

// sweepInterval bounds how often a write pays for walking the maps.
const sweepInterval = time.Minute

// NewMemoryRevocation returns an empty in-memory revocation store. now is the clock used to
// expire entries; nil means [time.Now].
func NewMemoryRevocation(now func() time.Time) *MemoryRevocation {
	if now == nil {
		now = time.Now
	}
	return &MemoryRevocation{
		now:      now,
		sessions: make(map[token.SessionID]time.Time),
		versions: make(map[token.SessionID]versionCutoff),
		subjects: make(map[token.Subject]subjectCutoff),
	}
}

// Revoke implements [RevocationStore]. It never fails.
func (m *MemoryRevocation) Revoke(_ context.Context, sid token.SessionID, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.sessions[sid]; !ok || until.After(old) {
		m.sessions[sid] = until
	}
	m.sweepLocked()
	return nil
}

// RevokeBefore implements [RevocationStore]. It never fails. A higher version replaces a lower
// one, a later until an earlier one, never the other way; a record whose until has passed counts
// as absent.
func (m *MemoryRevocation) RevokeBefore(_ context.Context, sid token.SessionID, version uint64, until time.Time) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.versions[sid]
	if !now.Before(old.until) {
		old = versionCutoff{} // expired: as if swept already
	}
	old.min = max(old.min, version)
	if until.After(old.until) {
		old.until = until
	}
	m.versions[sid] = old
	m.sweepLocked()
	return nil
}

// RevokeSubject implements [RevocationStore]. It never fails. A later cutoff replaces an
// earlier one; an earlier one never replaces a later one.
func (m *MemoryRevocation) RevokeSubject(_ context.Context, sub token.Subject, cutoff, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.subjects[sub]
	if cutoff.After(old.cutoff) {
		old.cutoff = cutoff
	}
	if until.After(old.until) {
		old.until = until
	}
	m.subjects[sub] = old
	m.sweepLocked()
	return nil
}

// IsRevoked implements [RevocationStore]. It never fails.
func (m *MemoryRevocation) IsRevoked(_ context.Context, sid token.SessionID, sub token.Subject, started time.Time, version uint64) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.sessions[sid]; ok && now.Before(until) {
		return true, nil
	}
	if v, ok := m.versions[sid]; ok && now.Before(v.until) && version < v.min {
		return true, nil
	}
	if c, ok := m.subjects[sub]; ok && now.Before(c.until) && revokedBySubject(started, c.cutoff) {
		return true, nil
	}
	return false, nil
}

// revokedBySubject reports whether a session that began at started falls under a subject-wide
// revocation made at cutoff. Tokens carry the session start in microseconds, so the comparison
// is made in microseconds: a session started in the same microsecond as the cut-off, as
// [Sessions.Start] right after [Sessions.EndAll] in one request can be, is kept.
func revokedBySubject(started, cutoff time.Time) bool {
	return started.UnixMicro() < cutoff.UnixMicro()
}

// sweepLocked drops expired entries, at most once per sweepInterval. m.mu must be held.
func (m *MemoryRevocation) sweepLocked() {
	now := m.now()
	if now.Before(m.nextSweep) {
		return
	}
	m.nextSweep = now.Add(sweepInterval)
	for sid, until := range m.sessions {
		if !now.Before(until) {
			delete(m.sessions, sid)
		}
	}
	for sid, v := range m.versions {
		if !now.Before(v.until) {
			delete(m.versions, sid)
		}
	}
	for sub, c := range m.subjects {
		if !now.Before(c.until) {
			delete(m.subjects, sub)
		}
	}
}

// Len reports how many entries the store holds, expired ones not yet swept included. It is
// meant for tests and metrics.
func (m *MemoryRevocation) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions) + len(m.versions) + len(m.subjects)
}
