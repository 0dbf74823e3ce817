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
// including an older one still held by a parallel request or an attacker.
//
// Implementations must be safe for concurrent use and must forget entries once until has passed,
// so that storage never grows without bound. [MemoryRevocation] keeps entries in memory for a
// single process; the redisstore module shares them between processes.
type RevocationStore interface {
	// Revoke marks the session sid as revoked until the given time, after which every token of
	// the session has expired anyway.
	Revoke(ctx context.Context, sid token.SessionID, until time.Time) error

	// RevokeSubject revokes every session of sub that began (sst, [token.Claims.SessionStart])
	// before cutoff:
	// "log out everywhere", after a password change for instance. The record may be forgotten
	// after until.
	RevokeSubject(ctx context.Context, sub token.Subject, cutoff, until time.Time) error

	// IsRevoked reports whether a session is revoked: either its ID was revoked, or its
	// subject was revoked after the session began (authTime is the session's start, sst).
	// Compare in whole microseconds, as tokens carry sst: revoked when
	// authTime.UnixMicro() < cutoff.UnixMicro(). A session that
	// began in the same microsecond as the cut-off survives, so that "log out everywhere"
	// followed at once by a new login keeps the new session.
	IsRevoked(ctx context.Context, sid token.SessionID, sub token.Subject, authTime time.Time) (bool, error)
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
	subjects  map[token.Subject]subjectCutoff
	nextSweep time.Time
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
func (m *MemoryRevocation) IsRevoked(_ context.Context, sid token.SessionID, sub token.Subject, authTime time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.sessions[sid]; ok && now.Before(until) {
		return true, nil
	}
	if c, ok := m.subjects[sub]; ok && now.Before(c.until) && revokedBySubject(authTime, c.cutoff) {
		return true, nil
	}
	return false, nil
}

// revokedBySubject reports whether a session that began at authTime falls under a subject-wide
// revocation made at cutoff. Tokens carry auth_time in microseconds, so the comparison is made
// in microseconds: a session started in the same microsecond as the cut-off, as [Sessions.Start]
// right after [Sessions.EndAll] in one request can be, is kept.
func revokedBySubject(authTime, cutoff time.Time) bool {
	return authTime.UnixMicro() < cutoff.UnixMicro()
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
	return len(m.sessions) + len(m.subjects)
}
