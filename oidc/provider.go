package oidc

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Provider is one OpenID provider the application accepts, and the client registered there:
// its issuer URL (found by discovery), the client ID and secret, scopes and allowed algorithms.
// Make one with [NewProvider] and give it to [New] with [WithProvider]. A Provider is immutable
// and safe for concurrent use; the zero value is not usable.
type Provider struct {
	name         string
	display      string
	issuer       string
	clientID     string
	clientSecret string
	scopes       []string
	algorithms   []string
	authParams   [][2]string
	maxAge       time.Duration
	maxAgeSet    bool
}

// A ProviderOption configures [NewProvider]. An option given a value it cannot accept makes
// NewProvider fail.
type ProviderOption func(*Provider) error

// defaultScopes are requested unless [WithScopes] adds others: the ID token then carries the
// e-mail address, whether the provider verified it, and the user's name.
var defaultScopes = []string{"openid", "email", "profile"}

// allowedAlgorithms are the ID token signature algorithms accepted, when the provider announces
// them (id_token_signing_alg_values_supported): asymmetric ones only, checked against the
// provider's published keys. "none" and HMAC (keyed with the client secret) never are.
var allowedAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// reservedParams are the authorization request parameters the flow sets itself.
var reservedParams = []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state",
	"nonce", "code_challenge", "code_challenge_method", "max_age", "request", "request_uri"}

// NewProvider returns the provider called name (it names the routes, /auth/NAME/login, and the
// state cookie: 1 to 32 lower-case letters, digits and dashes), whose issuer is issuer (the
// exact "iss" its ID tokens carry; the discovery document is read from
// issuer/.well-known/openid-configuration on first use, not here), where the application is
// registered as clientID. The issuer must be an https URL without query or fragment; http is
// accepted only for a loopback host (127.0.0.1, [::1], localhost), for development and tests.
func NewProvider(name, issuer, clientID string, opts ...ProviderOption) (*Provider, error) {
	if !validName(name) {
		return nil, fmt.Errorf("oidc: provider name %q: use 1 to 32 lower-case letters, digits and dashes", name)
	}
	if err := checkIssuer(issuer); err != nil {
		return nil, err
	}
	if clientID == "" || !visibleASCII(clientID) {
		return nil, fmt.Errorf("oidc: provider %s: empty or invalid client ID", name)
	}
	p := &Provider{name: name, display: name, issuer: issuer, clientID: clientID,
		scopes: slices.Clone(defaultScopes), algorithms: slices.Clone(allowedAlgorithms)}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(p); err != nil {
			return nil, fmt.Errorf("oidc: provider %s: %w", name, err)
		}
	}
	return p, nil
}

// WithClientSecret sets the client secret, sent to the token endpoint (HTTP Basic or form
// parameters, whichever the provider accepts). Default: none, for a public client, which PKCE
// protects. The secret never appears in logs or errors.
func WithClientSecret(secret string) ProviderOption {
	return func(p *Provider) error {
		if secret == "" || !visibleASCII(secret) {
			return errors.New("empty or invalid client secret")
		}
		p.clientSecret = secret
		return nil
	}
}

// WithDisplayName sets the name shown to users ("Sign in with Google"). Default: the
// provider's name.
func WithDisplayName(display string) ProviderOption {
	return func(p *Provider) error {
		if strings.TrimSpace(display) == "" || len(display) > 64 {
			return errors.New("display name must be 1 to 64 characters")
		}
		p.display = display
		return nil
	}
}

// WithScopes adds scopes to the default ones, "openid email profile" ("openid" is always
// requested).
func WithScopes(scopes ...string) ProviderOption {
	return func(p *Provider) error {
		for _, s := range scopes {
			if s == "" || !visibleASCII(s) || strings.ContainsAny(s, `"\`) {
				return fmt.Errorf("invalid scope %q", s)
			}
			if !slices.Contains(p.scopes, s) {
				p.scopes = append(p.scopes, s)
			}
		}
		return nil
	}
}

// WithAlgorithms restricts the ID token signature algorithms to algs, among RS256, RS384,
// RS512, PS256, PS384, PS512, ES256, ES384, ES512 and EdDSA. Default: all of these; of them,
// only those the provider announces are accepted. "none" and the HMAC algorithms (keyed with
// the client secret) are never accepted.
func WithAlgorithms(algs ...string) ProviderOption {
	return func(p *Provider) error {
		if len(algs) == 0 {
			return errors.New("WithAlgorithms needs at least one algorithm")
		}
		for _, a := range algs {
			if !slices.Contains(allowedAlgorithms, a) {
				return fmt.Errorf("algorithm %q not allowed: choose among %v", a, allowedAlgorithms)
			}
		}
		p.algorithms = slices.Clone(algs)
		return nil
	}
}

// WithAuthParam adds a parameter to the authorization request, such as prompt=select_account
// or Google's hd=example.com (which only preselects: check the domain in your [LinkFunc]).
// Parameters the flow sets itself (state, nonce, redirect_uri, scope, ...) are refused.
func WithAuthParam(name, value string) ProviderOption {
	return func(p *Provider) error {
		if name == "" || !visibleASCII(name) || slices.Contains(reservedParams, name) {
			return fmt.Errorf("authorization parameter %q is reserved or invalid", name)
		}
		p.authParams = append(p.authParams, [2]string{name, value})
		return nil
	}
}

// WithMaxAge asks the provider to have the user authenticate again when their last
// authentication there is older than d (the max_age parameter; 0 forces a fresh login), and
// refuses ID tokens without an auth_time or with an older one. Default: none; the provider may
// then sign the user in from its own session of any age, and auth_time is used when present.
func WithMaxAge(d time.Duration) ProviderOption {
	return func(p *Provider) error {
		if d < 0 {
			return fmt.Errorf("negative max age %v", d)
		}
		p.maxAge, p.maxAgeSet = d.Truncate(time.Second), true
		return nil
	}
}

// Name returns the provider's name, as used in routes and logs.
func (p *Provider) Name() string { return p.name }

// DisplayName returns the name to show users ([WithDisplayName]).
func (p *Provider) DisplayName() string { return p.display }

// Issuer returns the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// checkIssuer refuses issuers that cannot be trusted: not https (except loopback), with
// credentials, a query or a fragment (OpenID Connect Discovery section 3).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(issuer, "#") {
		return fmt.Errorf("oidc: issuer %q is not an absolute URL without query and fragment", issuer)
	}
	return checkEndpoint("issuer", u)
}

// checkEndpoint requires https, or http to a loopback host.
func checkEndpoint(what string, u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("oidc: %s %q must use https (http only for a loopback host)", what, u.Redacted())
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validName reports whether name is 1 to 32 of [a-z0-9-].
func validName(name string) bool {
	if len(name) == 0 || len(name) > 32 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// visibleASCII reports whether s is printable ASCII without spaces.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
