package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/token"
)

// An Option configures [New]. Options are checked when New runs; an option given a value it
// cannot accept makes New fail rather than fall back to something weaker.
type Option func(*config) error

// Defaults.
const (
	// DefaultCookieName is the session cookie's name. The __Host- prefix makes browsers refuse
	// the cookie unless it is Secure, has Path=/ and no Domain, so a sibling subdomain cannot
	// plant or overwrite it.
	DefaultCookieName = "__Host-session"

	// DefaultLoginPath is where unauthenticated browsers are sent.
	DefaultLoginPath = "/login"

	// DefaultRefreshAfter is the share of a token's lifetime after which a request renews it.
	DefaultRefreshAfter = 0.5

	// DefaultAbsoluteLifetime bounds a session from login, however often it is renewed.
	DefaultAbsoluteLifetime = 7 * 24 * time.Hour

	// DefaultMaxLoginBody bounds a login request's body.
	DefaultMaxLoginBody = 8 << 10
)

type config struct {
	cookieName     string
	cookieNameSet  bool
	cookieDomain   string
	sameSite       http.SameSite
	insecureCookie bool

	loginPath       string
	identifierField string
	maxLoginBody    int64
	loginForm       func(http.ResponseWriter, *http.Request, LoginFailure)
	unauthorized    func(http.ResponseWriter, *http.Request, error)
	trustedOrigins  []string
	clientIP        func(*http.Request) string

	logger zerolog.Logger

	refreshAfter     float64
	absoluteLifetime time.Duration

	revocation         RevocationStore
	revocationFailOpen bool
	limiter            Limiter
	check              any // func(context.Context, *token.Claims[T]) error, checked in New

	cacheSize int

	events           func(context.Context, Event)
	registry         SessionRegistry
	maxSessions      int
	rememberField    string
	rememberLifetime time.Duration

	pending pendingConfig
}

func defaultConfig() config {
	return config{
		cookieName:       DefaultCookieName,
		sameSite:         http.SameSiteLaxMode,
		loginPath:        DefaultLoginPath,
		identifierField:  "email",
		maxLoginBody:     DefaultMaxLoginBody,
		logger:           zerolog.Nop(),
		refreshAfter:     DefaultRefreshAfter,
		absoluteLifetime: DefaultAbsoluteLifetime,
		cacheSize:        DefaultCacheSize,
		rememberField:    DefaultRememberField,
		rememberLifetime: DefaultRememberLifetime,
		maxSessions:      DefaultMaxSessions,
		pending:          pendingConfig{lifetime: DefaultPendingLifetime, tries: DefaultPendingTries},
	}
}

// WithCookieName sets the session cookie's name. Default [DefaultCookieName]. A name starting
// with "__Host-" requires a Secure cookie without Domain; "__Secure-" requires Secure.
func WithCookieName(name string) Option {
	return func(c *config) error {
		if name == "" || !validCookieName(name) {
			return fmt.Errorf("middleware: invalid cookie name %q", name)
		}
		c.cookieName, c.cookieNameSet = name, true
		return nil
	}
}

// WithCookieDomain sets the cookie's Domain attribute, sharing the session with subdomains.
// Default: none (host-only), which is safer: every subdomain that shares the cookie can read
// and plant it. It contradicts the default __Host- name, so it needs [WithCookieName] too.
func WithCookieDomain(domain string) Option {
	return func(c *config) error {
		if domain == "" {
			return errors.New("middleware: empty cookie domain")
		}
		c.cookieDomain = domain
		return nil
	}
}

// WithSameSite sets the cookie's SameSite attribute. Default [http.SameSiteLaxMode], which
// keeps the session on top-level navigations from other sites (links into the app work) and
// off cross-site subrequests. [http.SameSiteNoneMode] requires a Secure cookie.
func WithSameSite(mode http.SameSite) Option {
	return func(c *config) error {
		switch mode {
		case http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode:
			c.sameSite = mode
			return nil
		}
		return fmt.Errorf("middleware: unsupported SameSite mode %d", mode)
	}
}

