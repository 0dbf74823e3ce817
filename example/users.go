package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// The demo account, stated on the login page and in the log at start-up.
const (
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
	demoName     = "Demo User"
)

// Profile is the session payload: what every request learns about the signed-in user without a
// database round trip. It travels in the signed (not encrypted) token, so keep it small and
// free of secrets.
type Profile struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	IdP   string `json:"idp,omitempty"` // the identity provider signed in with (oidc.go), if any
}

// user is one row of the user table.
type user struct {
	id           token.Subject
	email        string
	name         string
	passwordHash string // bcrypt; the plaintext is never stored
}

// userStore is a tiny in-memory user table. In a real application this is your database: the
// login handler only needs find, which maps an e-mail address to an account with its bcrypt
// hash. It is safe for concurrent use.
type userStore struct {
	hasher *password.Hasher

	mu      sync.RWMutex
	byEmail map[string]user
}

func newUserStore(h *password.Hasher) *userStore {
	return &userStore{hasher: h, byEmail: make(map[string]user)}
}

// add registers a user, hashing the password with bcrypt.
func (s *userStore) add(ctx context.Context, id token.Subject, email, name, pw string) error {
	hash, err := s.hasher.Hash(ctx, []byte(pw))
	if err != nil {
		return fmt.Errorf("hash password of %s: %w", email, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byEmail[normalizeEmail(email)] = user{id: id, email: email, name: name, passwordHash: hash}
	return nil
}

// find is the lookup function for [middleware.PasswordAuthenticator]: it returns
// [middleware.ErrNoAccount] for an unknown address, and the authenticator then spends a dummy
// bcrypt comparison so that timing does not tell which addresses have accounts.
func (s *userStore) find(_ context.Context, email string) (middleware.Account[Profile], error) {
	s.mu.RLock()
	u, ok := s.byEmail[normalizeEmail(email)]
	s.mu.RUnlock()
	if !ok {
		return middleware.Account[Profile]{}, middleware.ErrNoAccount
	}
	return middleware.Account[Profile]{
		Subject:      u.id,
		PasswordHash: u.passwordHash,
		Payload:      Profile{Email: u.email, Name: u.name},
	}, nil
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
