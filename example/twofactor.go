package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/zerolog/hlog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
	"github.com/keycard-go/keycard/totp"
)

// totpIssuer is the name authenticator apps show above the account.
const totpIssuer = "keycard example"

// twoFactor is the example's second factor: TOTP codes from an authenticator app, and recovery
// codes, with the pages around them. Routes (all but the second step need a session):
//
//	GET  /login/2fa            the second step of a login: enter a code
//	POST /login/2fa            check it (form or JSON): a session, or try again
//	POST /2fa/enrol            start setting up (form: the set-up page; JSON: secret, otpauth URI, QR)
//	GET  /2fa/qr.png           the QR code of the set-up in progress
//	POST /2fa/confirm          switch it on with a first code; shows the recovery codes once
//	POST /2fa/disable          switch it off with a code or a recovery code
//	POST /2fa/recovery-codes   new recovery codes, with a code
//	POST /2fa/step-up          re-authenticate with a code (moves auth_time)
type twoFactor struct {
	sessions *middleware.Sessions[Profile]
	store    totp.Store
	factor   *totp.Factor[Profile]
	page     *template.Template
}

// newTwoFactorStore returns the store of TOTP secrets and recovery-code hashes: in memory here
// (your database in a real application), with every secret encrypted (AES-256-GCM) so that a
// dump of the table holds no usable second factor. In a real application the key comes from a
// secret manager, like SESSION_SECRET; here it is random, as the memory store forgets
// everything at a restart anyway.
func newTwoFactorStore() (totp.Store, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return totp.NewEncryptedStore(totp.NewMemoryStore(), key)
}

// newTwoFactor builds the second factor of sessions. limiter throttles code guesses (nil: in
// memory); the single-use store of accepted codes is the sessions' own.
func newTwoFactor(sessions *middleware.Sessions[Profile], store totp.Store, users *userStore, limiter middleware.Limiter) (*twoFactor, error) {
	page, err := parsePage("twofactor.html")
	if err != nil {
		return nil, err
	}
	tf := &twoFactor{sessions: sessions, store: store, page: page}
	opts := []totp.Option{
		totp.WithIssuer(totpIssuer),
		totp.WithAccountName(func(c *token.Claims[Profile]) string { return c.Payload.Email }),
		totp.WithPage(tf.render),
	}
	if limiter != nil {
		opts = append(opts, totp.WithLimiter(limiter))
	}
	if tf.factor, err = totp.New(sessions, store, users.profile, opts...); err != nil {
		return nil, err
	}
	return tf, nil
}

// routes adds the second factor's routes to mux.
func (tf *twoFactor) routes(mux *http.ServeMux) {
	s, f := tf.sessions, tf.factor
	mux.HandleFunc("GET /login/2fa", tf.secondStepPage)
	mux.Handle("POST /login/2fa", f.SecondStepHandler())
	mux.Handle("POST /2fa/enrol", s.RequireSession(f.EnrolHandler()))
	mux.Handle("GET /2fa/qr.png", s.RequireSession(f.QRHandler()))
	mux.Handle("POST /2fa/confirm", s.RequireSession(f.ConfirmHandler()))
	mux.Handle("POST /2fa/disable", s.RequireSession(f.DisableHandler()))
	mux.Handle("POST /2fa/recovery-codes", s.RequireSession(f.RecoveryCodesHandler()))
	mux.Handle("POST /2fa/step-up", s.RequireSession(f.StepUpHandler()))
}

// twoFactorStatus is what the dashboard shows of the second factor.
type twoFactorStatus struct {
	Enabled       bool
	RecoveryLeft  int
	Unavailable   bool
	Authenticated string // how the session was authenticated: "pwd otp mfa", ...
}

// status returns the dashboard's view of claims' second factor.
func (tf *twoFactor) status(ctx context.Context, claims *token.Claims[Profile]) twoFactorStatus {
	st := twoFactorStatus{Authenticated: strings.Join(claims.AMR, " ")}
	on, err := tf.factor.Enabled(ctx, claims.Subject)
	if err != nil {
		st.Unavailable = true
		return st
	}
	st.Enabled = on
	if on {
		st.RecoveryLeft, _ = tf.factor.RecoveryCodesLeft(ctx, claims.Subject)
	}
	return st
}

// twoFactorView is what twofactor.html shows.
type twoFactorView struct {
	Title   string
	Profile Profile // the signed-in user, for the header; empty during a login
	Page    totp.Page
	Secret  string // the set-up secret in groups of four, for typing in
}

// render shows a [totp.Page]: the factor's answer to a form (totp.WithPage).
func (tf *twoFactor) render(w http.ResponseWriter, r *http.Request, p totp.Page) {
	v := twoFactorView{Title: "Two-factor authentication", Page: p}
	if c, ok := middleware.ClaimsFrom[Profile](r.Context()); ok {
		v.Profile = c.Payload
	}
	if p.Kind == totp.PageSecondStep || p.Kind == totp.PageSignInAgain {
		v.Profile, v.Title = Profile{}, "Sign in"
	}
	if p.Key != nil {
		v.Secret = group(p.Key.Secret.Base32())
	}
	render(w, r, tf.page, p.Status, v)
}

// secondStepPage serves GET /login/2fa: the code form of a login waiting for its second step.
// Without one, the visitor starts at the login page.
func (tf *twoFactor) secondStepPage(w http.ResponseWriter, r *http.Request) {
	next := middleware.SafeNext(r.URL.Query().Get("next"))
	p, err := tf.sessions.Pending(r)
	if err != nil {
		hlog.FromRequest(r).Debug().Err(err).Msg("second step without a pending login")
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	tf.render(w, r, totp.Page{Kind: totp.PageSecondStep, Status: http.StatusOK, TriesLeft: p.TriesLeft, Next: next})
}

// profile is the payload lookup of a login's second step: the session payload of id.
func (s *userStore) profile(_ context.Context, id token.Subject) (Profile, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.byEmail {
		if u.id == id {
			return Profile{Email: u.email, Name: u.name}, nil
		}
	}
	return Profile{}, fmt.Errorf("no user %q", id)
}

// group writes a base32 secret in groups of four characters.
func group(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
