package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
	"github.com/keycard-go/keycard/totp"
)

//go:embed web
var webFS embed.FS

// appConfig is what newApp needs. run fills it from the flags and the environment; tests fill
// it directly.
type appConfig struct {
	key            *token.Key                 // the HS256 signing key; required
	logger         zerolog.Logger             // zero value: silent
	revocation     middleware.RevocationStore // nil: in memory (middleware.NewMemoryRevocation)
	registry       middleware.SessionRegistry // nil: in memory (middleware.NewMemoryRegistry)
	limiter        middleware.Limiter         // nil: the middleware's in-memory default
	insecureCookie bool                       // drop Secure from the cookie (middleware.WithInsecureCookie)
	hashCost       int                        // bcrypt cost; 0 means password.DefaultCost
	clock          func() time.Time           // nil: time.Now; tests move time with it
	once           middleware.OnceStore       // nil: in memory (middleware.NewMemoryOnce)
	totpStore      totp.Store                 // nil: in memory, secrets encrypted (newTwoFactorStore)
	passkeyOrigin  string                     // the origin passkeys work on (see passkeys.go); "" turns them off
	baseURL        string                     // the public URL, for OpenID Connect callbacks
	providers      []*oidc.Provider           // "Sign in with ..." (oidc.go); none: passwords only
}

// app holds the example's handlers and what they share.
type app struct {
	sessions  *middleware.Sessions[Profile]
	cookie    string // the session cookie's name and attributes, for the dashboard
	flags     string
	login     *template.Template
	dashboard *template.Template
	css       []byte
	users     *userStore
	pages     sessionPages // sessions.go
	twoFactor *twoFactor
	signin    *oidc.Login[Profile] // nil without providers
	// formAction lists the origins forms may lead to besides 'self': the providers' (logout).
	formAction []string
}

