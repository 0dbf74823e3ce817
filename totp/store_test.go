package totp_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/keycard-go/keycard/totp"
	"github.com/keycard-go/keycard/totp/totptest"
)

var encKey = []byte("0123456789abcdef0123456789abcdef")

func TestMemoryStore(t *testing.T) {
	totptest.RunStore(t, func(*testing.T) totp.Store { return totp.NewMemoryStore() })
}

func TestEncryptedStore(t *testing.T) {
	totptest.RunStore(t, func(t *testing.T) totp.Store {
		s, err := totp.NewEncryptedStore(totp.NewMemoryStore(), encKey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestEncryptedStoreAtRest(t *testing.T) {
	inner := totp.NewMemoryStore()
	s, err := totp.NewEncryptedStore(inner, encKey)
	if err != nil {
		t.Fatal(err)
	}
	secret := totp.GenerateSecret()
	if err := s.Put(t.Context(), "user-1", totp.Record{Secret: secret, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	raw, _ := inner.Get(t.Context(), "user-1")
	if bytes.Contains(raw.Secret, secret) || len(raw.Secret) <= len(secret) {
		t.Fatal("the inner store holds the secret in the clear")
	}
	// Moved to another account's row, the ciphertext does not decrypt.
	if err := inner.Put(t.Context(), "user-2", raw); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "user-2"); !errors.Is(err, totp.ErrInvalidSecret) {
		t.Errorf("secret moved to another account: %v, want ErrInvalidSecret", err)
	}
	// Under another key, nothing decrypts.
	other, _ := totp.NewEncryptedStore(inner, bytes.Repeat([]byte{7}, 32))
	if _, err := other.Get(t.Context(), "user-1"); !errors.Is(err, totp.ErrInvalidSecret) {
		t.Errorf("another key: %v, want ErrInvalidSecret", err)
	}
	// A record written in the clear before wrapping is refused, not taken as ciphertext.
	_ = inner.Put(t.Context(), "user-3", totp.Record{Secret: totp.Secret("short")})
	if _, err := s.Get(t.Context(), "user-3"); !errors.Is(err, totp.ErrInvalidSecret) {
		t.Errorf("plain record: %v, want ErrInvalidSecret", err)
	}
	for _, k := range [][]byte{nil, encKey[:16], append(encKey, 1)} {
		if _, err := totp.NewEncryptedStore(inner, k); err == nil {
			t.Errorf("key of %d bytes accepted", len(k))
		}
	}
	if _, err := totp.NewEncryptedStore(nil, encKey); err == nil {
		t.Error("nil store accepted")
	}
}
