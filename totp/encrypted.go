package totp

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/keycard-go/keycard/token"
)

// NewEncryptedStore returns a [Store] that keeps the TOTP secret of every record encrypted in
// inner: AES-256-GCM under key (32 bytes from a CSPRNG, kept out of the database, in a secret
// manager or the environment), with a fresh random nonce each time, and the account's subject
// as additional data, so that an encrypted secret copied to another account's row does not
// decrypt there. Everything else passes through unchanged (recovery codes are stored only as
// hashes already). A database dump without the key then holds no usable second factor.
//
// Records written before the store was wrapped do not decrypt: re-enrol, or encrypt them with
// a one-off migration. To rotate the key, decrypt with the old store and Put with the new one.
func NewEncryptedStore(inner Store, key []byte) (Store, error) {
	if inner == nil {
		return nil, errors.New("totp: nil store")
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("totp: encryption key of %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &encryptedStore{inner: inner, aead: aead}, nil
}

type encryptedStore struct {
	inner Store
	aead  cipher.AEAD
}

func aad(sub token.Subject) []byte { return append([]byte("keycard totp secret v1\x00"), sub...) }

func (s *encryptedStore) Get(ctx context.Context, sub token.Subject) (Record, error) {
	rec, err := s.inner.Get(ctx, sub)
	if err != nil {
		return rec, err
	}
	n := s.aead.NonceSize()
	if len(rec.Secret) < n+s.aead.Overhead() {
		return Record{}, fmt.Errorf("%w: stored secret is not encrypted", ErrInvalidSecret)
	}
	plain, err := s.aead.Open(nil, rec.Secret[:n], rec.Secret[n:], aad(sub))
	if err != nil {
		return Record{}, fmt.Errorf("%w: stored secret does not decrypt", ErrInvalidSecret)
	}
	rec.Secret = plain
	return rec, nil
}

func (s *encryptedStore) Put(ctx context.Context, sub token.Subject, rec Record) error {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(rec.Secret)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	rec = rec.clone()
	rec.Secret = s.aead.Seal(nonce, nonce, rec.Secret, aad(sub))
	return s.inner.Put(ctx, sub, rec)
}

func (s *encryptedStore) Delete(ctx context.Context, sub token.Subject) error {
	return s.inner.Delete(ctx, sub)
}

func (s *encryptedStore) UseRecoveryCode(ctx context.Context, sub token.Subject, hash string) (bool, error) {
	return s.inner.UseRecoveryCode(ctx, sub, hash)
}
