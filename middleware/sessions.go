package middleware

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/token"
)

// Sessions is keycard's HTTP layer for sessions whose payload is T: middleware that verifies the
// session cookie, helpers to start and end sessions, and login and logout handlers.
//
// A Sessions is immutable after [New] and safe for concurrent use. The zero value is not usable.
type Sessions[T any] struct {
	codec  *token.Codec[T]
	cfg    config
	cookie http.Cookie // template: name and attributes, no value
	check  func(context.Context, *token.Claims[T]) error
	cache  *verifiedCache[T]
	cop    *http.CrossOriginProtection
	// revokeFor is how long a subject-wide revocation must be kept: every token issued up to
	// now, remembered ones included, expires within it. The margin covers the verifier's leeway.
	revokeFor time.Duration

	pcodec  *token.Codec[pendingClaims] // pending second-step credentials (pending.go)
	pcookie http.Cookie                 // their cookie's template
}

// revocationMargin covers the clock leeway a verifier may grant past a token's expiry.
const revocationMargin = 5 * time.Minute

// New returns the sessions of codec's tokens, configured by opts. It checks the whole
// configuration and fails rather than run with contradictory or weak settings: a __Host- cookie
// with a Domain, SameSite=None without Secure, an absolute lifetime shorter than a token's, a
// [WithCheck] for another payload type.
func New[T any](codec *token.Codec[T], opts ...Option) (*Sessions[T], error) {
	if codec == nil {
		return nil, errors.New("middleware: nil codec")
	}
	cfg := defaultConfig()
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("middleware: option %d is nil", i)
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.revocationFailOpen && cfg.revocation == nil {
		return nil, errors.New("middleware: WithRevocationFailOpen without WithRevocation: there is no revocation store to fail open")
	}
	if cfg.insecureCookie && !cfg.cookieNameSet {
		cfg.cookieName = "session"
	}
	s := &Sessions[T]{codec: codec, cfg: cfg, cache: newVerifiedCache[T](cfg.cacheSize)}
	if err := s.buildCookie(); err != nil {
		return nil, err
	}
	if cfg.absoluteLifetime < codec.Lifetime() {
		return nil, fmt.Errorf("middleware: absolute lifetime %v is shorter than the token lifetime %v", cfg.absoluteLifetime, codec.Lifetime())
	}
	if cfg.rememberLifetime < codec.Lifetime() {
		return nil, fmt.Errorf("middleware: remember-me lifetime %v is shorter than the token lifetime %v", cfg.rememberLifetime, codec.Lifetime())
	}
	if cfg.check != nil {
		check, ok := cfg.check.(func(context.Context, *token.Claims[T]) error)
		if !ok {
			return nil, fmt.Errorf("middleware: WithCheck function is %T, want func(context.Context, *token.Claims[%T]) error", cfg.check, *new(T))
		}
		s.check = check
	}
	if s.cfg.limiter == nil {
		s.cfg.limiter = NewMemoryLimiter(DefaultLoginAttempts, DefaultLoginWindow, codec.Now)
	}
	if s.cfg.clientIP == nil {
		s.cfg.clientIP = remoteHost
	}
	s.cop = http.NewCrossOriginProtection()
	for _, origin := range cfg.trustedOrigins {
		if err := s.cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("middleware: trusted origin: %w", err)
		}
	}
	s.revokeFor = max(codec.Lifetime(), cfg.rememberLifetime) + revocationMargin
	if err := s.setUpPending(); err != nil {
		return nil, err
	}
	if cfg.insecureCookie {
		cfg.logger.Warn().Str("cookie", cfg.cookieName).
			Msg("keycard: session cookie without Secure: it travels over plain HTTP and can be stolen on the network; use only for development")
	}
	return s, nil
}

// buildCookie builds the cookie template once and refuses contradictions that browsers would
// answer by silently dropping the cookie.
func (s *Sessions[T]) buildCookie() error {
	c := http.Cookie{
		Name:     s.cfg.cookieName,
		Value:    "x",
		Path:     "/",
		Domain:   s.cfg.cookieDomain,
		Secure:   !s.cfg.insecureCookie,
		HttpOnly: true,
		SameSite: s.cfg.sameSite,
	}
	switch {
	case strings.HasPrefix(c.Name, "__Host-") && !c.Secure:
		return fmt.Errorf("middleware: cookie %q needs Secure; choose another name with WithCookieName to go without", c.Name)
	case strings.HasPrefix(c.Name, "__Host-") && c.Domain != "":
		return fmt.Errorf("middleware: cookie %q cannot have a Domain; choose another name with WithCookieName", c.Name)
	case strings.HasPrefix(c.Name, "__Secure-") && !c.Secure:
		return fmt.Errorf("middleware: cookie %q needs Secure", c.Name)
	case c.SameSite == http.SameSiteNoneMode && !c.Secure:
		return errors.New("middleware: SameSite=None needs a Secure cookie")
	}
	if err := c.Valid(); err != nil {
		return fmt.Errorf("middleware: invalid cookie settings: %w", err)
	}
	c.Value = ""
	s.cookie = c
	return nil
}

// CookieName returns the session cookie's name: [DefaultCookieName] unless [WithCookieName]
// set another, or "session" with [WithInsecureCookie].
func (s *Sessions[T]) CookieName() string { return s.cookie.Name }

// Codec returns the token codec the sessions were built with.
func (s *Sessions[T]) Codec() *token.Codec[T] { return s.codec }

// logger returns the request's zerolog logger when a middleware such as hlog attached one (it
// carries the request ID), and the configured logger otherwise.
func (s *Sessions[T]) logger(r *http.Request) *zerolog.Logger {
	if l := zerolog.Ctx(r.Context()); l != nil && l.GetLevel() != zerolog.Disabled && l != zerolog.DefaultContextLogger {
		return l
	}
	return &s.cfg.logger
}

// remoteHost is the default client identity for login throttling: the IPv4 address of
// [http.Request.RemoteAddr], or the /64 network of an IPv6 one. A single IPv6 subscriber is
// routinely given a whole /64 (2^64 addresses), so counting per IPv6 address would give an
// attacker a fresh allowance of attempts on every address of it.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}