// newApp builds the example's HTTP handler: the user store with the demo account, the token
// codec, the session middleware and the routes.
func newApp(ctx context.Context, cfg appConfig) (http.Handler, error) {
	if cfg.key == nil {
		return nil, fmt.Errorf("newApp: no signing key")
	}

	// Users: an in-memory table of bcrypt hashes. Replace userStore.find with your database.
	// bcrypt may use all cores but one, so that a flood of logins cannot starve the pages of
	// signed-in users (see docs/load.md: with every core hashing, p99 rose 22x).
	hopts := []password.Option{password.WithConcurrency(max(1, runtime.GOMAXPROCS(0)-1))}
	if cfg.hashCost != 0 {
		hopts = append(hopts, password.WithCost(cfg.hashCost))
	}
	hasher, err := password.New(hopts...)
	if err != nil {
		return nil, err
	}
	users := newUserStore(hasher)
	if err := users.add(ctx, "user-1", demoEmail, demoName, demoPassword); err != nil {
		return nil, err
	}

	// Tokens: HS256 JWTs, signed but not encrypted (add token.WithEncryption to hide the
	// payload from the browser), valid for an hour and renewed while the user is active.
	keys, err := token.NewKeySet(cfg.key)
	if err != nil {
		return nil, err
	}
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	codec, err := token.New[Profile](keys, token.WithClock(cfg.clock))
	if err != nil {
		return nil, err
	}

	a := &app{cookie: middleware.DefaultCookieName, flags: "HttpOnly · Secure · SameSite=Lax", users: users}
	if cfg.insecureCookie {
		a.cookie, a.flags = "session", "HttpOnly · SameSite=Lax · NOT Secure (-insecure-cookie)"
	}
	passkeys := cfg.passkeyOrigin != ""
	if a.login, err = parsePasskeyPage(passkeys, "login.html"); err != nil {
		return nil, err
	}
	if a.dashboard, err = parsePasskeyPage(passkeys, "dashboard.html", "twofactor_card.html"); err != nil {
		return nil, err
	}
	if a.css, err = webFS.ReadFile("web/style.css"); err != nil {
		return nil, err
	}

	revocation := cfg.revocation
	if revocation == nil {
		revocation = middleware.NewMemoryRevocation(cfg.clock)
	}
	registry := cfg.registry
	if registry == nil {
		registry = middleware.NewMemoryRegistry(cfg.clock)
	}
	opts := []middleware.Option{
		middleware.WithLogger(cfg.logger),
		middleware.WithRevocation(revocation), // logout really ends the session
		middleware.WithRegistry(registry),     // the "where you are signed in" list
		middleware.WithLoginForm(a.loginFailed),
	}
	if cfg.limiter != nil {
		opts = append(opts, middleware.WithLimiter(cfg.limiter))
	}
	if cfg.insecureCookie {
		opts = append(opts, middleware.WithInsecureCookie())
	}
	// Two-factor authentication (twofactor.go): a correct password for an account with TOTP
	// on gives a pending login, and /login/2fa asks for the code.
	totpStore := cfg.totpStore
	if totpStore == nil {
		if totpStore, err = newTwoFactorStore(); err != nil {
			return nil, err
		}
	}
	opts = append(opts, middleware.WithSecondFactor("/login/2fa", totp.Required(totpStore)))
	if cfg.once != nil {
		opts = append(opts, middleware.WithOnceStore(cfg.once))
	}
	if a.sessions, err = middleware.New(codec, opts...); err != nil {
		return nil, err
	}
	if a.twoFactor, err = newTwoFactor(a.sessions, totpStore, users, cfg.limiter); err != nil {
		return nil, err
	}

	auth := middleware.PasswordAuthenticator(hasher, users.find)
	mux := http.NewServeMux()
	mux.Handle("GET /login", a.sessions.LoadSession(http.HandlerFunc(a.loginPage)))
	mux.Handle("POST /login", a.sessions.LoginHandler(auth))
	mux.Handle("POST /logout", a.sessions.LogoutHandler())
	mux.Handle("GET /{$}", a.sessions.RequireSession(http.HandlerFunc(a.dashboardPage)))
	mux.Handle("GET /api/me", a.sessions.RequireSession(http.HandlerFunc(a.me)))
	mux.HandleFunc("GET /style.css", a.stylesheet)
	a.twoFactor.routes(mux)
	if err := a.routeSessions(mux); err != nil {
		return nil, err
	}
	if passkeys {
		pk, err := newPasskeys(a.sessions, users, cfg.passkeyOrigin, nil)
		if err != nil {
			return nil, err
		}
		if err := mountPasskeys(mux, pk); err != nil {
			return nil, err
		}
	}
	if err := a.setupOIDC(cfg, mux, users); err != nil {
		return nil, err
	}

	return hlog.NewHandler(cfg.logger)(accessLog(securityHeaders(mux, formActions(a.formAction)))), nil
}

// parsePage parses a page template together with the shared layout and the partials it uses.
func parsePage(name string, partials ...string) (*template.Template, error) {
	files := []string{"web/layout.html", "web/" + name}
	for _, p := range partials {
		files = append(files, "web/"+p)
	}
	return template.New("layout.html").Funcs(template.FuncMap{"initials": initials}).ParseFS(webFS, files...)
}

// loginView is what login.html shows.
type loginView struct {
	Title        string
	Next         string // where to go after login; already checked with middleware.SafeNext
	Email        string // to fill the field again after a failure
	Error        string // the generic failure message, or empty
	Reauth       bool   // a page needs a more recent sign-in (RequireRecentAuth sent reason=reauth)
	DemoEmail    string
	DemoPassword string
	Providers    []oidc.ProviderLink // "Sign in with ..." links
}

