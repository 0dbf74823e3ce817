package redisstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Mirror is a [middleware.RevocationStore] that answers from memory what [Store] answers from
// Redis: it keeps a copy of every live revocation of the store's prefix, fed by the notices
// Redis publishes for each change, so that a protected request costs no Redis round trip. It
// writes through the [Store], so revocations still reach every instance, mirrored or not.
//
// What makes it safe: every change to the journal (see the package documentation) increments
// one sequence number in the same atomic script that publishes its notice. The mirror applies
// notices in sequence; a gap, a repeat, a new epoch or a broken subscription makes it stop
// answering from memory at once, subscribe again and read the whole journal. Independently of
// the notices, it reads the journal's sequence number four times per lag bound ([WithMaxLag],
// [DefaultMaxLag] = 100ms) and is current only while it has applied everything Redis held at a
// moment no further back than that bound. A session the mirror holds as revoked is refused
// whatever its state, since it never holds a revocation that did not happen; any other session
// is accepted from memory while the mirror is current, and checked in Redis ([Store.IsRevoked],
// failing closed) while it is not.
//
// So a revocation made anywhere is refused by every mirror as soon as its notice arrives
// (about a millisecond on a LAN), and at the latest after the lag bound when it cannot arrive,
// for instance when this instance is cut off from Redis without noticing.
//
// When the mirror reads the journal again and finds it missing records the mirror still holds
// (Redis restarted empty, restarted from an older snapshot, failed over to a replica that
// lagged, evicted the key), it writes them back: a logout is not forgotten while any mirroring
// instance remembers it. The flip side: a revocation cannot be lifted by deleting it in Redis
// while mirrors run; it ends at its until.
//
// Memory: one entry per live revocation (every logout and "log out everywhere" within one
// token lifetime), as in Redis, plus a bounded cache of subject digests.
//
// Its zero value is not usable; create one with [NewMirror] and stop it with [Mirror.Close].
// It is safe for concurrent use.
type Mirror struct {
	store *Store
	cfg   mirrorConfig
	// base anchors freshUntil on the monotonic clock: requests are answered from memory while
	// time.Since(base) is below freshUntil (in nanoseconds). Only the sync goroutine raises it;
	// it sets it to zero the moment it knows it has missed something.
	base       time.Time
	freshUntil atomic.Int64
	synced     atomic.Pointer[chan struct{}] // closed when the mirror becomes current

	mu       sync.RWMutex
	sessions map[token.SessionID]int64           // until, Unix ms
	versions map[token.SessionID]versionCut      // by session: the update cut-off
	subjects map[[sha256.Size]byte]subjectCut    // by SHA-256 of the subject
	digests  map[token.Subject][sha256.Size]byte // SHA-256 of subjects asked about, bounded

	repairing sync.WaitGroup // the repair goroutine, at most one

	seq       atomic.Int64 // the journal's sequence number last applied, for Stats
	resyncs   atomic.Uint64
	repairs   atomic.Uint64
	fallbacks atomic.Uint64

	stop context.CancelFunc
	done chan struct{}
}

// versionCut is a session's cut-off for its updates: tokens of a lower version are revoked until
// until.
type versionCut struct {
	min   uint64 // the oldest valid version
	until int64  // Unix ms
}

// subjectCut is a subject's "log out everywhere": sessions that began before cutoff are
// revoked until until.
type subjectCut struct {
	cutoff int64 // Unix µs
	until  int64 // Unix ms
}

var _ middleware.RevocationStore = (*Mirror)(nil)

