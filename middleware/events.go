package middleware

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Kinds of [Event]. Other packages (passkey, one-time codes, OpenID Connect) report through
// [Sessions.Emit] with these kinds or their own, namespaced the same way ("passkey.registered").
const (
	EventLoginSucceeded = "login.succeeded" // credentials accepted; a session was started
	EventLoginFailed    = "login.failed"    // credentials refused or unusable; Reason says why
	EventLoginThrottled = "login.throttled" // refused by the login throttle before any check

	EventSessionStarted         = "session.started"         // a new session (new session ID)
	EventSessionReauthenticated = "session.reauthenticated" // the session's user authenticated again (step-up)
	EventSessionRenewed         = "session.renewed"         // rolling refresh or key rotation: a new token, same content
	EventSessionUpdated         = "session.updated"         // [Sessions.Update]: a new payload
	EventSessionEnded           = "session.ended"           // the user signed out of this session
	EventSessionRevoked         = "session.revoked"         // a session ended from elsewhere; Reason says how

	EventNewDevice = "device.new" // a sign-in from a device not seen before for the subject
)

// An Event reports something that happened to a login or a session, for audit logs, metrics and
// "new sign-in" e-mails. It never carries a token, a cookie, a password, a hash or a key: only
// identifiers (subject, session ID), fixed codes and what the client said about itself.
type Event struct {
	Kind      string          // one of the Event... constants, or another package's own kind
	Time      time.Time       // when it happened, on the codec's clock
	Subject   token.Subject   // whose session; empty when unknown (a failed login)
	SessionID token.SessionID // which session; empty when none
	// Method says how the user authenticated: the session's amr values separated by spaces
	// ("pwd", "hwk", "pwd otp mfa"); for login events, the login's method.
	Method string
	// Reason is a fixed code: why a login failed ("invalid_credentials", "bad_request",
	// "unavailable", "internal"), how a session was revoked ("replaced", "end_all",
	// "signed_out_elsewhere", "limit").
	Reason string
	// Client is the client's address as [WithClientIP] reports it (an IPv6 client's /64 by
	// default) and Device a short description of its User-Agent ("Firefox on Linux"). Both
	// come from the request: the client chooses them.
	Client string
	Device string
}

// WithEvents sets a function that receives every [Event], with the context of the request it
// happened in. It runs synchronously on the request's goroutine, so it must be quick and safe
// for concurrent use: hand slow work (an e-mail) to a queue. Default: none. The zerolog logs
// ([WithLogger]) are written either way.
func WithEvents(hook func(ctx context.Context, e Event)) Option {
	return func(c *config) error {
		if hook == nil {
			return errors.New("middleware: nil event hook")
		}
		c.events = hook
		return nil
	}
}

// Emit sends e to the [WithEvents] hook, with Time set to now when it is zero. It does nothing
// without a hook. Other login methods (passkeys, one-time codes, OpenID Connect) report their
// events through it, so that an application has one place to watch. Never put a secret into an
// Event. Safe for concurrent use.
func (s *Sessions[T]) Emit(ctx context.Context, e Event) {
	if s.cfg.events == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = s.codec.Now()
	}
	s.cfg.events(ctx, e)
}

// requestEvent returns an event of kind about r's client.
func (s *Sessions[T]) requestEvent(r *http.Request, kind string) Event {
	if s.cfg.events == nil {
		return Event{} // Emit drops it; skip parsing the User-Agent
	}
	return Event{Kind: kind, Client: s.cfg.clientIP(r), Device: DeviceName(r.UserAgent())}
}

// sessionEvent returns an event of kind about the session c, from r's client.
func (s *Sessions[T]) sessionEvent(r *http.Request, kind string, c *token.Claims[T]) Event {
	e := s.requestEvent(r, kind)
	e.Subject, e.SessionID, e.Method = c.Subject, c.SessionID, strings.Join(c.AMR, " ")
	return e
}
