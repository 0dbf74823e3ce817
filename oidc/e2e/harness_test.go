package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

// The tests run a real OpenID provider in process (mockoidc, on a loopback port) and drive the
// whole authorization code flow against it over HTTP. Hooks on the provider's endpoints bend its
// answers into every failure a hostile or broken provider can produce.

const (
	testClientID     = "keycard-test-client"
	testClientSecret = "keycard-test-secret-0123456789"
)

// testIdP is an in-process OpenID provider with hooks.
type testIdP struct {
	m *mockoidc.MockOIDC

	mu                sync.Mutex
	discovery         func(doc map[string]any) // edits the discovery document
	authorize         func(w http.ResponseWriter, r *http.Request, next http.Handler)
	token             func(w http.ResponseWriter, r *http.Request, next http.Handler)
	jwks              func(w http.ResponseWriter, r *http.Request, next http.Handler)
	redirectDiscovery bool          // the discovery document answers with a redirect to itself first
	logouts           []url.Values  // requests to the end_session_endpoint
	release           chan struct{} // closed at cleanup: unblocks hooks that stall
}

// newTestIdP starts a provider on 127.0.0.1 and stops it when the test ends.
func newTestIdP(t testing.TB) *testIdP {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.ClientID, m.ClientSecret = testClientID, testClientSecret
	if _, err := m.Keypair.KeyID(); err != nil { // computed lazily otherwise, racing requests
		t.Fatal(err)
	}
	idp := &testIdP{m: m, release: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// mockoidc's own Start serves only its endpoints; this server puts the hooks in front of
	// them and adds an end-session endpoint. Issuer() reads the address from m.Server.
	mux := http.NewServeMux()
	mux.HandleFunc(mockoidc.AuthorizationEndpoint, m.Authorize)
	mux.HandleFunc(mockoidc.TokenEndpoint, m.Token)
	mux.HandleFunc(mockoidc.JWKSEndpoint, m.JWKS)
	mux.HandleFunc(mockoidc.DiscoveryEndpoint, m.Discovery)
	mux.HandleFunc(mockoidc.UserinfoEndpoint, m.Userinfo)
	m.Server = &http.Server{Addr: ln.Addr().String(), Handler: idp.hooks(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = m.Server.Serve(ln) }()
	t.Cleanup(func() { _ = m.Shutdown() })
	t.Cleanup(func() { close(idp.release) }) // runs first: stalled handlers return, Shutdown can finish
	return idp
}

func (p *testIdP) issuer() string { return p.m.Issuer() }

// hooks lets a test change an endpoint's answer.
func (p *testIdP) hooks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		disc, authz, tok, jwks, redirectDisc := p.discovery, p.authorize, p.token, p.jwks, p.redirectDiscovery
		p.mu.Unlock()
		switch r.URL.Path {
		case mockoidc.DiscoveryEndpoint:
			if redirectDisc && r.URL.Query().Get("redirected") == "" {
				http.Redirect(w, r, r.URL.Path+"?redirected=1", http.StatusFound)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				http.Error(w, "bad discovery", http.StatusInternalServerError)
				return
			}
			doc["end_session_endpoint"] = p.m.Addr() + "/oidc/logout"
			if disc != nil {
				disc(doc)
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
		case "/oidc/logout":
			p.mu.Lock()
			p.logouts = append(p.logouts, r.URL.Query())
			p.mu.Unlock()
			http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusFound)
		case mockoidc.AuthorizationEndpoint:
			if authz != nil {
				authz(w, r, next)
				return
			}
			next.ServeHTTP(w, r)
		case mockoidc.TokenEndpoint:
			if tok != nil {
				tok(w, r, next)
				return
			}
			next.ServeHTTP(w, r)
		case mockoidc.JWKSEndpoint:
			if jwks != nil {
				jwks(w, r, next)
				return
			}
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// set runs f with the hooks locked, to install or change them.
func (p *testIdP) set(f func(p *testIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// stall answers nothing until the client gives up or the test ends: a provider that hangs.
func (p *testIdP) stall(w http.ResponseWriter, r *http.Request, _ http.Handler) {
	select {
	case <-r.Context().Done():
	case <-p.release:
	}
}

// testUser is the provider's user: claims for the ID token, with an edit hook that can bend
// any of them.
type testUser struct {
	sub      string
	email    string
	verified bool
	authTime time.Time
	amr      []string
	edit     func(c jwt.MapClaims)
}

func (u *testUser) ID() string { return u.sub }

func (u *testUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub, "email": u.email})
}

func (u *testUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c := jwt.MapClaims{
		"iss":            base.Issuer,
		"sub":            u.sub,
		"aud":            []string(base.Audience),
		"exp":            base.ExpiresAt.Unix(),
		"iat":            base.IssuedAt.Unix(),
		"nbf":            base.NotBefore.Unix(),
		"jti":            base.ID,
		"nonce":          base.Nonce,
		"email":          u.email,
		"email_verified": u.verified,
		"name":           "Test User",
	}
	if !u.authTime.IsZero() {
		c["auth_time"] = u.authTime.Unix()
	}
	if u.amr != nil {
		c["amr"] = u.amr
	}
	if u.edit != nil {
		u.edit(c)
	}
	return c, nil
}

// rewriteIDToken returns a token hook that replaces the ID token of the provider's answer with
// make(claims of the real one), for forgeries the provider itself would not sign.
func rewriteIDToken(t testing.TB, forge func(claims jwt.MapClaims) string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK { // x/oauth2 tries HTTP Basic first; mockoidc wants form fields
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("token response: %v", err)
			return
		}
		raw, _ := body["id_token"].(string)
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
			t.Errorf("parse ID token: %v", err)
			return
		}
		body["id_token"] = forge(claims)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
}

// otherRSAKey is a key the provider does not publish.
var otherRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// payload is the test application's session payload.
type payload struct {
	Email string `json:"email"`
}

// testApp is an application with keycard sessions and OpenID Connect sign-in.
type testApp struct {
	srv      *httptest.Server
	sessions *middleware.Sessions[payload]
	login    *oidc.Login[payload]
	logs     *syncBuffer
	identity chan oidc.Identity // every identity the link function saw

	mu     sync.Mutex
	events []middleware.Event
}

// takeEvents returns the events reported so far and forgets them.
func (a *testApp) takeEvents() []middleware.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.events
	a.events = nil
	return e
}

// appOptions configures newTestApp.
type appOptions struct {
	link       oidc.LinkFunc[payload]
	opts       []oidc.Option
	clock      func() time.Time
	revocation middleware.RevocationStore // nil: an in-memory one
}

// newTestApp serves an application over TLS (so that the Secure cookies travel) with the given
// providers. Without a link function, every identity maps to the account "user-" + subject.
func newTestApp(t testing.TB, o appOptions, providers ...*oidc.Provider) *testApp {
	t.Helper()
	key, err := token.NewHMACKey("test", token.HS256, bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	var topts []token.Option
	if o.clock != nil {
		topts = append(topts, token.WithClock(o.clock))
	}
	codec, err := token.New[payload](keys, topts...)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a := &testApp{logs: logs, identity: make(chan oidc.Identity, 16)}
	revocation := o.revocation
	if revocation == nil {
		revocation = middleware.NewMemoryRevocation(nil)
	}
	sessions, err := middleware.New(codec, middleware.WithRevocation(revocation),
		middleware.WithEvents(func(_ context.Context, e middleware.Event) {
			a.mu.Lock()
			a.events = append(a.events, e)
			a.mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	a.sessions = sessions
	link := o.link
	if link == nil {
		link = func(_ *http.Request, id oidc.Identity) (token.Subject, payload, error) {
			return token.Subject("user-" + id.Subject), payload{Email: id.Email}, nil
		}
	}
	recording := func(r *http.Request, id oidc.Identity) (token.Subject, payload, error) {
		select {
		case a.identity <- id:
		default:
		}
		return link(r, id)
	}
	mux := http.NewServeMux()
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	opts := []oidc.Option{oidc.WithLogger(zerolog.New(logs)), oidc.WithTimeout(2 * time.Second)}
	for _, p := range providers {
		opts = append(opts, oidc.WithProvider(p))
	}
	opts = append(opts, o.opts...)
	if a.login, err = oidc.New(sessions, a.srv.URL, recording, opts...); err != nil {
		t.Fatal(err)
	}
	a.login.Register(mux)
	mux.Handle("GET /sensitive", sessions.RequireRecentAuth(10*time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})))
	mux.Handle("GET /me", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFrom[payload](r.Context())
		_ = json.NewEncoder(w).Encode(c)
	})))
	return a
}