// NewMirror starts mirroring the revocations of store, which it also writes through, and
// returns at once: it does not wait for Redis, and until it has read the journal, IsRevoked
// asks Redis. [Mirror.WaitSync] waits until it answers from memory. Close stops it; the store
// and its client stay open.
//
// The mirror needs Redis 5 or later, a client that can subscribe (pub/sub: go-redis single,
// Sentinel and Cluster clients can), and every instance sharing the prefix on a version of this
// package that writes the journal; revocations written by an older version are seen only by
// [Store.IsRevoked], never by a mirror.
func NewMirror(store *Store, opts ...MirrorOption) (*Mirror, error) {
	if store == nil {
		return nil, errors.New("redisstore: nil store")
	}
	cfg := defaultMirrorConfig()
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("redisstore: nil mirror option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	m := &Mirror{
		store:    store,
		cfg:      cfg,
		base:     time.Now(),
		sessions: make(map[token.SessionID]int64),
		versions: make(map[token.SessionID]versionCut),
		subjects: make(map[[sha256.Size]byte]subjectCut),
		digests:  make(map[token.Subject][sha256.Size]byte),
		stop:     stop,
		done:     make(chan struct{}),
	}
	ch := make(chan struct{})
	m.synced.Store(&ch)
	go m.run(ctx)
	return m, nil
}

// Close stops the mirror and waits until its goroutines have ended. Afterwards IsRevoked asks
// Redis on every call, like [Store.IsRevoked]. Close does not close the store's client. It is
// safe to call more than once and returns nil.
func (m *Mirror) Close() error {
	m.stop()
	<-m.done
	return nil
}

// current reports whether the mirror may accept sessions from memory now.
func (m *Mirror) current() bool {
	return int64(time.Since(m.base)) < m.freshUntil.Load()
}

