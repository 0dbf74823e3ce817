package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Pending is a login waiting for its second step: the first factor (a password, say) was
// correct for an account that has a second factor, and the client holds a pending credential
// for it in its own cookie. A Pending is not a session: [Sessions.RequireSession],
// [Sessions.LoadSession] and [Sessions.Current] never accept its credential, even when it is
// copied into the session cookie.
//
// Methods that return a Pending give the caller its own copy; it is not safe for concurrent use.
type Pending struct {
	// Subject is the account the first factor proved.
	Subject token.Subject
	// Methods are the first factor's authentication methods (amr values, such as
	// [AMRPassword]).
	Methods []string
	// Attempt identifies this login attempt: random, the same for every credential the
	// attempt rotates through. Bind second-step state (a passkey challenge, say) to it.
	Attempt string
	// ExpiresAt is when the attempt ends, however many tries are left.
	ExpiresAt time.Time
	// TriesLeft is how many second-step tries the attempt has left: before this try for
	// [Sessions.Pending], after it for [Sessions.TryPending]. At zero the attempt is over.
	TriesLeft int
	// Remember is the "remember me" choice of the first step, when it made one.
	Remember, RememberSet bool

	owner any  // the Sessions that read it
	tried bool // from TryPending: this try is counted and may complete the login
	done  bool // CompletePending ran
}

// EventLoginPending is the [Event] of a first factor that was accepted for an account that needs
// a second step ([Sessions.StartPending] from the login handler): no session yet.
const EventLoginPending = "login.pending"

// A PendingOption configures one call of [Sessions.StartPending].
type PendingOption func(*pendingClaims)

// PendingRemember carries the first step's "remember me" choice to the session the second step
// starts.
func PendingRemember(remember bool) PendingOption {
	return func(c *pendingClaims) { c.Remember = &remember }
}

// StartPending records that sub passed the first factor, whose methods (amr values, at least
// one) are given, and sets the pending cookie on w: a credential good for [WithPendingLifetime]
// (default [DefaultPendingLifetime]) and [WithPendingTries] second-step tries (default
// [DefaultPendingTries]). It does not start a session; a second step does, through
// [Sessions.TryPending] and [Sessions.CompletePending]. A pending login the request carried
// is replaced. Safe for concurrent use.
//
// [Sessions.LoginHandler] calls it when [WithSecondFactor] says the account needs a second
// step; other first factors (an SSO callback, say) may call it the same way.
func (s *Sessions[T]) StartPending(w http.ResponseWriter, r *http.Request, sub token.Subject, methods []string, opts ...PendingOption) (*Pending, error) {
	if err := checkMethods(methods); err != nil {
		return nil, err
	}
	now := s.codec.Now()
	pc := pendingClaims{
		Methods: slices.Compact(slices.Clone(methods)),
		Tries:   s.cfg.pending.tries,
		Until:   now.Add(s.cfg.pending.lifetime).UnixMilli(),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&pc)
		}
	}
	raw, claims, err := s.pendingCodec().Issue(sub, pc)
	if err != nil {
		return nil, err
	}
	if err := s.setPendingCookie(w, raw, pc.until()); err != nil {
		return nil, err
	}
	return s.newPending(claims, pc.Tries), nil
}

// Pending returns r's pending login without counting a try: for the second-step page, or to
// build a challenge for the account. It fails with [ErrNoPending], [ErrPendingInvalid] or
// [ErrPendingExpired] (see [PendingFailure] for the answer to give). Safe for concurrent use.
func (s *Sessions[T]) Pending(r *http.Request) (*Pending, error) {
	claims, err := s.readPending(r)
	if err != nil {
		return nil, err
	}
	return s.newPending(claims, claims.Payload.Tries), nil
}

// TryPending counts one second-step try of r's pending login and returns it: call it once the
// request is well-formed (a code of the right shape, say) and before checking the second
// factor, then [Sessions.CompletePending] if the factor is right. A wrong factor needs nothing
// more: the try is counted already.
//
// The credential the request presented is used up: w gets a fresh one with one try less, or,
// after the last try, the pending cookie is cleared (Pending.TriesLeft is then zero). Each
// credential is good for one try, checked in the [OnceStore] ([WithOnceStore]): a credential
// replayed (by a second tab, a retry, an attacker who copied it) fails with
// [ErrPendingReplayed] and cannot reset the count of tries. Other errors are those of
// [Sessions.Pending], and [ErrPendingUnavailable] when the store fails (fail closed).
// Safe for concurrent use.
func (s *Sessions[T]) TryPending(w http.ResponseWriter, r *http.Request) (*Pending, error) {
	claims, err := s.readPending(r)
	if err != nil {
		if errors.Is(err, ErrPendingExpired) || errors.Is(err, ErrPendingInvalid) {
			s.clearPendingCookie(w)
		}
		return nil, err
	}
	if err := s.useOnce(r.Context(), "pending:try:"+string(claims.ID), claims.Expiry.Add(pendingMargin)); err != nil {
		// A replay leaves the cookie alone: the browser may hold a newer credential already.
		return nil, err
	}
	left := claims.Payload.Tries - 1
	if left > 0 {
		next := *claims
		next.Payload.Tries = left
		raw, _, err := s.pendingCodec().Renew(&next)
		if err == nil {
			err = s.setPendingCookie(w, raw, claims.Payload.until())
		}
		if err != nil {
			return nil, err
		}
	} else {
		s.clearPendingCookie(w)
	}
	p := s.newPending(claims, left)
	p.tried = true
	return p, nil
}