// provider returns a provider "name" for idp with the test client.
func provider(t testing.TB, name string, idp *testIdP, opts ...oidc.ProviderOption) *oidc.Provider {
	t.Helper()
	opts = append([]oidc.ProviderOption{oidc.WithClientSecret(testClientSecret)}, opts...)
	p, err := oidc.NewProvider(name, idp.issuer(), testClientID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// browser is an HTTP client that keeps cookies and follows no redirect, so each step of the
// flow can be looked at.
type browser struct {
	t      testing.TB
	client *http.Client
}

func newBrowser(t testing.TB, a *testApp) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *a.srv.Client() // a copy: srv.Client() is shared
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Timeout = 10 * time.Second
	return &browser{t: t, client: &c}
}

// get fetches u as a browser navigation (Accept: text/html) unless json.
func (b *browser) get(u string, json bool) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	if json {
		req.Header.Set("Accept", "application/json")
	} else {
		req.Header.Set("Accept", "text/html")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp
}

// authorize runs the login route and the provider's authorization endpoint, and returns the
// callback URL the provider sent the browser to.
func (b *browser) authorize(a *testApp, name, next string) string {
	b.t.Helper()
	u := "/auth/" + name + "/login"
	if next != "" {
		u += "?next=" + url.QueryEscape(next)
	}
	return b.authorizeAt(a, u)
}

// authorizeAt is authorize from the login route's path and query.
func (b *browser) authorizeAt(a *testApp, path string) string {
	b.t.Helper()
	resp := b.get(a.srv.URL+path, false)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login route: status %d, want 303; body %s", resp.StatusCode, readBody(resp))
	}
	resp = b.get(resp.Header.Get("Location"), false)
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("authorization endpoint: status %d, want 302; body %s", resp.StatusCode, readBody(resp))
	}
	return resp.Header.Get("Location")
}

func readBody(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// errorCode returns the reason code of a JSON failure.
func errorCode(t testing.TB, resp *http.Response) string {
	t.Helper()
	var body struct {
		Error string `json:"error"`
	}
	raw := readBody(resp)
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatalf("failure body %q: %v", raw, err)
	}
	return body.Error
}

// hasSession reports whether a response set the keycard session cookie.
func hasSession(resp *http.Response) bool {
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, middleware.DefaultCookieName+"=") && !strings.Contains(line, "Max-Age=0") {
			return true
		}
	}
	return false
}

// syncBuffer collects log lines written by server goroutines while the test reads them.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
