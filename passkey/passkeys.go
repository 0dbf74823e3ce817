package passkey

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// RelyingParty is who the passkeys are for, fixed when [New] runs.
type RelyingParty struct {
	// ID is the RP ID: the domain passkeys are scoped to, such as "example.com" (serving
	// example.com and its subdomains) or "localhost". Browsers refuse an ID that is not the
	// page's host or a registrable suffix of it, and authenticators never use a passkey for
	// another ID. Required; changing it later orphans every registered passkey.
	ID string
	// Name is shown by some authenticators when creating a passkey ("Example Inc."). Required.
	Name string
	// Origins are the exact origins whose pages may run ceremonies, such as
	// "https://example.com" or "http://localhost:8080". Each must be https (or http on
	// localhost) with a host equal to ID or below it. At least one is required. A response made
	// on any other page (a phishing site, even on the same host with another port) is refused.
	Origins []string
}

// Passkeys serves WebAuthn registration and sign-in for the sessions of a [middleware.Sessions]:
// a successful passkey sign-in starts (or re-authenticates) a keycard session, or completes
// the second step of a sign-in that began with a password. Make one with [New] and mount
// [Passkeys.Handler].
//
// A Passkeys is immutable after New and safe for concurrent use.
type Passkeys[T any] struct {
	sessions *middleware.Sessions[T]
	store    Store
	users    Users[T]
	rp       RelyingParty
	rpIDHash [32]byte
	wa       *webauthn.WebAuthn
	state    *token.Codec[ceremony]
	cop      *http.CrossOriginProtection
	cfg      config
	handler  http.Handler
}

// New returns the passkey handlers of sessions for the relying party rp, keeping passkeys in
// store and looking users up with users. It checks the whole configuration and fails rather
// than run with a contradictory one (an origin outside the RP ID, plain HTTP off localhost).
func New[T any](sessions *middleware.Sessions[T], rp RelyingParty, store Store, users Users[T], opts ...Option) (*Passkeys[T], error) {
	if sessions == nil || store == nil || users == nil {
		return nil, errors.New("passkey: New needs sessions, a store and a user lookup")
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	rp, err := checkRelyingParty(rp)
	if err != nil {
		return nil, err
	}
	now := sessions.Codec().Now
	if cfg.once == nil {
		cfg.once = sessions.OnceStore()
	}
	if cfg.once == nil {
		cfg.once = middleware.NewMemoryOnce(now)
	}
	state, err := newStateCodec(cfg, now)
	if err != nil {
		return nil, err
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:                  rp.ID,
		RPDisplayName:         rp.Name,
		RPOrigins:             rp.Origins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: protocol.ResidentKeyRequired(),
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			UserVerification:   cfg.uv(),
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: cfg.timeout, TimeoutUVD: cfg.timeout},
			Registration: webauthn.TimeoutConfig{Timeout: cfg.timeout, TimeoutUVD: cfg.timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range rp.Origins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("passkey: origin %q: %w", o, err)
		}
	}
	p := &Passkeys[T]{
		sessions: sessions, store: store, users: users, rp: rp, rpIDHash: sha256.Sum256([]byte(rp.ID)),
		wa: wa, state: state, cop: cop, cfg: cfg,
	}
	p.handler = p.routes()
	return p, nil
}

// uv is the user verification requirement of every ceremony.
func (c *config) uv() protocol.UserVerificationRequirement {
	if c.uvPreferred {
		return protocol.VerificationPreferred
	}
	return protocol.VerificationRequired
}

// checkRelyingParty validates rp and returns it with the ID and origins in canonical form.
func checkRelyingParty(rp RelyingParty) (RelyingParty, error) {
	id := strings.ToLower(rp.ID)
	if err := protocol.ValidateRPID(id); err != nil || id == "" {
		return rp, fmt.Errorf("passkey: RP ID %q is not a domain (an IP address is not allowed): %v", rp.ID, err)
	}
	if strings.TrimSpace(rp.Name) == "" {
		return rp, errors.New("passkey: the relying party needs a Name")
	}
	if len(rp.Origins) == 0 {
		return rp, errors.New("passkey: the relying party needs at least one origin")
	}
	origins := make([]string, 0, len(rp.Origins))
	for _, o := range rp.Origins {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return rp, fmt.Errorf("passkey: origin %q is not scheme://host[:port]", o)
		}
		host := strings.ToLower(u.Hostname())
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && (host == "localhost" || strings.HasSuffix(host, ".localhost")):
		default:
			return rp, fmt.Errorf("passkey: origin %q is not https (browsers offer WebAuthn on plain http only for localhost)", o)
		}
		if host != id && !strings.HasSuffix(host, "."+id) {
			return rp, fmt.Errorf("passkey: origin %q is not on the RP ID %q or a subdomain of it", o, id)
		}
		origins = append(origins, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return RelyingParty{ID: id, Name: rp.Name, Origins: origins}, nil
}

// Handler returns the handler of every passkey route, to mount at the path prefix
// ([DefaultPathPrefix] unless [WithPathPrefix]):
//
//	mux.Handle("/passkey/", passkeys.Handler())
//
// The routes, each answering JSON (errors as {"error": code}) with Cache-Control: no-store:
//
//	POST   /passkey/register/options   creation options for navigator.credentials.create (signed in; body {"name"} optional)
//	POST   /passkey/register           the RegistrationResponseJSON; 201 with the new passkey (signed in)
//	POST   /passkey/login/options      request options for navigator.credentials.get
//	POST   /passkey/login[?next=/path] the AuthenticationResponseJSON; 200 {"subject","expires_at","redirect"}
//	GET    /passkey/credentials        the signed-in user's passkeys
//	PATCH  /passkey/credentials/{id}   {"name"}: rename one
//	DELETE /passkey/credentials/{id}   remove one
//
// Options are the JSON that PublicKeyCredential.parseCreationOptionsFromJSON and
// parseRequestOptionsFromJSON, and @simplewebauthn/browser's startRegistration and
// startAuthentication, take; responses are what PublicKeyCredential.toJSON() returns. Every
// state-changing route refuses cross-origin requests (403, [http.CrossOriginProtection]).
// Routes marked "signed in" answer 401 without a session. Bad input of any kind gets a 4xx and
// never a session; the reason is logged.
func (p *Passkeys[T]) Handler() http.Handler { return p.handler }
