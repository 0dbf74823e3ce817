package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Defaults of the session list.
const (
	// DefaultMaxSessions is how many sessions one subject may hold at once with a registry
	// ([WithRegistry]); signing in again past it ends the session renewed longest ago.
	DefaultMaxSessions = 32

	// deviceMemory is how long a device a subject signed in from counts as seen.
	deviceMemory = 90 * 24 * time.Hour
	// maxDevices bounds the devices remembered per subject.
	maxDevices = 64
	// maxClientLen bounds the client address kept in a registry entry.
	maxClientLen = 64
)

// ErrUnknownSession: [Sessions.EndSession] was asked to end a session that is not one of the
// signed-in user's listed sessions (another user's, an expired one, or no session at all).
var ErrUnknownSession = errors.New("middleware: no such session of this user")

// errNoRegistry and errNoRevocation are returned by the session list's methods when what they
// need was not configured.
var (
	errNoRegistry   = errors.New("middleware: the session list needs a registry (WithRegistry)")
	errNoRevocation = errors.New("middleware: ending another session needs a revocation store (WithRevocation)")
)

// WithRegistry keeps a list of each subject's sessions in reg ([MemoryRegistry], or the
// redisstore module's to share it between instances), written when a session starts, is
// renewed, updated or ended, and never on an ordinary request. It enables
// [Sessions.ListSessions], [Sessions.EndSession], [Sessions.EndOtherSessions] and
// [EventNewDevice], and bounds the sessions one subject may hold ([WithMaxSessions]). Ending a
// session other than the request's own also needs [WithRevocation]. Default: no registry.
// A registry failure is logged and never fails a login or a request.
func WithRegistry(reg SessionRegistry) Option {
	return func(c *config) error {
		if reg == nil {
			return errors.New("middleware: nil session registry")
		}
		c.registry = reg
		return nil
	}
}

// WithMaxSessions bounds how many sessions one subject may hold at once, with a registry: a
// new sign-in past the bound ends (revokes) the session renewed longest ago, reported as
// [EventSessionRevoked] with Reason "limit". Default [DefaultMaxSessions]; n must be at least 1.
func WithMaxSessions(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("middleware: max sessions %d below 1", n)
		}
		c.maxSessions = n
		return nil
	}
}

// record writes the registry entry of the session whose latest token is c, issued for r, and
// ends the sessions the bound drops. Failures are logged.
func (s *Sessions[T]) record(r *http.Request, c *token.Claims[T]) {
	reg := s.cfg.registry
	if reg == nil {
		return
	}
	client := s.cfg.clientIP(r)
	if len(client) > maxClientLen {
		client = client[:maxClientLen]
	}
	e := SessionInfo{
		ID: c.SessionID, Created: c.SessionStart, Renewed: s.codec.Now().Truncate(time.Microsecond), Expires: c.Expiry,
		Remember: c.Remember, Device: DeviceName(r.UserAgent()), Client: client,
	}
	dropped, err := reg.Save(r.Context(), c.Subject, e, s.cfg.maxSessions)
	if err != nil {
		s.logger(r).Error().Err(err).Str("event", "registry_error").Msg("keycard: could not record the session in the registry")
		return
	}
	if s.cfg.revocation == nil {
		return // without a store, the bound is the list's only
	}
	for _, id := range dropped {
		if err := s.revokeID(r.Context(), id, s.codec.Now().Add(s.revokeFor)); err != nil {
			s.logger(r).Error().Err(err).Msg("keycard: could not revoke a session over the per-subject bound")
			continue
		}
		s.Emit(r.Context(), Event{Kind: EventSessionRevoked, Subject: c.Subject, SessionID: id, Reason: "limit"})
	}
}

// checkDevice reports a sign-in of c's subject from a device not seen before.
func (s *Sessions[T]) checkDevice(r *http.Request, c *token.Claims[T]) {
	if s.cfg.registry == nil {
		return
	}
	e := s.sessionEvent(r, EventNewDevice, c)
	device, client := DeviceName(r.UserAgent()), s.cfg.clientIP(r)
	now := s.codec.Now()
	seen, err := s.cfg.registry.SeenDevice(r.Context(), c.Subject, device+"\x00"+client, now.Add(deviceMemory), maxDevices)
	if err != nil {
		s.logger(r).Error().Err(err).Str("event", "registry_error").Msg("keycard: could not check the device in the registry")
		return
	}
	if !seen {
		s.logger(r).Info().Str("event", "new_device").Str("device", device).Msg("keycard: sign-in from a new device")
		s.Emit(r.Context(), e)
	}
}

