package passkey

import (
	"context"
	"slices"
	"sync"

	"github.com/keycard-go/keycard/token"
)

// MemoryStore is a [Store] in process memory, for tests, examples and single-instance
// applications that can afford to lose passkeys on restart (most cannot: keep them in your
// database). It is safe for concurrent use; the zero value is not, use [NewMemoryStore].
type MemoryStore struct {
	mu    sync.RWMutex
	byID  map[string]*Credential
	bySub map[token.Subject][]string // credential IDs, oldest first
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{byID: make(map[string]*Credential), bySub: make(map[token.Subject][]string)}
}

// Add implements [Store].
func (m *MemoryStore) Add(_ context.Context, c Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := string(c.ID)
	if _, dup := m.byID[id]; dup {
		return ErrDuplicate
	}
	c = clone(c)
	m.byID[id] = &c
	m.bySub[c.Subject] = append(m.bySub[c.Subject], id)
	return nil
}

// Get implements [Store].
func (m *MemoryStore) Get(_ context.Context, id []byte) (Credential, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, ok := m.byID[string(id)]
	if !ok {
		return Credential{}, ErrNotFound
	}
	return clone(*c), nil
}

// List implements [Store].
func (m *MemoryStore) List(_ context.Context, sub token.Subject) ([]Credential, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := m.bySub[sub]
	out := make([]Credential, 0, len(ids))
	for _, id := range ids {
		out = append(out, clone(*m.byID[id]))
	}
	return out, nil
}

// Used implements [Store].
func (m *MemoryStore) Used(_ context.Context, id []byte, u Use) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[string(id)]
	if !ok {
		return ErrNotFound
	}
	c.SignCount = max(c.SignCount, u.SignCount)
	c.BackupState = u.BackupState
	c.LastUsed = u.At
	return nil
}

// Rename implements [Store].
func (m *MemoryStore) Rename(_ context.Context, sub token.Subject, id []byte, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[string(id)]
	if !ok || c.Subject != sub {
		return ErrNotFound
	}
	c.Name = name
	return nil
}

// Remove implements [Store].
func (m *MemoryStore) Remove(_ context.Context, sub token.Subject, id []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[string(id)]
	if !ok || c.Subject != sub {
		return ErrNotFound
	}
	delete(m.byID, string(id))
	ids := slices.DeleteFunc(m.bySub[sub], func(s string) bool { return s == string(id) })
	if len(ids) == 0 {
		delete(m.bySub, sub)
	} else {
		m.bySub[sub] = ids
	}
	return nil
}

// clone copies c's slices so that the store and its callers share nothing.
func clone(c Credential) Credential {
	c.ID = slices.Clone(c.ID)
	c.UserHandle = slices.Clone(c.UserHandle)
	c.PublicKey = slices.Clone(c.PublicKey)
	c.Transports = slices.Clone(c.Transports)
	c.AAGUID = slices.Clone(c.AAGUID)
	return c
}