// CompletePending turns a pending login whose second step succeeded into a session: p must come
// from [Sessions.TryPending] on this request, methods are the second factor's (such as
// [AMROTP]). It clears the pending cookie and starts a new session of p.Subject with payload
// ([Sessions.Start], always with a new session ID, even when the request carries a session of
// the same user), whose amr records the first factor's methods, the second's and
// [AMRMultiFactor] ("pwd otp mfa"), and the first step's "remember me" choice; it emits
// [EventLoginSucceeded]. An attempt completes once: a second completion fails with
// [ErrPendingReplayed]. Safe for concurrent use.
func (s *Sessions[T]) CompletePending(w http.ResponseWriter, r *http.Request, p *Pending, payload T, methods ...string) (*token.Claims[T], error) {
	switch {
	case p == nil || p.owner != any(s) || !p.tried:
		return nil, errors.New("middleware: CompletePending needs the Pending that TryPending returned for this request")
	case p.done:
		return nil, fmt.Errorf("%w: CompletePending called twice", ErrPendingReplayed)
	}
	if err := checkMethods(methods); err != nil {
		return nil, err
	}
	if err := s.useOnce(r.Context(), "pending:done:"+p.Attempt, p.ExpiresAt.Add(pendingMargin)); err != nil {
		return nil, err
	}
	p.done = true
	s.clearPendingCookie(w)
	opts := []StartOption{AuthMethods(p.Methods...), AuthMethods(methods...), AuthMethods(AMRMultiFactor), newSession()}
	if p.RememberSet {
		opts = append(opts, RememberMe(p.Remember))
	}
	claims, err := s.Start(w, r, p.Subject, payload, opts...)
	if err != nil {
		return nil, err
	}
	e := s.sessionEvent(r, EventLoginSucceeded, claims)
	s.Emit(r.Context(), e)
	return claims, nil
}

// CancelPending ends r's pending login, if it has one ("sign in as someone else"): the cookie is
// cleared and the attempt can no longer complete, even from a copy of its credential. The error
// reports a store failure; the cookie is cleared regardless.
func (s *Sessions[T]) CancelPending(w http.ResponseWriter, r *http.Request) error {
	s.clearPendingCookie(w)
	claims, err := s.readPending(r)
	if err != nil {
		return nil
	}
	err = s.useOnce(r.Context(), "pending:done:"+string(claims.SessionID), claims.Payload.until().Add(pendingMargin))
	if errors.Is(err, ErrPendingReplayed) {
		return nil
	}
	return err
}

// useOnce marks key used until the given time, failing with ErrPendingReplayed when it was used already
// and ErrPendingUnavailable when the store fails.
func (s *Sessions[T]) useOnce(ctx context.Context, key string, until time.Time) error {
	first, err := s.cfg.pending.once.Use(ctx, key, until)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrPendingUnavailable, err)
	case !first:
		return ErrPendingReplayed
	}
	return nil
}

func (s *Sessions[T]) newPending(c *token.Claims[pendingClaims], tries int) *Pending {
	p := &Pending{
		Subject:   c.Subject,
		Methods:   slices.Clone(c.Payload.Methods),
		Attempt:   string(c.SessionID),
		ExpiresAt: c.Payload.until(),
		TriesLeft: tries,
		owner:     s,
	}
	if c.Payload.Remember != nil {
		p.Remember, p.RememberSet = *c.Payload.Remember, true
	}
	return p
}

// checkMethods refuses an empty list of methods and values the amr claim cannot carry.
func checkMethods(methods []string) error {
	if len(methods) == 0 {
		return errors.New("middleware: no authentication method given")
	}
	for _, m := range methods {
		if !validMethod(m) {
			return fmt.Errorf("%w: invalid authentication method %q", token.ErrInvalidClaims, m)
		}
	}
	return nil
}

// validMethod reports whether m is 1 to 32 ASCII letters, digits or "-_.:".
func validMethod(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