// forgetRevoked removes the revoked sessions from the registry.
func (s *Sessions[T]) forgetRevoked(r *http.Request, revoked []*token.Claims[T]) {
	for _, c := range revoked {
		s.forget(r, c.Subject, c.SessionID)
	}
}

// forget removes ended sessions from the registry. Failures are logged.
func (s *Sessions[T]) forget(r *http.Request, sub token.Subject, ids ...token.SessionID) {
	if s.cfg.registry == nil || len(ids) == 0 {
		return
	}
	if err := s.cfg.registry.Delete(r.Context(), sub, ids...); err != nil {
		s.logger(r).Error().Err(err).Str("event", "registry_error").Msg("keycard: could not remove a session from the registry")
	}
}

// ListSessions returns the sessions of r's signed-in user, the most recently renewed first,
// with Current set on r's own: for a "where you are signed in" page. It needs a registry
// ([WithRegistry]) and a valid session (the error is then the session's, as from
// [Sessions.Current]). A store failure is returned as is. Sessions that began before the
// registry was configured are not listed until they are renewed.
func (s *Sessions[T]) ListSessions(r *http.Request) ([]SessionInfo, error) {
	if s.cfg.registry == nil {
		return nil, errNoRegistry
	}
	st := s.current(r)
	if st.err != nil {
		return nil, st.err
	}
	list, err := s.cfg.registry.List(r.Context(), st.verified.Subject)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Current = list[i].ID == st.verified.SessionID
	}
	return list, nil
}

// EndSession ends one session of r's signed-in user by its ID, as listed by
// [Sessions.ListSessions]: "sign out that device". The session is revoked, so its next request
// is refused, and removed from the list; ending r's own session is [Sessions.End] (and clears
// the cookie on w). Only the user's own sessions can be ended: an ID that is not in their list
// (another user's, an expired one) gets [ErrUnknownSession] and changes nothing. It needs a
// registry and a revocation store, and a valid session on r.
func (s *Sessions[T]) EndSession(w http.ResponseWriter, r *http.Request, id token.SessionID) error {
	list, err := s.ListSessions(r)
	if err != nil {
		return err
	}
	for _, e := range list {
		if e.ID != id {
			continue
		}
		if e.Current {
			return s.End(w, r)
		}
		return s.endListed(r, s.current(r).verified.Subject, e)
	}
	return ErrUnknownSession
}

// EndOtherSessions ends every listed session of r's signed-in user except r's own: "sign out
// everywhere else". It returns how many it ended. It needs a registry and a revocation store;
// for sessions the list cannot know (begun before the registry was configured), combine
// [Sessions.EndAll] with a new [Sessions.Start] instead.
func (s *Sessions[T]) EndOtherSessions(r *http.Request) (int, error) {
	list, err := s.ListSessions(r)
	if err != nil {
		return 0, err
	}
	sub := s.current(r).verified.Subject
	n := 0
	var errs []error
	for _, e := range list {
		if e.Current {
			continue
		}
		if err := s.endListed(r, sub, e); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// endListed revokes a listed session of sub and removes it from the list.
func (s *Sessions[T]) endListed(r *http.Request, sub token.Subject, e SessionInfo) error {
	if s.cfg.revocation == nil {
		return errNoRevocation
	}
	until := s.codec.Now().Add(s.codec.Lifetime())
	if e.Remember {
		until = maxTime(until, e.Created.Add(s.cfg.rememberLifetime))
	}
	until = maxTime(until, e.Expires).Add(revocationMargin)
	if err := s.revokeID(r.Context(), e.ID, until); err != nil {
		return err
	}
	if err := s.cfg.registry.Delete(r.Context(), sub, e.ID); err != nil {
		s.logger(r).Error().Err(err).Str("event", "registry_error").Msg("keycard: could not remove a session from the registry")
	}
	ev := s.requestEvent(r, EventSessionRevoked)
	ev.Subject, ev.SessionID, ev.Reason = sub, e.ID, "signed_out_elsewhere"
	s.Emit(r.Context(), ev)
	s.logger(r).Info().Str("event", "session_ended_elsewhere").Msg("keycard: session ended from another device")
	return nil
}

// revokeID revokes the session id until the given time.
func (s *Sessions[T]) revokeID(ctx context.Context, id token.SessionID, until time.Time) error {
	if s.cfg.revocation == nil {
		return nil
	}
	return s.cfg.revocation.Revoke(ctx, id, until)
}
