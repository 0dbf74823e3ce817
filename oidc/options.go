package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
)

// An Option configures [New]. An option given a value it cannot accept makes New fail.
type Option func(*config) error

// Defaults.
const (
	// DefaultPathPrefix is where the routes live: PREFIX/NAME/login, /callback and /logout.
	DefaultPathPrefix = "/auth"

	// DefaultTimeout bounds each call to a provider: discovery, the token request, the JWKS
	// fetch.
	DefaultTimeout = 10 * time.Second

	// FlowLifetime is how long a started sign-in stays valid: the user has this long at the
	// provider before the callback is refused.
	FlowLifetime = 10 * time.Minute
)

type config struct {
	providers      []*Provider
	prefix         string
	stateSecret    []byte
	once           middleware.OnceStore
	timeout        time.Duration
	transport      http.RoundTripper
	logger         zerolog.Logger
	loggerSet      bool
	failure        func(http.ResponseWriter, *http.Request, Failure)
	insecureCookie bool
	postLogout     string
	loginPath      string
	trustedOrigins []string
}

// WithProvider adds an identity provider. New needs at least one; names must be unique.
func WithProvider(p *Provider) Option {
	return func(c *config) error {
		if p == nil {
			return errors.New("oidc: nil provider")
		}
		c.providers = append(c.providers, p)
		return nil
	}
}

// WithPathPrefix sets where the routes live. Default [DefaultPathPrefix]. It must be a local
// path without a trailing slash, query or fragment. The provider must know each provider's
// callback URL: base URL + prefix + "/NAME/callback".
func WithPathPrefix(prefix string) Option {
	return func(c *config) error {
		if prefix == "" || middleware.SafeNext(prefix) != prefix || strings.HasSuffix(prefix, "/") ||
			strings.ContainsAny(prefix, "?#{}% ") {
			return fmt.Errorf("oidc: path prefix %q is not a local path", prefix)
		}
		c.prefix = prefix
		return nil
	}
}

// WithStateSecret sets the secret the state cookies are signed and encrypted with (two keys
// derived from it by HKDF-SHA256). It must be at least 32 bytes of random data, the same on every
// instance behind a load balancer (the callback may reach another instance than the login), and
// should differ from the session key. Default: keys drawn at random in [New], so that sign-ins in
// progress fail after a restart and across instances.
func WithStateSecret(secret []byte) Option {
	return func(c *config) error {
		if len(secret) < minSecretLen {
			return fmt.Errorf("oidc: state secret is %d bytes; it needs at least %d", len(secret), minSecretLen)
		}
		c.stateSecret = append([]byte(nil), secret...)
		return nil
	}
}

// WithOnceStore sets where used states are remembered until they expire ("oidc:" + the state
// token's ID, marked once the provider redeemed the code), so that a replayed callback is
// refused even with a copy of the state cookie.
// Default: [middleware.NewMemoryOnce], in this process's memory. Behind a load balancer, use a
// shared one (the redisstore module's Store), or a callback could be replayed against another
// instance within the ten minutes. A store that fails or is full makes the callback answer 503.
func WithOnceStore(store middleware.OnceStore) Option {
	return func(c *config) error {
		if store == nil {
			return errors.New("oidc: nil once store")
		}
		c.once = store
		return nil
	}
}

// WithTimeout bounds each call to a provider (discovery, token request, JWKS fetch). Default
// [DefaultTimeout]. A call that takes longer fails the sign-in with 504.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 || d > time.Minute {
			return fmt.Errorf("oidc: timeout %v not in (0, 1m]", d)
		}
		c.timeout = d
		return nil
	}
}

// WithTransport sets the HTTP transport for calls to providers, for a proxy or a private CA.
// Default: [http.DefaultTransport]. Redirects are never followed, responses are bounded in size
// and every call by [WithTimeout], whatever the transport.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("oidc: nil transport")
		}
		c.transport = rt
		return nil
	}
}

// WithLogger sets the logger for sign-in events. Default: a no-op logger; a zerolog logger in
// the request's context (hlog's, with its request ID) is used for that request's events.
// Events carry reason codes, never codes, states, nonces, tokens or secrets.
func WithLogger(l zerolog.Logger) Option {
	return func(c *config) error {
		c.logger, c.loggerSet = l, true
		return nil
	}
}

// WithFailurePage sets how a failed sign-in is answered to a browser, typically the login page
// again with f.Message. It must write the status f.Status. Default: a minimal HTML page with
// the message and a link back to the login page. Requests that do not accept HTML always get
// {"error": code} JSON.
func WithFailurePage(render func(w http.ResponseWriter, r *http.Request, f Failure)) Option {
	return func(c *config) error {
		if render == nil {
			return errors.New("oidc: nil failure page")
		}
		c.failure = render
		return nil
	}
}

// WithInsecureCookie drops Secure from the state cookies (and the __Host- prefix, which needs
// it), for development over plain HTTP on a host other than localhost, like
// [middleware.WithInsecureCookie]. Anyone on the network can then read the flow's secrets.
func WithInsecureCookie() Option {
	return func(c *config) error {
		c.insecureCookie = true
		return nil
	}
}

// WithPostLogoutPath sets where the provider sends the browser after RP-initiated logout
// ([Login.LogoutHandler]), and where logout goes when the provider has no end_session_endpoint.
// Default "/". The provider must know the resulting URL (base URL + path) as a post-logout
// redirect URI.
func WithPostLogoutPath(path string) Option {
	return func(c *config) error {
		if middleware.SafeNext(path) != path {
			return fmt.Errorf("oidc: post-logout path %q is not a local path", path)
		}
		c.postLogout = path
		return nil
	}
}

// WithTrustedOrigins adds origins allowed to send cross-origin logout requests, as
// [middleware.WithTrustedOrigins] does for the session's own logout. Default: none.
func WithTrustedOrigins(origins ...string) Option {
	return func(c *config) error {
		c.trustedOrigins = append(c.trustedOrigins, origins...)
		return nil
	}
}

// WithLoginPath sets the login page the default failure page links back to. Default
// [middleware.DefaultLoginPath].
func WithLoginPath(path string) Option {
	return func(c *config) error {
		if middleware.SafeNext(path) != path || strings.ContainsAny(path, "?#") {
			return fmt.Errorf("oidc: login path %q is not a local path", path)
		}
		c.loginPath = path
		return nil
	}
}
