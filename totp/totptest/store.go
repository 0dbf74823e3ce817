// Package totptest holds the conformance suite of [totp.Store]: run it against your own
// implementation (your database) in a test, as the package's own stores do.
package totptest

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
	"github.com/keycard-go/keycard/totp"
)

// RunStore runs the [totp.Store] conformance suite. open returns an empty store; each subtest
// opens its own.
func RunStore(t *testing.T, open func(t *testing.T) totp.Store) {
	rec := func() totp.Record {
		_, hashes := totp.NewRecoveryCodes("user-1", 3)
		return totp.Record{
			Secret:         totp.GenerateSecret(),
			Params:         totp.Params{Algorithm: totp.SHA256, Digits: 8, Period: time.Minute},
			Enabled:        true,
			RecoveryHashes: hashes,
		}
	}
	same := func(a, b totp.Record) bool {
		return bytes.Equal(a.Secret, b.Secret) && a.Params == b.Params && a.Enabled == b.Enabled && slices.Equal(a.RecoveryHashes, b.RecoveryHashes)
	}

	t.Run("missing record", func(t *testing.T) {
		s := open(t)
		if _, err := s.Get(t.Context(), "nobody"); !errors.Is(err, totp.ErrNotEnrolled) {
			t.Errorf("Get of a missing record: %v, want ErrNotEnrolled", err)
		}
		if ok, err := s.UseRecoveryCode(t.Context(), "nobody", "h"); ok || err != nil {
			t.Errorf("UseRecoveryCode of a missing record = %v, %v; want false, nil", ok, err)
		}
		if err := s.Delete(t.Context(), "nobody"); err != nil {
			t.Errorf("Delete of a missing record: %v", err)
		}
	})

	t.Run("put, get, replace, delete", func(t *testing.T) {
		s := open(t)
		a, b := rec(), rec()
		b.Enabled, b.RecoveryHashes = false, nil
		if err := s.Put(t.Context(), "user-1", a); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(t.Context(), "user-1"); err != nil || !same(got, a) {
			t.Fatalf("Get after Put: %v; record differs", err)
		}
		if err := s.Put(t.Context(), "user-1", b); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(t.Context(), "user-1"); err != nil || !same(got, b) {
			t.Fatalf("Get after a second Put: %v; want the second record", err)
		}
		if _, err := s.Get(t.Context(), "user-2"); !errors.Is(err, totp.ErrNotEnrolled) {
			t.Errorf("another account: %v, want ErrNotEnrolled", err)
		}
		if err := s.Delete(t.Context(), "user-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(t.Context(), "user-1"); !errors.Is(err, totp.ErrNotEnrolled) {
			t.Errorf("Get after Delete: %v, want ErrNotEnrolled", err)
		}
	})

	t.Run("records are values", func(t *testing.T) {
		s := open(t)
		a := rec()
		want := a
		want.Secret, want.RecoveryHashes = slices.Clone(a.Secret), slices.Clone(a.RecoveryHashes)
		if err := s.Put(t.Context(), "user-1", a); err != nil {
			t.Fatal(err)
		}
		a.Secret[0] ^= 0xff
		a.RecoveryHashes[0] = "changed"
		got, _ := s.Get(t.Context(), "user-1")
		if !same(got, want) {
			t.Fatal("changing the record after Put changed the stored one")
		}
		got.Secret[0] ^= 0xff
		got.RecoveryHashes[0] = "changed"
		if again, _ := s.Get(t.Context(), "user-1"); !same(again, want) {
			t.Fatal("changing a record Get returned changed the stored one")
		}
	})

	t.Run("recovery codes are used once", func(t *testing.T) {
		s := open(t)
		a := rec()
		if err := s.Put(t.Context(), "user-1", a); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.UseRecoveryCode(t.Context(), "user-2", a.RecoveryHashes[1]); ok || err != nil {
			t.Errorf("another account's hash: %v, %v; want false", ok, err)
		}
		if ok, err := s.UseRecoveryCode(t.Context(), "user-1", "not-a-hash"); ok || err != nil {
			t.Errorf("unknown hash: %v, %v; want false", ok, err)
		}
		if ok, err := s.UseRecoveryCode(t.Context(), "user-1", a.RecoveryHashes[1]); !ok || err != nil {
			t.Fatalf("first use: %v, %v; want true", ok, err)
		}
		if ok, err := s.UseRecoveryCode(t.Context(), "user-1", a.RecoveryHashes[1]); ok || err != nil {
			t.Errorf("second use: %v, %v; want false", ok, err)
		}
		got, _ := s.Get(t.Context(), "user-1")
		want := []string{a.RecoveryHashes[0], a.RecoveryHashes[2]}
		if !slices.Equal(got.RecoveryHashes, want) || !bytes.Equal(got.Secret, a.Secret) || !got.Enabled {
			t.Errorf("after a use: hashes %d (want the other 2), the rest of the record kept: %v", len(got.RecoveryHashes), bytes.Equal(got.Secret, a.Secret))
		}
	})

	t.Run("parallel uses of one code: exactly one succeeds", func(t *testing.T) {
		s := open(t)
		a := rec()
		if err := s.Put(t.Context(), token.Subject("user-1"), a); err != nil {
			t.Fatal(err)
		}
		var wins, fails atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				ok, err := s.UseRecoveryCode(t.Context(), "user-1", a.RecoveryHashes[0])
				switch {
				case err != nil:
					fails.Add(1)
				case ok:
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || fails.Load() != 0 {
			t.Errorf("16 parallel uses: %d succeeded, %d failed; want exactly 1 and none", wins.Load(), fails.Load())
		}
	})
}
