package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/keycard-go/keycard/oidc"
)

// demoIdP is a small OpenID provider inside the example (-demo-idp), so that sign-in through an
// identity provider can be tried on one machine without registering an application anywhere.
// It is mockoidc's discovery, token and JWKS endpoints behind a login page of its own, on a
// loopback port. Any e-mail address signs in; it is a demo, not a provider to deploy.
type demoIdP struct {
	m        *mockoidc.MockOIDC
	callback string // the only redirect_uri it accepts: the example's callback
	logout   string // the only post_logout_redirect_uri it accepts
	now      func() time.Time
	page     *template.Template // web/idp-login.html

	// mu serializes mockoidc's handlers: its session store is a plain map, and the user a
	// sign-in queues must be the one its authorization request takes.
	mu sync.Mutex
}

// Names the example registers at the demo provider.
const (
	demoProvider     = "demo"
	demoDisplayName  = "Demo IdP"
	demoClientID     = "keycard-example"
	demoLogoutPath   = "/oidc/logout"
	demoMaxFormBytes = 16 << 10
)

// startDemoIdP starts the demo provider on 127.0.0.1 for the example served at appURL.
func startDemoIdP(appURL string) (*demoIdP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		return nil, err
	}
	m.ClientID, m.ClientSecret = demoClientID, rand.Text()
	m.CodeChallengeMethodsSupported = []string{"S256"}
	if _, err := m.Keypair.KeyID(); err != nil { // computed lazily otherwise, racing requests
		return nil, err
	}
	page, err := template.ParseFS(webFS, "web/idp-login.html")
	if err != nil {
		return nil, err
	}
	d := &demoIdP{m: m, callback: appURL + "/auth/" + demoProvider + "/callback", logout: appURL + "/", now: time.Now, page: page}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo IdP: %w", err)
	}
	// mockoidc's own Start serves only its five endpoints; this server adds the login page and
	// the end-session endpoint. Issuer() reads the address from m.Server.
	mux := http.NewServeMux()
	mux.HandleFunc(mockoidc.AuthorizationEndpoint, func(w http.ResponseWriter, r *http.Request) {
		d.authorize(w, r, http.HandlerFunc(m.Authorize))
	})
	mux.HandleFunc(mockoidc.DiscoveryEndpoint, func(w http.ResponseWriter, r *http.Request) {
		d.discovery(w, r, http.HandlerFunc(m.Discovery))
	})
	mux.Handle(mockoidc.TokenEndpoint, d.locked(m.Token))
	mux.Handle(mockoidc.JWKSEndpoint, d.locked(m.JWKS))
	mux.Handle(mockoidc.UserinfoEndpoint, d.locked(m.Userinfo))
	mux.HandleFunc(demoLogoutPath, d.endSession)
	m.Server = &http.Server{
		Addr:              ln.Addr().String(),
		Handler:           d.headers(mux),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
	go func() { _ = m.Server.Serve(ln) }()
	return d, nil
}

// provider is the example's registration at the demo provider.
func (d *demoIdP) provider() (*oidc.Provider, error) {
	return oidc.NewProvider(demoProvider, d.m.Issuer(), demoClientID,
		oidc.WithClientSecret(d.m.ClientSecret), oidc.WithDisplayName(demoDisplayName))
}

func (d *demoIdP) close() error { return d.m.Shutdown() }

// headers sets the demo provider's security headers. Its login page posts only to itself, and
// its redirects go only to the example.
func (d *demoIdP) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+originOf(d.callback))
		w.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// locked runs one of mockoidc's handlers alone.
func (d *demoIdP) locked(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		defer d.mu.Unlock()
		h(w, r)
	})
}

