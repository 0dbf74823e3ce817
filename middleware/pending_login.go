package middleware

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/keycard-go/keycard/token"
)

// handOver is the login handler's step after a correct first factor: with [WithSecondFactor]
// and an account that has a second factor, it sets a pending login instead of a session and
// answers the request. It reports whether it did.
func (s *Sessions[T]) handOver(w http.ResponseWriter, r *http.Request, req loginRequest, sub token.Subject, key ThrottleKey) bool {
	if s.cfg.pending.required == nil {
		return false
	}
	need, err := s.cfg.pending.required(r.Context(), sub)
	if err != nil {
		s.logger(r).Error().Err(err).Str("event", "login_error").Msg("keycard: second factor check failed")
		s.loginFailed(w, r, req, http.StatusInternalServerError, 0)
		return true
	}
	if !need {
		return false
	}
	var opts []PendingOption
	if req.rememberSet {
		opts = append(opts, PendingRemember(req.remember))
	}
	p, err := s.StartPending(w, r, sub, []string{AMRPassword}, opts...)
	if err != nil {
		s.logger(r).Error().Err(err).Str("event", "login_error").Msg("keycard: could not start pending login")
		s.loginFailed(w, r, req, http.StatusInternalServerError, 0)
		return true
	}
	if err := s.cfg.limiter.Reset(r.Context(), key); err != nil {
		s.logger(r).Warn().Err(err).Msg("keycard: login limiter reset failed")
	}
	s.logger(r).Info().Str("event", "login_second_factor").Str("account", accountTag(key.Account)).
		Msg("keycard: password correct, second factor required")
	e := s.requestEvent(r, EventLoginPending)
	e.Subject, e.Method = sub, AMRPassword
	s.Emit(r.Context(), e)

	if req.json {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(struct {
			Required  bool      `json:"second_factor_required"`
			Path      string    `json:"second_factor_path"`
			ExpiresAt time.Time `json:"expires_at"`
			TriesLeft int       `json:"tries_left"`
		}{true, s.cfg.pending.path, p.ExpiresAt, p.TriesLeft})
		return true
	}
	target := s.cfg.pending.path
	if next := SafeNext(req.next); next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true
}