// WaitSync waits until the mirror answers from memory, or ctx ends (returning its error).
func (m *Mirror) WaitSync(ctx context.Context) error {
	for {
		ch := m.synced.Load()
		if m.current() {
			return nil
		}
		select {
		case <-*ch:
		case <-m.done:
			return errors.New("redisstore: mirror closed")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Revoke implements [middleware.RevocationStore] through [Store.Revoke], and records the
// revocation in this mirror at once, before its notice comes back. On failure it returns the
// store's error, wrapping [ErrUnavailable], and records nothing.
func (m *Mirror) Revoke(ctx context.Context, sid token.SessionID, until time.Time) error {
	if err := m.store.Revoke(ctx, sid, until); err != nil {
		return err
	}
	if until.After(m.store.cfg.now()) { // as Store.Revoke, which writes nothing otherwise
		m.apply(sessionRecord(string(sid), unixMillisCeil(until)))
	}
	return nil
}

// RevokeBefore implements [middleware.RevocationStore] through [Store.RevokeBefore], and records
// the version cut-off in this mirror at once. On failure it returns the store's error, wrapping
// [ErrUnavailable], and records nothing.
func (m *Mirror) RevokeBefore(ctx context.Context, sid token.SessionID, version uint64, until time.Time) error {
	if err := m.store.RevokeBefore(ctx, sid, version, until); err != nil {
		return err
	}
	m.apply(versionRecord(string(sid), version, unixMillisCeil(until)))
	return nil
}

// RevokeSubject implements [middleware.RevocationStore] through [Store.RevokeSubject], and
// records the cut-off in this mirror at once. On failure it returns the store's error, wrapping
// [ErrUnavailable], and records nothing.
func (m *Mirror) RevokeSubject(ctx context.Context, sub token.Subject, cutoff, until time.Time) error {
	if err := m.store.RevokeSubject(ctx, sub, cutoff, until); err != nil {
		return err
	}
	m.apply(subjectRecord(subjectDigest(sub), cutoff.UnixMicro(), unixMillisCeil(until)))
	return nil
}

// IsRevoked implements [middleware.RevocationStore] with the answers of [Store.IsRevoked]. A
// session the mirror holds as revoked is refused at once: the mirror may lack recent
// revocations, but never holds one that did not happen. Otherwise, while the mirror is current,
// the session is accepted without a Redis operation; when it is not, IsRevoked asks Redis, and
// on failure returns false and an error wrapping [ErrUnavailable] (false then means
// "unknown", not "allowed"). It is safe for concurrent use.
func (m *Mirror) IsRevoked(ctx context.Context, sid token.SessionID, sub token.Subject, started time.Time, version uint64) (bool, error) {
	r := m.lookup(sid, sub)
	var elapsed time.Duration // on the monotonic clock, since m.base
	if r.session || r.version || r.subject {
		var now time.Time
		if m.store.cfg.clockSet {
			now, elapsed = m.store.cfg.now(), time.Since(m.base)
		} else {
			now = time.Now() // one reading for both clocks
			elapsed = now.Sub(m.base)
		}
		ms := now.UnixMilli()
		if r.session && ms < r.sessionUntil ||
			r.version && ms < r.versionCut.until && version < r.versionCut.min ||
			r.subject && ms < r.subjectCut.until && started.UnixMicro() < r.subjectCut.cutoff {
			// The mirror never holds a revocation that did not happen: refused, current or not.
			return true, nil
		}
	} else {
		elapsed = time.Since(m.base) // the common case: one monotonic reading
	}
	if int64(elapsed) < m.freshUntil.Load() {
		return false, nil
	}
	m.fallbacks.Add(1)
	return m.store.IsRevoked(ctx, sid, sub, started, version)
}

// found is what the mirror holds about one check.
type found struct {
	session, version, subject bool
	sessionUntil              int64
	versionCut                versionCut
	subjectCut                subjectCut
}

// lookup returns the mirror's records for a session and its subject.
func (m *Mirror) lookup(sid token.SessionID, sub token.Subject) (r found) {
	m.mu.RLock()
	r.sessionUntil, r.session = m.sessions[sid]
	if len(m.versions) > 0 {
		r.versionCut, r.version = m.versions[sid]
	}
	if len(m.subjects) == 0 {
		m.mu.RUnlock()
		return r
	}
	digest, known := m.digests[sub]
	if !known {
		m.mu.RUnlock()
		digest = m.remember(sub)
		m.mu.RLock()
	}
	r.subjectCut, r.subject = m.subjects[digest]
	m.mu.RUnlock()
	return r
}

// remember hashes a subject and keeps its digest, since hashing costs more than the rest of
// a check. The cache is bounded: holding maxDigests subjects, it starts again empty, so a flood
// of new subjects costs one hash each, as without a cache, and no memory.
func (m *Mirror) remember(sub token.Subject) [sha256.Size]byte {
	digest := sha256.Sum256([]byte(sub))
	m.mu.Lock()
	if len(m.digests) >= maxDigests {
		m.digests = make(map[token.Subject][sha256.Size]byte)
	}
	m.digests[sub] = digest
	m.mu.Unlock()
	return digest
}

// MirrorStats describes a [Mirror] at one moment, for metrics and tests.
type MirrorStats struct {
	Current   bool   // IsRevoked answers from memory
	Sessions  int    // session revocations and version cut-offs held, expired ones not yet swept included
	Subjects  int    // subject cut-offs held, likewise
	Resyncs   uint64 // full reads of the journal, the first included
	Repairs   uint64 // records written back to a journal that had lost them
	Fallbacks uint64 // IsRevoked calls answered by Redis because the mirror was not current
	Seq       int64  // the journal's sequence number of the last change applied
}

// Stats returns the mirror's counters. It is safe for concurrent use.
func (m *Mirror) Stats() MirrorStats {
	m.mu.RLock()
	sessions, subjects := len(m.sessions)+len(m.versions), len(m.subjects)
	m.mu.RUnlock()
	return MirrorStats{
		Current:   m.current(),
		Sessions:  sessions,
		Subjects:  subjects,
		Resyncs:   m.resyncs.Load(),
		Repairs:   m.repairs.Load(),
		Fallbacks: m.fallbacks.Load(),
		Seq:       m.seq.Load(),
	}
}
