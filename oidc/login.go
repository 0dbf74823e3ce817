package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Login is OpenID Connect sign-in into the sessions of payload T: for each provider a login
// route, a callback route that starts the session, and an optional RP-initiated logout route.
// Make one with [New]. A Login is immutable after New and safe for concurrent use; the zero
// value is not usable.
type Login[T any] struct {
	sessions *middleware.Sessions[T]
	link     LinkFunc[T]
	cfg      config
	base     string // the application's base URL, without trailing slash
	idps     []*idp
	byName   map[string]*idp
	state    *token.Codec[flowState]
	once     middleware.OnceStore
	client   *http.Client
	now      func() time.Time
	cop      *http.CrossOriginProtection
}

// idp is one configured provider and what the Login learned about it.
type idp struct {
	p           *Provider
	cookie      http.Cookie // the state cookie template: name and attributes, no value
	loginPath   string
	callback    string // path of the callback route
	logoutPath  string
	redirectURL string // absolute callback URL, the redirect_uri
	disc        discovery
}

// New returns the OpenID Connect sign-in of sessions, for the application served at baseURL
// (such as "https://app.example.com": the callback URLs are built from it, never from the
// request's Host header), with link mapping each verified identity to an account. It needs at
// least one [WithProvider]. baseURL must be https, or http for a loopback host or with
// [WithInsecureCookie]. New does not contact the providers: each one's discovery document is
// read on its first sign-in and kept.
//
// Times (state expiry, ID token checks) come from the sessions' codec clock ([token.WithClock]).
func New[T any](sessions *middleware.Sessions[T], baseURL string, link LinkFunc[T], opts ...Option) (*Login[T], error) {
	if sessions == nil {
		return nil, errors.New("oidc: nil sessions")
	}
	if link == nil {
		return nil, errors.New("oidc: nil link function")
	}
	cfg := config{
		prefix:     DefaultPathPrefix,
		timeout:    DefaultTimeout,
		logger:     zerolog.Nop(),
		postLogout: "/",
		loginPath:  middleware.DefaultLoginPath,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := checkBaseURL(baseURL, cfg.insecureCookie)
	if err != nil {
		return nil, err
	}
	if len(cfg.providers) == 0 {
		return nil, errors.New("oidc: no provider; add one with WithProvider")
	}
	l := &Login[T]{
		sessions: sessions,
		link:     link,
		cfg:      cfg,
		base:     base,
		byName:   make(map[string]*idp, len(cfg.providers)),
		once:     cfg.once,
		client:   newHTTPClient(cfg.transport, cfg.timeout),
		now:      sessions.Codec().Now,
		cop:      http.NewCrossOriginProtection(),
	}
	for _, p := range cfg.providers {
		if _, dup := l.byName[p.name]; dup {
			return nil, fmt.Errorf("oidc: two providers named %q", p.name)
		}
		cookie, err := stateCookieTemplate(p.name, cfg.insecureCookie)
		if err != nil {
			return nil, err
		}
		root := cfg.prefix + "/" + p.name
		ip := &idp{p: p, cookie: cookie, loginPath: root + "/login", callback: root + "/callback",
			logoutPath: root + "/logout", redirectURL: base + root + "/callback"}
		l.idps = append(l.idps, ip)
		l.byName[p.name] = ip
	}
	if l.state, err = newStateCodec(cfg.stateSecret, l.now); err != nil {
		return nil, err
	}
	clear(l.cfg.stateSecret)
	l.cfg.stateSecret = nil
	if l.once == nil {
		l.once = middleware.NewMemoryOnce(l.now)
	}
	for _, origin := range cfg.trustedOrigins {
		if err := l.cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("oidc: trusted origin: %w", err)
		}
	}
	if cfg.insecureCookie {
		cfg.logger.Warn().Msg("keycard: OpenID Connect state cookies without Secure: use only for development")
	}
	return l, nil
}

// checkBaseURL returns baseURL without a trailing slash, refusing what cannot be a redirect URI.
func checkBaseURL(baseURL string, insecure bool) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(baseURL, "#") ||
		(u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("oidc: base URL %q is not an absolute http(s) URL without query and fragment", baseURL)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) && !insecure {
		return "", fmt.Errorf("oidc: base URL %q must use https (http only for a loopback host, or with WithInsecureCookie)", baseURL)
	}
	return strings.TrimSuffix(baseURL, "/"), nil
}

// Register adds every provider's routes to mux: GET PREFIX/NAME/login, GET PREFIX/NAME/callback
// and POST PREFIX/NAME/logout ([DefaultPathPrefix] unless [WithPathPrefix]).
func (l *Login[T]) Register(mux *http.ServeMux) {
	for _, ip := range l.idps {
		mux.Handle("GET "+ip.loginPath, l.LoginHandler(ip.p.name))
		mux.Handle("GET "+ip.callback, l.CallbackHandler(ip.p.name))
		mux.Handle("POST "+ip.logoutPath, l.LogoutHandler(ip.p.name))
	}
}

// ProviderLink is what a login page needs to show one provider's "Sign in with ..." link.
type ProviderLink struct {
	Name        string // the provider's name
	DisplayName string // [WithDisplayName]
	URL         string // the login route, with next when one was given
}

// Providers returns a link for each provider, in the order they were added, that signs in and
// then goes to next ([middleware.SafeNext] applies; "" means "/"). With reauth, the links ask
// for a fresh authentication at the provider (see [Login.LoginHandler]): pass true when the
// login page was reached with reason=reauth.
func (l *Login[T]) Providers(next string, reauth bool) []ProviderLink {
	out := make([]ProviderLink, 0, len(l.idps))
	for _, ip := range l.idps {
		out = append(out, ProviderLink{Name: ip.p.name, DisplayName: ip.p.display, URL: loginURL(ip, next, reauth)})
	}
	return out
}

func loginURL(ip *idp, next string, reauth bool) string {
	q := url.Values{}
	if next = middleware.SafeNext(next); next != "/" {
		q.Set("next", next)
	}
	if reauth {
		q.Set("reason", "reauth")
	}
	if len(q) == 0 {
		return ip.loginPath
	}
	return ip.loginPath + "?" + q.Encode()
}

// provider returns the configured provider called name, panicking when there is none: asking
// for the handler of a provider that was not configured is a programming error at setup.
func (l *Login[T]) provider(name string) *idp {
	ip, ok := l.byName[name]
	if !ok {
		panic(fmt.Sprintf("oidc: no provider named %q", name))
	}
	return ip
}

// logger returns the request's zerolog logger when a middleware such as hlog attached one, and
// the configured logger otherwise.
func (l *Login[T]) logger(r *http.Request) *zerolog.Logger {
	if lg := zerolog.Ctx(r.Context()); lg != nil && lg.GetLevel() != zerolog.Disabled && lg != zerolog.DefaultContextLogger {
		return lg
	}
	return &l.cfg.logger
}
