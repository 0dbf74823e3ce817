package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

// ssoProvider is the provider of the -oidc-issuer, -oidc-client-id and -oidc-client-secret
// flags, called "sso" in routes: register http(s)://HOST:PORT/auth/sso/callback as its redirect
// URI and http(s)://HOST:PORT/ as its post-logout redirect URI.
func ssoProvider(issuer, clientID, secret string) (*oidc.Provider, error) {
	if clientID == "" {
		return nil, errors.New("-oidc-issuer needs -oidc-client-id")
	}
	opts := []oidc.ProviderOption{oidc.WithDisplayName(displayName(issuer))}
	if secret != "" {
		opts = append(opts, oidc.WithClientSecret(secret))
	}
	p, err := oidc.NewProvider("sso", issuer, clientID, opts...)
	if err != nil {
		return nil, fmt.Errorf("-oidc-issuer: %w", err)
	}
	return p, nil
}

// displayName names a provider after its issuer's host: "Sign in with accounts.google.com".
func displayName(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil || u.Hostname() == "" {
		return "SSO"
	}
	return u.Hostname()
}

// setupOIDC adds "Sign in with ..." for each configured provider: the routes under /auth/ and
// the identity table that maps a provider's (issuer, subject) to a user.
func (a *app) setupOIDC(cfg appConfig, mux *http.ServeMux, users *userStore) error {
	if len(cfg.providers) == 0 {
		return nil
	}
	opts := []oidc.Option{oidc.WithLogger(cfg.logger)}
	for _, p := range cfg.providers {
		opts = append(opts, oidc.WithProvider(p))
		a.formAction = append(a.formAction, originOf(p.Issuer()))
	}
	if cfg.insecureCookie {
		opts = append(opts, oidc.WithInsecureCookie())
	}
	ids := &identities{users: users, linked: make(map[identityKey]string)}
	login, err := oidc.New(a.sessions, cfg.baseURL, ids.link, opts...)
	if err != nil {
		return err
	}
	login.Register(mux)
	a.signin = login
	return nil
}

// identityKey is how a provider identifies a user: the subject is unique only within its issuer.
type identityKey struct{ issuer, subject string }

// identities links provider identities to the example's users. In a real application this is
// a table with a unique (issuer, subject) key next to the users table. Safe for concurrent use.
type identities struct {
	users *userStore

	mu     sync.Mutex
	linked map[identityKey]string // to the user's e-mail, the user table's key
}

// link is the [oidc.LinkFunc]. A known (issuer, subject) signs in its user. A new one is linked
// to the user with the same e-mail address, but only when the provider verified the address:
// otherwise anyone could register someone else's address at some provider and take over their
// account here. (Trust even a verified address only from providers you trust for it.) The
// e-mail address is never the key by itself.
func (s *identities) link(r *http.Request, id oidc.Identity) (token.Subject, Profile, error) {
	key := identityKey{id.Issuer, id.Subject}
	s.mu.Lock()
	email, ok := s.linked[key]
	s.mu.Unlock()
	if !ok {
		switch {
		case id.Email == "":
			return "", Profile{}, oidc.ErrUnknownIdentity
		case !id.EmailVerified:
			return "", Profile{}, oidc.ErrEmailNotVerified
		}
		email = id.Email
	}
	acct, err := s.users.find(r.Context(), email)
	if errors.Is(err, middleware.ErrNoAccount) {
		return "", Profile{}, fmt.Errorf("%w: no user has %s's address", oidc.ErrUnknownIdentity, id.Provider)
	}
	if err != nil {
		return "", Profile{}, err
	}
	if !ok {
		s.mu.Lock()
		s.linked[key] = email
		s.mu.Unlock()
	}
	p := acct.Payload
	p.IdP = id.Provider
	return acct.Subject, p, nil
}

// originOf returns scheme://host of an absolute URL, for the content security policy.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// formActions is the CSP form-action list: the page itself, and the providers, since logging
// out through a provider is a form POST that redirects there.
func formActions(extra []string) string {
	return strings.TrimSpace("'self' " + strings.Join(extra, " "))
}
