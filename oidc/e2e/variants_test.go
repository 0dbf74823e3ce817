package e2e_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keycard-go/keycard/oidc"
)

// TestFlowVariants covers answers that must be accepted: what real providers send.
func TestFlowVariants(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(c jwt.MapClaims)
		setup    func(p *testIdP)
		popts    []oidc.ProviderOption
		next     string
		wantNext string
		check    func(t *testing.T, id oidc.Identity, authz url.Values)
	}{
		{name: "iss in the response (RFC 9207)", setup: func(p *testIdP) {
			p.discovery = func(doc map[string]any) { doc["authorization_response_iss_parameter_supported"] = true }
			p.authorize = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				addIss(w, r, next, p.issuer())
			}
		}},
		{name: "several audiences with azp", edit: func(c jwt.MapClaims) {
			c["aud"], c["azp"] = []string{testClientID, "api"}, testClientID
		}},
		{name: "email_verified as a string", edit: func(c jwt.MapClaims) { c["email_verified"] = "true" },
			check: func(t *testing.T, id oidc.Identity, _ url.Values) {
				if !id.EmailVerified {
					t.Error(`email_verified "true" not taken as verified`)
				}
			}},
		// The string form must not verify by being there: "false" is a claim that it is not.
		{name: "email_verified as the string false", edit: func(c jwt.MapClaims) { c["email_verified"] = "false" },
			check: func(t *testing.T, id oidc.Identity, _ url.Values) {
				if id.EmailVerified {
					t.Error(`email_verified "false" taken as verified`)
				}
			}},
		{name: "amr bounded", edit: func(c jwt.MapClaims) { c["amr"] = slices.Repeat([]string{"pwd"}, 20) },
			check: func(t *testing.T, id oidc.Identity, _ url.Values) {
				if len(id.AMR) != 8 {
					t.Errorf("%d AMR values carried, want at most 8", len(id.AMR))
				}
			}},
		{name: "odd amr values dropped", edit: func(c jwt.MapClaims) { c["amr"] = []any{"pwd", "a b", strings.Repeat("x", 40), 7, "mfa"} },
			check: func(t *testing.T, id oidc.Identity, _ url.Values) {
				// 7 is not a string: the whole claim is not a string array and is ignored.
				if id.AMR != nil {
					t.Errorf("AMR %q, want none from a malformed amr", id.AMR)
				}
			}},
		{name: "amr filtered", edit: func(c jwt.MapClaims) { c["amr"] = []string{"pwd", "a b", strings.Repeat("x", 40), "mfa"} },
			check: func(t *testing.T, id oidc.Identity, _ url.Values) {
				if !slices.Equal(id.AMR, []string{"pwd", "mfa"}) {
					t.Errorf("AMR %q, want [pwd mfa]", id.AMR)
				}
			}},
		{name: "no auth_time", edit: func(c jwt.MapClaims) { delete(c, "auth_time") },
			check: func(t *testing.T, id oidc.Identity, _ url.Values) {
				if !id.AuthTime.IsZero() || id.IssuedAt.IsZero() {
					t.Errorf("AuthTime %v, IssuedAt %v; want zero and set", id.AuthTime, id.IssuedAt)
				}
			}},
		{name: "max_age and extra parameters", popts: []oidc.ProviderOption{oidc.WithMaxAge(5 * time.Minute),
			oidc.WithAuthParam("prompt", "select_account"), oidc.WithScopes("groups")},
			check: func(t *testing.T, _ oidc.Identity, authz url.Values) {
				if authz.Get("max_age") != "300" || authz.Get("prompt") != "select_account" || authz.Get("scope") != "openid email profile groups" {
					t.Errorf("authorization request: max_age %q, prompt %q, scope %q", authz.Get("max_age"), authz.Get("prompt"), authz.Get("scope"))
				}
			}},
		{name: "unsafe next", next: "//evil.example/", wantNext: "/"},
		{name: "long next", next: "/" + strings.Repeat("a", 600), wantNext: "/"},
		{name: "next with query", next: "/me?a=1&b=2", wantNext: "/me?a=1&b=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newTestIdP(t)
			idp.m.QueueUser(&testUser{sub: "carol", email: "c@example.com", authTime: time.Now().Add(-time.Minute), edit: tt.edit})
			var authz url.Values
			idp.set(func(p *testIdP) {
				if tt.setup != nil {
					tt.setup(p)
				}
				inner := p.authorize
				p.authorize = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
					authz = r.URL.Query()
					if inner != nil {
						inner(w, r, next)
						return
					}
					next.ServeHTTP(w, r)
				}
			})
			a := newTestApp(t, appOptions{}, provider(t, "test", idp, tt.popts...))
			b := newBrowser(t, a)
			resp := b.get(b.authorize(a, "test", tt.next), false)
			if resp.StatusCode != http.StatusSeeOther || !hasSession(resp) {
				t.Fatalf("callback: status %d, session %v; logs %s", resp.StatusCode, hasSession(resp), a.logs)
			}
			want := tt.wantNext
			if want == "" {
				want = "/"
			}
			if got := resp.Header.Get("Location"); got != want {
				t.Errorf("redirect to %q, want %q", got, want)
			}
			if tt.check != nil {
				tt.check(t, <-a.identity, authz)
			}
		})
	}
}

// addIss runs the authorization endpoint and adds iss to the response it redirects with.
func addIss(w http.ResponseWriter, r *http.Request, next http.Handler, iss string) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	loc, _ := url.Parse(rec.Header().Get("Location"))
	q := loc.Query()
	q.Set("iss", iss)
	loc.RawQuery = q.Encode()
	http.Redirect(w, r, loc.String(), http.StatusFound)
}

func TestStateCookie(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	resp := newBrowser(t, a).get(a.srv.URL+"/auth/test/login", false)
	var line string
	for _, l := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "__Host-keycard-oidc-test=") {
			line = l
		}
	}
	for _, attr := range []string{"Path=/", "Max-Age=600", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(line, "; "+attr) {
			t.Errorf("state cookie %q lacks %s", line, attr)
		}
	}
	if strings.Contains(line, "Domain=") {
		t.Errorf("state cookie %q has a Domain", line)
	}
	if len(line) > 1500 {
		t.Errorf("state cookie is %d bytes", len(line))
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("login route Cache-Control %q, want no-store", got)
	}
	// The cookie is encrypted: whoever sees it (a proxy's log, a shared machine) learns neither
	// the state nor the nonce, nor the PKCE verifier kept beside them.
	authz, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	value, _, _ := strings.Cut(strings.TrimPrefix(line, "__Host-keycard-oidc-test="), ";")
	for _, part := range strings.Split(value, ".") {
		plain, _ := base64.RawURLEncoding.DecodeString(part)
		for _, secret := range []string{authz.Query().Get("state"), authz.Query().Get("nonce")} {
			if secret == "" || strings.Contains(string(plain), secret) || strings.Contains(part, secret) {
				t.Errorf("the state cookie shows a secret of the flow (%q)", secret)
			}
		}
	}
	if resp := newBrowser(t, a).post(a.srv.URL+"/auth/test/login", false); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the login route: %d, want 405", resp.StatusCode)
	}
}
