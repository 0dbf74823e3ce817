package oidc

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// LoginHandler returns the login route of the provider called name (GET PREFIX/NAME/login):
// it starts a sign-in and redirects (303) to the provider's authorization endpoint. The query's
// next parameter, through [middleware.SafeNext] and at most 512 bytes long (else "/"), is where
// the callback sends the browser after a successful sign-in. With reason=reauth (what
// [middleware.Sessions.RequireRecentAuth] adds to the login URL), the provider is asked for a
// fresh authentication (max_age=0, prompt=login) and the ID token must show one: an auth_time
// after the sign-in began. Without it, a provider's single sign-on would answer with the old
// authentication, and the step-up would ask again forever.
//
// It sets the provider's state cookie (ten minutes; a sign-in started again, in another tab
// say, replaces it, so only the latest one completes), and answers 502 or 504 when the provider's
// discovery document cannot be read, 405 to methods other than GET and HEAD. Starting a sign-in
// changes no server state, so it is an ordinary link: the only cross-site effect is a visit to
// the provider. It panics at setup when no provider is called name.
func (l *Login[T]) LoginHandler(name string) http.Handler {
	ip := l.provider(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			l.respond(w, r, ip, fail(http.StatusMethodNotAllowed, "method_not_allowed", ErrProviderResponse, nil))
			return
		}
		next := middleware.SafeNext(r.URL.Query().Get("next"))
		if len(next) > maxStateNext {
			next = "/"
		}
		m, err := l.metadata(r.Context(), ip)
		if err != nil {
			l.failed(w, r, ip, asFlowError(err))
			return
		}
		st := flowState{
			State:    rand.Text(),
			Nonce:    rand.Text(),
			Verifier: oauth2.GenerateVerifier(),
			Issuer:   ip.p.issuer,
			Next:     next,
			Reauth:   r.URL.Query().Get("reason") == "reauth",
		}
		raw, claims, err := l.state.Issue(token.Subject(ip.p.name), st)
		if err != nil { // cannot happen with the fixed sizes above; never a silent fallback
			l.failed(w, r, ip, fail(http.StatusInternalServerError, "internal", ErrState, err))
			return
		}
		c := ip.cookie
		c.Value = raw
		c.MaxAge = int((claims.Expiry.Sub(l.now()) + time.Second - 1) / time.Second)
		h := w.Header()
		h.Add("Set-Cookie", c.String())
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")

		opts := []oauth2.AuthCodeOption{
			oauth2.S256ChallengeOption(st.Verifier),
			oauth2.SetAuthURLParam("nonce", st.Nonce),
		}
		if ip.p.maxAgeSet {
			opts = append(opts, oauth2.SetAuthURLParam("max_age", strconv.Itoa(int(ip.p.maxAge/time.Second))))
		}
		for _, kv := range ip.p.authParams {
			opts = append(opts, oauth2.SetAuthURLParam(kv[0], kv[1]))
		}
		if st.Reauth { // last: these win over the provider's own max_age and prompt
			opts = append(opts, oauth2.SetAuthURLParam("max_age", "0"), oauth2.SetAuthURLParam("prompt", "login"))
		}
		l.logger(r).Debug().Str("event", "oidc_login_started").Str("provider", ip.p.name).
			Msg("keycard: OpenID Connect sign-in started")
		http.Redirect(w, r, m.oauth.AuthCodeURL(st.State, opts...), http.StatusSeeOther)
	})
}
