package totp

import (
	"context"
	"slices"
	"sync"

	"github.com/keycard-go/keycard/token"
)

// Record is what the [Store] keeps of one account's second factor.
type Record struct {
	// Secret is the TOTP secret. It is the one secret of the record: keep it encrypted at
	// rest, for instance by wrapping the Store in [NewEncryptedStore].
	Secret Secret
	// Params are the secret's code parameters; the zero value means the defaults.
	Params Params
	// Enabled is false while an enrolment waits for its confirming code, and true once the
	// second factor is on.
	Enabled bool
	// RecoveryHashes are the hashes ([HashRecoveryCode]) of the unused recovery codes.
	RecoveryHashes []string
}

// Store keeps each account's [Record]. The application implements it on its database, with
// the record in the user's row or a table of its own; [MemoryStore] is for tests and demos.
//
// Implementations must be safe for concurrent use. Get, Put and Delete need no more than
// their names say; UseRecoveryCode must be atomic, as a recovery code must work once even
// when two requests present it at the same moment (in SQL: DELETE ... WHERE account = ? AND
// hash = ?, and report whether a row went).
type Store interface {
	// Get returns sub's record, or an error matching [ErrNotEnrolled] when there is none.
	Get(ctx context.Context, sub token.Subject) (Record, error)

	// Put stores rec as sub's record, replacing any.
	Put(ctx context.Context, sub token.Subject, rec Record) error

	// Delete removes sub's record; removing a missing record is no error.
	Delete(ctx context.Context, sub token.Subject) error

	// UseRecoveryCode removes hash from sub's recovery hashes and reports whether it was
	// there, atomically.
	UseRecoveryCode(ctx context.Context, sub token.Subject, hash string) (bool, error)
}

// Required returns the check that [middleware.WithSecondFactor] takes: whether sub's second
// factor in store is on (an enrolment awaiting confirmation is not).
func Required(store Store) func(ctx context.Context, sub token.Subject) (bool, error) {
	return func(ctx context.Context, sub token.Subject) (bool, error) {
		rec, err := store.Get(ctx, sub)
		switch {
		case isNotEnrolled(err):
			return false, nil
		case err != nil:
			return false, err
		}
		return rec.Enabled, nil
	}
}

// MemoryStore is a [Store] in the memory of one process, for tests and demos: it forgets
// everything when the process ends. Its zero value is not usable; make one with
// [NewMemoryStore]. It is safe for concurrent use.
type MemoryStore struct {
	mu      sync.Mutex
	records map[token.Subject]Record
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{records: make(map[token.Subject]Record)}
}

// Get implements [Store]. The record is a copy.
func (m *MemoryStore) Get(_ context.Context, sub token.Subject) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[sub]
	if !ok {
		return Record{}, ErrNotEnrolled
	}
	return rec.clone(), nil
}

// Put implements [Store]. It keeps a copy of rec.
func (m *MemoryStore) Put(_ context.Context, sub token.Subject, rec Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records[sub] = rec.clone()
	return nil
}

// Delete implements [Store].
func (m *MemoryStore) Delete(_ context.Context, sub token.Subject) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, sub)
	return nil
}

// UseRecoveryCode implements [Store].
func (m *MemoryStore) UseRecoveryCode(_ context.Context, sub token.Subject, hash string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[sub]
	if !ok {
		return false, nil
	}
	i := slices.Index(rec.RecoveryHashes, hash)
	if i < 0 {
		return false, nil
	}
	rec.RecoveryHashes = slices.Delete(slices.Clone(rec.RecoveryHashes), i, i+1)
	m.records[sub] = rec
	return true, nil
}

func (r Record) clone() Record {
	r.Secret = slices.Clone(r.Secret)
	r.RecoveryHashes = slices.Clone(r.RecoveryHashes)
	return r
}