// WithInsecureCookie drops the Secure attribute so the session cookie also travels over plain
// HTTP. It is for development on a host other than localhost only: browsers already accept
// Secure cookies from http://localhost, so local development needs no option at all. Anyone on
// the network path can read an insecure cookie and take over the session. New logs a warning
// when this option is used. Unless [WithCookieName] says otherwise, the cookie is then named
// "session", since the __Host- prefix requires Secure.
func WithInsecureCookie() Option {
	return func(c *config) error {
		c.insecureCookie = true
		return nil
	}
}

// WithLoginPath sets where browsers without a session are redirected and where logout sends
// them. Default [DefaultLoginPath]. It must be a local path ("/signin"): printable ASCII (percent-
// encode anything else), without a query, a fragment, a space or a double quote, since it is
// sent as it is in Location, HX-Redirect and the quoted form-action of WWW-Authenticate.
func WithLoginPath(path string) Option {
	return func(c *config) error {
		if why := loginPathProblem(path); why != "" {
			return fmt.Errorf("middleware: login path %q: %s", path, why)
		}
		c.loginPath = path
		return nil
	}
}

// loginPathProblem says what is wrong with a login path, or "" when it is fine.
func loginPathProblem(path string) string {
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c >= 0x80:
			return "contains non-ASCII characters; percent-encode them (url.PathEscape each segment)"
		case c == ' ':
			return "contains a space; percent-encode it as %20"
		case c < ' ' || c == 0x7f:
			return "contains a control character"
		case c == '"':
			return "contains a double quote, which would end WWW-Authenticate's quoted form-action"
		case c == '?':
			return "has a query; the middleware adds ?next= itself"
		case c == '#':
			return "has a fragment"
		}
	}
	if !isSafeNext(path) {
		return `is not a local path: it must start with a single "/" (not "//" or "/\"), without "." or ".." segments`
	}
	return ""
}

// WithLogger sets the logger for session and login events. Default: a no-op logger. When a
// request's context carries a zerolog logger (as [github.com/rs/zerolog/hlog] middleware
// attaches, with its request ID), that one is used for the request's events. Events carry
// reason codes, never tokens, cookies, passwords, hashes or keys.
func WithLogger(l zerolog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithRefreshAfter sets the share of a token's lifetime after which a request that presents it
// receives a renewed token (rolling session). Default [DefaultRefreshAfter]. It must be in
// (0, 1]; 1 turns rolling off, as a token is never both valid and fully used.
func WithRefreshAfter(share float64) Option {
	return func(c *config) error {
		if !(share > 0 && share <= 1) {
			return fmt.Errorf("middleware: refresh share %v not in (0, 1]", share)
		}
		c.refreshAfter = share
		return nil
	}
}

// WithAbsoluteLifetime bounds every session from the moment of login, however often it is
// renewed. Default [DefaultAbsoluteLifetime]. It must be at least the token lifetime.
func WithAbsoluteLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("middleware: absolute lifetime %v not positive", d)
		}
		c.absoluteLifetime = d
		return nil
	}
}

// WithRevocation makes logout revoke sessions and every request consult store. Default: no
// store; logout then only clears the cookie, and a copied token stays valid until it expires.
// When the store fails, the request is treated as unauthenticated (fail closed) and the failure
// is logged, unless [WithRevocationFailOpen] says otherwise.
func WithRevocation(store RevocationStore) Option {
	return func(c *config) error {
		if store == nil {
			return errors.New("middleware: nil revocation store")
		}
		c.revocation = store
		return nil
	}
}

// WithRevocationFailOpen makes requests pass when the revocation store cannot be reached,
// instead of failing closed. Availability wins over revocation: while the store is down, a
// logged-out token works again until it expires. Each such pass is logged at error level. It
// needs [WithRevocation]; [New] refuses it alone, since it would do nothing.
func WithRevocationFailOpen() Option {
	return func(c *config) error {
		c.revocationFailOpen = true
		return nil
	}
}