// loginPage serves GET /login. A user who is signed in already goes straight on, unless a page
// asked for a more recent sign-in (reason=reauth): then the form asks for the password again.
func (a *app) loginPage(w http.ResponseWriter, r *http.Request) {
	next := middleware.SafeNext(r.URL.Query().Get("next"))
	claims, ok := middleware.ClaimsFrom[Profile](r.Context())
	reauth := r.URL.Query().Get("reason") == "reauth"
	if ok && !reauth {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := loginView{Next: next, Reauth: reauth && ok}
	if v.Reauth {
		v.Email = claims.Payload.Email
	}
	a.renderLogin(w, r, http.StatusOK, v)
}

// loginFailed renders the login page again after a failed form login (middleware.WithLoginForm),
// with the middleware's generic message and the status it chose (401, 429, ...).
func (a *app) loginFailed(w http.ResponseWriter, r *http.Request, f middleware.LoginFailure) {
	a.renderLogin(w, r, f.Status, loginView{Next: f.Next, Email: f.Identifier, Error: f.Message})
}

func (a *app) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	v.Title, v.DemoEmail, v.DemoPassword = "Sign in", demoEmail, demoPassword
	if a.signin != nil {
		v.Providers = a.signin.Providers(v.Next, r.URL.Query().Get("reason") == "reauth")
	}
	render(w, r, a.login, status, v)
}

// dashboardView is what dashboard.html shows.
type dashboardView struct {
	Title       string
	Cookie      string
	CookieFlags string
	Subject     token.Subject
	Profile     Profile
	SignedIn    time.Time
	ExpiresAt   time.Time
	TwoFactor   twoFactorStatus
}

// dashboardPage serves GET /, behind RequireSession.
func (a *app) dashboardPage(w http.ResponseWriter, r *http.Request) {
	claims, ok := middleware.ClaimsFrom[Profile](r.Context())
	if !ok { // RequireSession guarantees a session; this only guards against a wiring mistake
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	render(w, r, a.dashboard, http.StatusOK, dashboardView{
		Title:       "Dashboard",
		Cookie:      a.cookie,
		CookieFlags: a.flags,
		Subject:     claims.Subject,
		Profile:     claims.Payload,
		SignedIn:    claims.AuthTime.UTC(),
		ExpiresAt:   claims.Expiry.UTC(),
		TwoFactor:   a.twoFactor.status(r.Context(), claims),
	})
}

// meResponse is the JSON of GET /api/me.
type meResponse struct {
	Subject   token.Subject `json:"subject"`
	Email     string        `json:"email"`
	Name      string        `json:"name"`
	AuthTime  time.Time     `json:"auth_time"`
	IssuedAt  time.Time     `json:"issued_at"`
	ExpiresAt time.Time     `json:"expires_at"`
}

// me serves GET /api/me, behind RequireSession: without a session, API clients get 401 JSON.
func (a *app) me(w http.ResponseWriter, r *http.Request) {
	claims, ok := middleware.ClaimsFrom[Profile](r.Context())
	if !ok {
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(meResponse{
		Subject:   claims.Subject,
		Email:     claims.Payload.Email,
		Name:      claims.Payload.Name,
		AuthTime:  claims.AuthTime.UTC(),
		IssuedAt:  claims.IssuedAt.UTC(),
		ExpiresAt: claims.Expiry.UTC(),
	})
}

func (a *app) stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.css)
}

// render executes a page into a buffer first, so that a template error becomes a clean 500
// rather than half a page. Pages are personal: never cached.
func render(w http.ResponseWriter, r *http.Request, t *template.Template, status int, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		hlog.FromRequest(r).Error().Err(err).Msg("render page")
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// securityHeaders sets the headers every response should carry. The pages use only
// same-origin scripts (the passkey script) and stylesheets, no inline code, so the content
// security policy can be strict. formAction is the CSP form-action list.
func securityHeaders(next http.Handler, formAction string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "+
			"form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// accessLog logs one line per request: method, path (never the query), status, duration.
func accessLog(next http.Handler) http.Handler {
	return hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		hlog.FromRequest(r).Info().Str("method", r.Method).Str("path", r.URL.Path).
			Int("status", status).Dur("duration", d).Msg("request")
	})(next)
}

// initials returns up to two capital letters for the avatar: "Demo User" -> "DU".
func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		if len(out) == 2 {
			break
		}
		out = append(out, []rune(strings.ToUpper(f))[0])
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}
