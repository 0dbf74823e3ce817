package middleware

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/keycard-go/keycard/token"
)

// MemoryRegistry is a [SessionRegistry] held in the memory of one process. Its zero value is not
// usable; create one with [NewMemoryRegistry]. It is safe for concurrent use. Each subject holds
// at most the entries and devices Save and SeenDevice allow, expired ones are swept on writes,
// and a subject with nothing left is dropped, so memory stays proportional to the live
// sessions.
//
// Use it for a single instance. Behind a load balancer, use a shared registry such as the
// redisstore module's, or each instance lists only the sessions it saw begin.
type MemoryRegistry struct {
	now func() time.Time

	mu        sync.Mutex
	subjects  map[token.Subject]*subjectEntries
	nextSweep time.Time
}

type subjectEntries struct {
	sessions map[token.SessionID]SessionInfo
	devices  map[string]deviceRecord
}

type deviceRecord struct {
	first time.Time // when it was first recorded, for dropping the oldest
	until time.Time
}

// NewMemoryRegistry returns an empty in-memory registry. now is the clock used to expire
// entries; nil means [time.Now].
func NewMemoryRegistry(now func() time.Time) *MemoryRegistry {
	if now == nil {
		now = time.Now
	}
	return &MemoryRegistry{now: now, subjects: make(map[token.Subject]*subjectEntries)}
}

// Save implements [SessionRegistry]. It never fails. An entry that has expired already is not
// recorded (and replaces nothing).
func (m *MemoryRegistry) Save(_ context.Context, sub token.Subject, e SessionInfo, max int) ([]token.SessionID, error) {
	if max < 1 {
		max = 1
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	if !now.Before(e.Expires) {
		return nil, nil
	}
	se := m.subjectLocked(sub)
	e.Current = false
	se.sessions[e.ID] = e
	var dropped []token.SessionID
	for len(se.sessions) > max {
		oldest := e
		for _, x := range se.sessions {
			if x.Renewed.Before(oldest.Renewed) || x.Renewed.Equal(oldest.Renewed) && x.ID < oldest.ID {
				oldest = x
			}
		}
		delete(se.sessions, oldest.ID)
		dropped = append(dropped, oldest.ID)
	}
	return dropped, nil
}

// List implements [SessionRegistry]. It never fails.
func (m *MemoryRegistry) List(_ context.Context, sub token.Subject) ([]SessionInfo, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []SessionInfo{}
	if se, ok := m.subjects[sub]; ok {
		for _, e := range se.sessions {
			if now.Before(e.Expires) {
				out = append(out, e)
			}
		}
	}
	sortSessions(out)
	return out, nil
}

// Delete implements [SessionRegistry]. It never fails.
func (m *MemoryRegistry) Delete(_ context.Context, sub token.Subject, ids ...token.SessionID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	se, ok := m.subjects[sub]
	if !ok {
		return nil
	}
	for _, id := range ids {
		delete(se.sessions, id)
	}
	if len(se.sessions) == 0 && len(se.devices) == 0 {
		delete(m.subjects, sub)
	}
	return nil
}

// SeenDevice implements [SessionRegistry]. It never fails. A later until extends the record.
func (m *MemoryRegistry) SeenDevice(_ context.Context, sub token.Subject, device string, until time.Time, max int) (bool, error) {
	if max < 1 {
		max = 1
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	se := m.subjectLocked(sub)
	d, seen := se.devices[device]
	seen = seen && now.Before(d.until)
	if !seen {
		d = deviceRecord{first: now}
	}
	if until.After(d.until) {
		d.until = until
	}
	if !now.Before(d.until) {
		delete(se.devices, device)
		return seen, nil
	}
	se.devices[device] = d
	for len(se.devices) > max {
		var oldest string
		for k, x := range se.devices {
			if oldest == "" || x.first.Before(se.devices[oldest].first) || x.first.Equal(se.devices[oldest].first) && k < oldest {
				oldest = k
			}
		}
		delete(se.devices, oldest)
	}
	return seen, nil
}

func (m *MemoryRegistry) subjectLocked(sub token.Subject) *subjectEntries {
	se, ok := m.subjects[sub]
	if !ok {
		se = &subjectEntries{sessions: make(map[token.SessionID]SessionInfo), devices: make(map[string]deviceRecord)}
		m.subjects[sub] = se
	}
	return se
}

// sweepLocked drops expired entries and empty subjects, at most once per sweepInterval. m.mu
// must be held.
func (m *MemoryRegistry) sweepLocked(now time.Time) {
	if now.Before(m.nextSweep) {
		return
	}
	m.nextSweep = now.Add(sweepInterval)
	for sub, se := range m.subjects {
		for id, e := range se.sessions {
			if !now.Before(e.Expires) {
				delete(se.sessions, id)
			}
		}
		for k, d := range se.devices {
			if !now.Before(d.until) {
				delete(se.devices, k)
			}
		}
		if len(se.sessions) == 0 && len(se.devices) == 0 {
			delete(m.subjects, sub)
		}
	}
}

// Len reports how many sessions and devices the registry holds, expired ones not yet swept
// included. It is meant for tests and metrics.
func (m *MemoryRegistry) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, se := range m.subjects {
		n += len(se.sessions) + len(se.devices)
	}
	return n
}

// sortSessions orders a list the way [SessionRegistry.List] returns it: the most recently
// renewed first, then by ID, so that the order is stable.
func sortSessions(l []SessionInfo) {
	slices.SortFunc(l, func(a, b SessionInfo) int {
		if c := b.Renewed.Compare(a.Renewed); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
}