// WithLimiter sets the login throttle. Default: a [MemoryLimiter] allowing
// [DefaultLoginAttempts] per account and client address and [DefaultClientAttempts] failed
// attempts per client address across accounts in [DefaultLoginWindow], holding at most
// [DefaultLimiterEntries] entries. Behind a load balancer, share the counts (redisstore).
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("middleware: nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithCheck adds a full check that runs after a token verifies and is not revoked, such as "is
// this account still active?". Its result is cached for the request like the token's. A non-nil
// error rejects the session with [ErrRejected]; the check's error goes to the log only. Default:
// none (the optimistic check: a valid signature is enough).
func WithCheck[T any](check func(ctx context.Context, claims *token.Claims[T]) error) Option {
	return func(c *config) error {
		if check == nil {
			return errors.New("middleware: nil check")
		}
		c.check = check
		return nil
	}
}

// WithUnauthorizedHandler replaces the answer to a request without a valid session (the 303
// redirect or the 401). err says why; match it with [errors.Is] and never send it to the
// client. A cookie to clear has been set on w already.
func WithUnauthorizedHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(c *config) error {
		if h == nil {
			return errors.New("middleware: nil unauthorized handler")
		}
		c.unauthorized = h
		return nil
	}
}

// WithTrustedOrigins adds origins (such as "https://app.example.com") allowed to send
// cross-origin login and logout requests. Default: none; same-origin requests are always
// allowed. See [http.CrossOriginProtection].
func WithTrustedOrigins(origins ...string) Option {
	return func(c *config) error {
		c.trustedOrigins = append(c.trustedOrigins, origins...)
		return nil
	}
}

// WithClientIP sets how the login throttle identifies a client. Default: the host part of
// [http.Request.RemoteAddr], an IPv4 address or the /64 network of an IPv6 one (an IPv6 client
// commonly holds a whole /64). Behind a reverse proxy, return the address the proxy reports,
// and only from a proxy you trust: a client can write any X-Forwarded-For it likes; for IPv6,
// return its /64 network rather than the address. The client is what the per-client budget
// ([DefaultClientAttempts]) counts: a coarser identity, such as an IPv6 /56 or /48, makes an
// attacker's many networks count as fewer clients, at the price of users who share one.
func WithClientIP(f func(*http.Request) string) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("middleware: nil client IP function")
		}
		c.clientIP = f
		return nil
	}
}

// WithIdentifierField sets the name of the login form's or JSON body's account field.
// Default "email". The password field is always "password", the redirect target "next".
func WithIdentifierField(name string) Option {
	return func(c *config) error {
		if name == "" || name == "password" || name == "next" || name == c.rememberField {
			return fmt.Errorf("middleware: invalid identifier field %q", name)
		}
		c.identifierField = name
		return nil
	}
}

// WithMaxLoginBody bounds the size of a login request's body. Default [DefaultMaxLoginBody].
// Larger bodies are refused with 413.
func WithMaxLoginBody(n int64) Option {
	return func(c *config) error {
		if n < 256 {
			return fmt.Errorf("middleware: login body limit %d below 256 bytes", n)
		}
		c.maxLoginBody = n
		return nil
	}
}

// WithLoginForm sets how a failed form login is answered, typically by rendering the login page
// again with a message. The function must write the status f.Status (401, 429, ...); headers
// such as Retry-After and Cache-Control are set already. Default: a minimal HTML page with the
// generic message and a link back to the login path. JSON logins always get JSON.
func WithLoginForm(render func(w http.ResponseWriter, r *http.Request, f LoginFailure)) Option {
	return func(c *config) error {
		if render == nil {
			return errors.New("middleware: nil login form renderer")
		}
		c.loginForm = render
		return nil
	}
}

// WithCache sets how many verified tokens the middleware remembers, so that a signed-in user's
// next requests skip the signature check and the JSON decoding. Default [DefaultCacheSize];
// 0 turns the cache off. Entries never outlive their token, revocation is checked on every
// request regardless, and the cache is dropped when the key set changes.
func WithCache(entries int) Option {
	return func(c *config) error {
		if entries < 0 {
			return fmt.Errorf("middleware: negative cache size %d", entries)
		}
		c.cacheSize = entries
		return nil
	}
}

// validCookieName reports whether name is an RFC 6265 token.
func validCookieName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
