package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/keycard-go/keycard/token"
)

// pendingAudience is the audience of every pending credential. A pending credential is a token
// signed with the session keys, so the audience is what keeps the two apart: session codecs
// refuse a token that names an audience they were not configured with, and the middleware
// refuses this one in the session cookie whatever the codec's configuration (see
// Sessions.verify). The pending codec in turn requires it, so a session token is no pending
// credential either.
const pendingAudience = "urn:keycard:pending-login"

// pendingMargin keeps single-use markers past the end of what they guard, for the verifier's
// leeway and for clocks of instances that disagree a little.
const pendingMargin = time.Minute

// maxPendingMethods bounds the first factor's methods a pending credential carries.
const maxPendingMethods = 8

// pendingClaims is the payload of a pending credential. Field names carry a "kc_" prefix so
// that they never meet a registered claim.
type pendingClaims struct {
	Methods  []string `json:"kc_amr"`
	Tries    int      `json:"kc_tries"` // tries left, at least 1: a credential without any is never issued
	Until    int64    `json:"kc_until"` // end of the attempt, Unix ms; rotation never moves it
	Remember *bool    `json:"kc_remember,omitempty"`
}

// Validate runs on issue and on verify (token.Codec calls it): a credential out of these bounds
// is refused even with a good signature.
func (c pendingClaims) Validate() error {
	switch {
	case c.Tries < 1 || c.Tries > maxPendingTries:
		return errors.New("pending tries out of range")
	case c.Until <= 0:
		return errors.New("pending attempt without an end")
	case len(c.Methods) == 0 || len(c.Methods) > maxPendingMethods:
		return errors.New("pending first factor methods out of range")
	}
	for _, m := range c.Methods {
		if !validMethod(m) {
			return errors.New("invalid first factor method")
		}
	}
	return nil
}

func (c pendingClaims) until() time.Time { return time.UnixMilli(c.Until).UTC() }

// newPendingCodec returns the codec of pending credentials: the session keys, a pinned
// audience, the pending lifetime and the session codec's clock.
func newPendingCodec[T any](codec *token.Codec[T], lifetime time.Duration) (*token.Codec[pendingClaims], error) {
	return token.New[pendingClaims](codec.Keys(),
		token.WithAudience(pendingAudience),
		token.WithLifetime(lifetime),
		token.WithClock(codec.Now))
}

// pendingCodec returns the pending codec, on the session codec's current key set: a key
// rotation moves pending credentials along with sessions.
func (s *Sessions[T]) pendingCodec() *token.Codec[pendingClaims] {
	if ks := s.codec.Keys(); s.pcodec.Keys() != ks {
		_ = s.pcodec.SetKeys(ks) // ks is the session codec's, so it is a valid set
	}
	return s.pcodec
}

// buildPendingCookie derives the pending cookie from the session cookie: same attributes, the
// session cookie's name with "-pending" added.
func (s *Sessions[T]) buildPendingCookie() error {
	c := s.cookie
	c.Name += "-pending"
	c.Value = "x"
	if err := c.Valid(); err != nil {
		return fmt.Errorf("middleware: invalid pending cookie: %w", err)
	}
	c.Value = ""
	s.pcookie = c
	return nil
}

// readPending verifies r's pending credential. Several pending cookies that verify and belong to
// different attempts are refused, as for sessions (cookie tossing).
func (s *Sessions[T]) readPending(r *http.Request) (*token.Claims[pendingClaims], error) {
	var buf [maxSessionCookies]string
	values, overflow := sessionCookies(r, s.pcookie.Name, buf[:])
	switch {
	case len(values) == 0:
		return nil, ErrNoPending
	case overflow:
		return nil, fmt.Errorf("%w: more than %d pending cookies", ErrPendingInvalid, maxSessionCookies)
	}
	pc := s.pendingCodec()
	now := s.codec.Now()
	var found *token.Claims[pendingClaims]
	var firstErr error
	for _, raw := range values {
		c, err := pc.Verify(raw)
		switch {
		case errors.Is(err, token.ErrExpired):
			err = fmt.Errorf("%w: %w", ErrPendingExpired, err)
		case err != nil:
			err = fmt.Errorf("%w: %w", ErrPendingInvalid, err)
		case !now.Before(c.Payload.until()):
			err = ErrPendingExpired
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if found != nil && found.SessionID != c.SessionID {
			return nil, fmt.Errorf("%w: several pending logins", ErrPendingInvalid)
		}
		found = c
	}
	if found == nil {
		return nil, firstErr
	}
	return found, nil
}

// setPendingCookie sets the pending cookie holding raw until the attempt ends, replacing one set
// earlier in the same response.
func (s *Sessions[T]) setPendingCookie(w http.ResponseWriter, raw string, until time.Time) error {
	c := s.pcookie
	c.Value = raw
	c.MaxAge = max(1, int(until.Sub(s.codec.Now()).Round(time.Second)/time.Second))
	line := c.String()
	if line == "" || len(line) > maxSetCookie {
		return fmt.Errorf("%w: pending credential of %d bytes", ErrCookieTooLarge, len(line))
	}
	s.replacePendingCookie(w.Header(), line)
	return nil
}

// clearPendingCookie tells the browser to delete the pending cookie, replacing one set earlier in
// the same response.
func (s *Sessions[T]) clearPendingCookie(w http.ResponseWriter) {
	c := s.pcookie
	c.MaxAge = -1
	s.replacePendingCookie(w.Header(), c.String())
}

// replacePendingCookie sets line as the response's only Set-Cookie for the pending cookie: a
// completed try first rotates the credential, then clears it, and browsers must see one answer.
func (s *Sessions[T]) replacePendingCookie(h http.Header, line string) {
	prefix := s.pcookie.Name + "="
	lines := h["Set-Cookie"]
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			kept = append(kept, l)
		}
	}
	h["Set-Cookie"] = append(kept, line)
	noStore(h)
}

// setUpPending builds the pending codec and cookie, and the default single-use store, in New.
func (s *Sessions[T]) setUpPending() error {
	if s.cfg.pending.once == nil {
		s.cfg.pending.once = NewMemoryOnce(s.codec.Now)
	}
	pc, err := newPendingCodec(s.codec, s.cfg.pending.lifetime)
	if err != nil {
		return fmt.Errorf("middleware: pending codec: %w", err)
	}
	s.pcodec = pc
	return s.buildPendingCookie()
}
