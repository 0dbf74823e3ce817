package totp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Factor is the TOTP second factor of a [middleware.Sessions]: enrolment, verification with
// single use and throttling, recovery codes, and the HTTP handlers for them. Make one with
// [New]; the zero value is not usable. A Factor is immutable and safe for concurrent use.
type Factor[T any] struct {
	sessions *middleware.Sessions[T]
	store    Store
	payload  func(context.Context, token.Subject) (T, error)
	cfg      config
	account  func(*token.Claims[T]) string
}

// An Option configures [New]. An Option given a value it cannot accept makes New fail.
type Option func(*config) error

type config struct {
	issuer  string
	params  Params
	skew    int
	recent  time.Duration
	limiter middleware.Limiter
	once    middleware.OnceStore
	account any // func(*token.Claims[T]) string, checked in New
	page    func(http.ResponseWriter, *http.Request, Page)
}

// Defaults of [New].
const (
	// DefaultSkew is how many time steps either side of now a code may be from: one, so a
	// code typed as it changes, or on a phone whose clock is 30 seconds off, still works.
	DefaultSkew = 1

	// DefaultAttempts and DefaultWindow throttle code guesses per account: 5 in 15 minutes,
	// across pending logins and instances when the limiter is shared. A 6-digit code with a
	// window of three steps is guessed with 1 chance in 333,333 per try.
	DefaultAttempts = 5
	DefaultWindow   = middleware.DefaultLoginWindow

	// DefaultRecentAuth is how recently the user must have authenticated to enrol: to start
	// an enrolment, see its QR code or confirm it ([WithRecentAuth]).
	DefaultRecentAuth = 15 * time.Minute
)

// New returns the TOTP second factor of sessions, keeping records in store. payload returns
// the session payload of an account whose second step succeeds (the user's profile, as the
// login's authenticator returns it). [WithIssuer] is required: it is the name authenticator
// apps show. Hand [Required] (store) to [middleware.WithSecondFactor] so that the login asks
// for the second step. The clock is the sessions' codec's.
func New[T any](sessions *middleware.Sessions[T], store Store, payload func(ctx context.Context, sub token.Subject) (T, error), opts ...Option) (*Factor[T], error) {
	switch {
	case sessions == nil:
		return nil, errors.New("totp: nil sessions")
	case store == nil:
		return nil, errors.New("totp: nil store")
	case payload == nil:
		return nil, errors.New("totp: nil payload function")
	}
	cfg := config{skew: DefaultSkew, recent: DefaultRecentAuth}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.issuer == "" {
		return nil, errors.New("totp: WithIssuer is required: it is the name authenticator apps show for the account")
	}
	if cfg.limiter == nil {
		cfg.limiter = middleware.NewMemoryLimiter(DefaultAttempts, DefaultWindow, sessions.Codec().Now)
	}
	if cfg.once == nil {
		cfg.once = sessions.OnceStore()
	}
	f := &Factor[T]{sessions: sessions, store: store, payload: payload, cfg: cfg}
	f.account = func(c *token.Claims[T]) string { return string(c.Subject) }
	if cfg.account != nil {
		account, ok := cfg.account.(func(*token.Claims[T]) string)
		if !ok {
			return nil, fmt.Errorf("totp: WithAccountName function is %T, want func(*token.Claims[%T]) string", cfg.account, *new(T))
		}
		f.account = account
	}
	return f, nil
}

// WithIssuer sets the issuer of new enrolments: the name authenticator apps show above the
// account (the application's or company's name). Required. It must be printable, at most 256
// bytes, without a colon (which separates it from the account in the otpauth label).
func WithIssuer(name string) Option {
	return func(c *config) error {
		if name == "" || strings.Contains(name, ":") || !printableLabel(name) {
			return fmt.Errorf("totp: invalid issuer %q", truncate(name))
		}
		c.issuer = name
		return nil
	}
}

// WithParams sets the code parameters of new enrolments. Default: SHA1, 6 digits, 30 seconds,
// which every authenticator app supports; some ignore other values and then show wrong codes.
// Existing enrolments keep the parameters they were made with.
func WithParams(p Params) Option {
	return func(c *config) error {
		if err := p.Validate(); err != nil {
			return err
		}
		c.params = p
		return nil
	}
}

// WithSkew sets how many time steps either side of now a code may be from: 0 to 2. Default
// [DefaultSkew].
func WithSkew(steps int) Option {
	return func(c *config) error {
		if steps < 0 || steps > 2 {
			return fmt.Errorf("totp: skew %d not in [0, 2]", steps)
		}
		c.skew = steps
		return nil
	}
}

// WithRecentAuth sets how recently (by the session's auth_time) the user must have signed in
// to enrol: [Factor.EnrolHandler], [Factor.QRHandler] and [Factor.ConfirmHandler] answer older
// sessions 401 {"error":"reauth_required"} with WWW-Authenticate: Bearer
// error="insufficient_user_authentication", max_age=N (RFC 9470; a PageSetup with that error
// for forms): send the user to sign in again. Without this bound, whoever steals a session
// cookie could switch the second factor on with a secret of their own, keep the recovery
// codes, and lock the owner out. Default [DefaultRecentAuth]; at least a minute. Disabling the
// second factor and replacing recovery codes need a code, which is a fresh authentication.
func WithRecentAuth(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Minute {
			return fmt.Errorf("totp: recent auth %v below a minute", d)
		}
		c.recent = d
		return nil
	}
}

// WithLimiter sets the throttle of code guesses, which counts per account (hashed): TOTP codes
// and recovery codes apart. Default: a [middleware.MemoryLimiter] of [DefaultAttempts] in
// [DefaultWindow]. Behind a load balancer, use a shared one (the redisstore module's, with
// its own prefix or limit).
func WithLimiter(l middleware.Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("totp: nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithOnceStore sets the single-use store of accepted codes. Default: the sessions' own
// ([middleware.Sessions.OnceStore], set with [middleware.WithOnceStore]). Behind a load
// balancer it must be shared, or a code accepted by one instance works once more on each other.
func WithOnceStore(s middleware.OnceStore) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("totp: nil single-use store")
		}
		c.once = s
		return nil
	}
}

// WithAccountName sets the account label of new enrolments, which authenticator apps show
// under the issuer, from the enrolling user's session: typically the e-mail address. Default:
// the subject. T must be the sessions' payload type; New fails otherwise.
func WithAccountName[T any](name func(claims *token.Claims[T]) string) Option {
	return func(c *config) error {
		if name == nil {
			return errors.New("totp: nil account name function")
		}
		c.account = name
		return nil
	}
}

// WithPage sets how answers to form requests are rendered: the set-up page with the QR code,
// the recovery codes, a failed second step... (see [Page]). The function must write p.Status.
// Default: minimal HTML pages. JSON requests always get JSON.
func WithPage(render func(w http.ResponseWriter, r *http.Request, p Page)) Option {
	return func(c *config) error {
		if render == nil {
			return errors.New("totp: nil page renderer")
		}
		c.page = render
		return nil
	}
}
