package passkeytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/token"
)

// TestStore checks that a [passkey.Store] behaves as the interface documents: credentials
// found by ID and listed per user oldest first, duplicates refused across users, counters that
// only go up, rename and remove scoped to the owner, copies rather than shared slices, and
// safety under concurrent use. newStore must return an empty store each time it is called.
// Run it from a test of your own store:
//
//	func TestMyStore(t *testing.T) {
//		passkeytest.TestStore(t, func(t *testing.T) passkey.Store { return newMyStore(t) })
//	}
func TestStore(t *testing.T, newStore func(t *testing.T) passkey.Store) {
	t.Helper()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cred := func(id string, sub token.Subject) passkey.Credential {
		return passkey.Credential{
			ID: []byte(id), Subject: sub, UserHandle: []byte("handle-" + sub), PublicKey: []byte{0xa5, 1, 2},
			SignCount: 3, Transports: []string{"internal", "hybrid"}, Name: "Laptop " + id, AAGUID: make([]byte, 16),
			AttestationFormat: "packed", BackupEligible: true, Created: created,
		}
	}
	ctx := context.Background()

	t.Run("add, get, list", func(t *testing.T) {
		s := newStore(t)
		for _, c := range []passkey.Credential{cred("a", "u1"), cred("b", "u2"), cred("c", "u1")} {
			if err := s.Add(ctx, c); err != nil {
				t.Fatalf("Add %s: %v", c.ID, err)
			}
		}
		got, err := s.Get(ctx, []byte("a"))
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if err := same(got, cred("a", "u1")); err != nil {
			t.Errorf("Get returned another credential: %v", err)
		}
		list, err := s.List(ctx, "u1")
		if err != nil || len(list) != 2 || string(list[0].ID) != "a" || string(list[1].ID) != "c" {
			t.Errorf("List u1: got %d credentials (%v), want a then c", len(list), err)
		}
		if list, err := s.List(ctx, "nobody"); err != nil || len(list) != 0 {
			t.Errorf("List of a user without passkeys: got %d, %v; want none, nil", len(list), err)
		}
		if _, err := s.Get(ctx, []byte("zz")); !errors.Is(err, passkey.ErrNotFound) {
			t.Errorf("Get unknown: got %v, want ErrNotFound", err)
		}
	})

	t.Run("duplicate IDs refused across users", func(t *testing.T) {
		s := newStore(t)
		if err := s.Add(ctx, cred("a", "u1")); err != nil {
			t.Fatal(err)
		}
		if err := s.Add(ctx, cred("a", "u2")); !errors.Is(err, passkey.ErrDuplicate) {
			t.Errorf("Add of a known ID for another user: got %v, want ErrDuplicate", err)
		}
		if got, _ := s.Get(ctx, []byte("a")); got.Subject != "u1" {
			t.Errorf("the duplicate replaced the owner: %q", got.Subject)
		}
	})

	t.Run("used keeps the highest counter", func(t *testing.T) {
		s := newStore(t)
		if err := s.Add(ctx, cred("a", "u1")); err != nil {
			t.Fatal(err)
		}
		at := created.Add(time.Hour)
		if err := s.Used(ctx, []byte("a"), passkey.Use{SignCount: 9, BackupState: true, At: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.Used(ctx, []byte("a"), passkey.Use{SignCount: 4, BackupState: true, At: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, []byte("a"))
		if got.SignCount != 9 || !got.BackupState || !got.LastUsed.Equal(at.Add(time.Minute)) {
			t.Errorf("after uses 9 then 4: count %d, backed up %v, last used %v; want 9, true, %v", got.SignCount, got.BackupState, got.LastUsed, at.Add(time.Minute))
		}
		if err := s.Used(ctx, []byte("zz"), passkey.Use{}); !errors.Is(err, passkey.ErrNotFound) {
			t.Errorf("Used unknown: got %v, want ErrNotFound", err)
		}
	})

	t.Run("rename and remove only the owner's", func(t *testing.T) {
		s := newStore(t)
		if err := s.Add(ctx, cred("a", "u1")); err != nil {
			t.Fatal(err)
		}
		if err := s.Rename(ctx, "u2", []byte("a"), "mine now"); !errors.Is(err, passkey.ErrNotFound) {
			t.Errorf("Rename by another user: got %v, want ErrNotFound", err)
		}
		if err := s.Remove(ctx, "u2", []byte("a")); !errors.Is(err, passkey.ErrNotFound) {
			t.Errorf("Remove by another user: got %v, want ErrNotFound", err)
		}
		if err := s.Rename(ctx, "u1", []byte("a"), "YubiKey"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, []byte("a")); got.Name != "YubiKey" {
			t.Errorf("after Rename: name %q, want YubiKey", got.Name)
		}
		if err := s.Remove(ctx, "u1", []byte("a")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, []byte("a")); !errors.Is(err, passkey.ErrNotFound) {
			t.Errorf("Get after Remove: got %v, want ErrNotFound", err)
		}
		if list, _ := s.List(ctx, "u1"); len(list) != 0 {
			t.Errorf("List after Remove: %d credentials, want none", len(list))
		}
		if err := s.Remove(ctx, "u1", []byte("a")); !errors.Is(err, passkey.ErrNotFound) {
			t.Errorf("second Remove: got %v, want ErrNotFound", err)
		}
	})

	t.Run("copies", func(t *testing.T) {
		s := newStore(t)
		c := cred("a", "u1")
		if err := s.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
		c.PublicKey[0] = 0
		got, _ := s.Get(ctx, []byte("a"))
		got.Transports[0] = "changed"
		again, _ := s.Get(ctx, []byte("a"))
		if again.PublicKey[0] != 0xa5 || again.Transports[0] != "internal" {
			t.Error("the store shares slices with its callers")
		}
	})

	t.Run("concurrent use", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				id := []byte(fmt.Sprintf("c%d", i))
				sub := token.Subject(fmt.Sprintf("u%d", i%2))
				if err := s.Add(ctx, cred(string(id), sub)); err != nil {
					t.Errorf("Add: %v", err)
					return
				}
				for n := range 5 {
					_ = s.Used(ctx, id, passkey.Use{SignCount: uint32(n), At: created})
					_, _ = s.List(ctx, sub)
				}
			})
		}
		wg.Wait()
		a, _ := s.List(ctx, "u0")
		b, _ := s.List(ctx, "u1")
		if len(a)+len(b) != 8 {
			t.Errorf("after 8 concurrent Adds: %d credentials", len(a)+len(b))
		}
	})
}

// same reports how got differs from want.
func same(got, want passkey.Credential) error {
	switch {
	case !bytes.Equal(got.ID, want.ID), got.Subject != want.Subject, !bytes.Equal(got.UserHandle, want.UserHandle):
		return errors.New("ID, subject or user handle")
	case !bytes.Equal(got.PublicKey, want.PublicKey), got.SignCount != want.SignCount:
		return errors.New("public key or sign count")
	case fmt.Sprint(got.Transports) != fmt.Sprint(want.Transports), got.Name != want.Name:
		return errors.New("transports or name")
	case !bytes.Equal(got.AAGUID, want.AAGUID), got.AttestationFormat != want.AttestationFormat:
		return errors.New("AAGUID or attestation format")
	case got.BackupEligible != want.BackupEligible, got.BackupState != want.BackupState:
		return errors.New("backup flags")
	case !got.Created.Equal(want.Created), !got.LastUsed.Equal(want.LastUsed):
		return errors.New("times")
	}
	return nil
}