// authorize shows the login page (GET) and answers it (POST): Cancel returns access_denied to
// the application, Sign in has mockoidc issue a code for the user described by the form.
func (d *demoIdP) authorize(w http.ResponseWriter, r *http.Request, next http.Handler) {
	r.Body = http.MaxBytesReader(w, r.Body, demoMaxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// A real provider sends the browser only to a redirect URI registered for the client:
	// anything else would make it an open redirector that hands out codes.
	if r.Form.Get("client_id") != demoClientID || r.Form.Get("redirect_uri") != d.callback {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	switch {
	case r.Method == http.MethodGet:
		d.loginPage(w, r)
		return
	case r.Method != http.MethodPost:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case r.PostForm.Get("action") == "cancel":
		d.redirect(w, r, url.Values{"error": {"access_denied"}, "state": {r.Form.Get("state")}})
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if email == "" || len(email) > 254 || len(name) > 100 {
		http.Error(w, "an e-mail address is required", http.StatusBadRequest)
		return
	}
	user := &demoUser{email: email, name: name, verified: r.PostForm.Get("verified") == "on", authTime: d.now()}

	d.mu.Lock()
	d.m.QueueUser(user)
	var res capture
	next.ServeHTTP(&res, r)
	d.mu.Unlock()
	loc, err := url.Parse(res.header.Get("Location"))
	if res.status != http.StatusFound || err != nil {
		http.Error(w, "the demo IdP could not sign you in", http.StatusInternalServerError)
		return
	}
	d.redirect(w, r, loc.Query())
}

// redirect sends the browser back to the application with the authorization response q and
// the issuer (RFC 9207).
func (d *demoIdP) redirect(w http.ResponseWriter, r *http.Request, q url.Values) {
	q.Set("iss", d.m.Issuer())
	http.Redirect(w, r, d.callback+"?"+q.Encode(), http.StatusFound)
}

// discovery adds the end-session endpoint and RFC 9207 support to mockoidc's document.
func (d *demoIdP) discovery(w http.ResponseWriter, r *http.Request, next http.Handler) {
	var res capture
	next.ServeHTTP(&res, r)
	var doc map[string]any
	if err := json.Unmarshal(res.body.Bytes(), &doc); err != nil {
		http.Error(w, "discovery failed", http.StatusInternalServerError)
		return
	}
	doc["end_session_endpoint"] = d.m.Addr() + demoLogoutPath
	doc["authorization_response_iss_parameter_supported"] = true
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// endSession is RP-initiated logout: the demo keeps no session of its own, so it only checks the
// request and sends the browser back to the registered post-logout URI.
func (d *demoIdP) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != demoClientID || q.Get("post_logout_redirect_uri") != d.logout {
		http.Error(w, "unknown client or post_logout_redirect_uri", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, d.logout, http.StatusFound)
}

// loginView is what the demo provider's login page shows.
type demoLoginView struct {
	Params  map[string]string // the authorization request, carried through the form
	Email   string
	Name    string
	AppHost string
}

func (d *demoIdP) loginPage(w http.ResponseWriter, r *http.Request) {
	v := demoLoginView{Params: map[string]string{}, Email: demoEmail, Name: demoName, AppHost: originOf(d.callback)}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
		"code_challenge", "code_challenge_method", "max_age", "prompt"} {
		if vs, ok := r.Form[k]; ok && len(vs) == 1 {
			v.Params[k] = vs[0]
		}
	}
	var buf bytes.Buffer
	if err := d.page.Execute(&buf, v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// demoUser is the ID token's subject: one per e-mail address, so that signing in again with the
// same address is the same identity.
type demoUser struct {
	email, name string
	verified    bool
	authTime    time.Time
}

func (u *demoUser) ID() string {
	sum := sha256.Sum256([]byte(strings.ToLower(u.email)))
	return "demo-" + hex.EncodeToString(sum[:8])
}

func (u *demoUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.ID(), "email": u.email, "email_verified": u.verified, "name": u.name})
}

// Claims is the ID token: mockoidc's registered claims and nonce, the profile, and when and
// how the user authenticated (auth_time, amr).
func (u *demoUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if base == nil || base.RegisteredClaims == nil {
		return nil, errors.New("demo IdP: no registered claims")
	}
	return jwt.MapClaims{
		"iss": base.Issuer, "sub": u.ID(), "aud": []string(base.Audience),
		"exp": base.ExpiresAt.Unix(), "iat": base.IssuedAt.Unix(), "nbf": base.NotBefore.Unix(), "jti": base.ID,
		"nonce": base.Nonce, "email": u.email, "email_verified": u.verified, "name": u.name,
		"auth_time": u.authTime.Unix(), "amr": []string{"pwd"},
	}, nil
}

// capture records a handler's answer, for the middleware to rewrite it.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header {
	if c.header == nil {
		c.header = make(http.Header)
	}
	return c.header
}

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(p)
}
