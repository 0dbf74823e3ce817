package e2e_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
)

// failCase is one way the flow must fail: the provider's user, hooks on the provider, a change
// to the callback URL, and the answer expected (status and reason code), never with a session.
type failCase struct {
	name     string
	edit     func(c jwt.MapClaims)                                               // changes the ID token's claims
	setup    func(t *testing.T, p *testIdP)                                      // installs hooks
	tamper   func(q url.Values)                                                  // changes the callback's query
	before   func(clock *atomic.Int64)                                           // runs before the callback (moves the clock)
	popts    []oidc.ProviderOption                                               // provider options
	callback func(t *testing.T, a *testApp, b *browser, u string) *http.Response // replaces the plain GET
	status   int
	code     string
}

func TestCallbackFailures(t *testing.T) {
	otherRSAKey() // generated now rather than inside a token request, which has a deadline
	now := time.Now()
	tests := []failCase{
		// The provider's error response.
		{name: "access denied", setup: authorizeError("access_denied"), status: 403, code: "provider_denied"},
		{name: "login required", setup: authorizeError("login_required"), status: 403, code: "provider_denied"},
		{name: "provider server error", setup: authorizeError("server_error"), status: 502, code: "provider_error"},
		{name: "unknown error value", setup: authorizeError("<script>alert(1)</script>"), status: 502, code: "provider_error"},

		// State.
		{name: "wrong state", tamper: func(q url.Values) { q.Set("state", "AAAAAAAAAAAAAAAAAAAAAAAAAA") }, status: 400, code: "state_mismatch"},
		{name: "no state parameter", tamper: func(q url.Values) { q.Del("state") }, status: 400, code: "state_mismatch"},
		{name: "state cookie expired", before: func(c *atomic.Int64) { c.Store(int64(oidc.FlowLifetime + time.Minute)) }, status: 400, code: "state_expired"},
		{name: "no state cookie", callback: func(t *testing.T, a *testApp, _ *browser, u string) *http.Response {
			return newBrowser(t, a).get(u, true) // another browser than the one that started
		}, status: 400, code: "state_missing"},
		{name: "forged state cookie", callback: func(t *testing.T, a *testApp, _ *browser, u string) *http.Response {
			return getWithCookie(t, a, u, "__Host-keycard-oidc-test", "eyJhbGciOiJIUzI1NiJ9.e30.x")
		}, status: 400, code: "state_invalid"},
		{name: "a second state cookie beside the real one", callback: func(t *testing.T, a *testApp, b *browser, u string) *http.Response {
			// A cookie planted by a sibling host, or sent twice: trust neither, the real one first.
			real := cookieValue(t, b, a, "__Host-keycard-oidc-test")
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Cookie", "__Host-keycard-oidc-test="+real+"; __Host-keycard-oidc-test=planted")
			c := *a.srv.Client()
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { resp.Body.Close() })
			return resp
		}, status: 400, code: "state_ambiguous"},

		// The authorization response.
		{name: "code repeated", tamper: func(q url.Values) { q.Add("code", "second") }, status: 400, code: "bad_request"},
		{name: "state repeated", tamper: func(q url.Values) { q.Add("state", q.Get("state")) }, status: 400, code: "bad_request"},
		{name: "control character", tamper: func(q url.Values) { q.Set("code", "a\nb") }, status: 400, code: "bad_request"},
		{name: "no code", tamper: func(q url.Values) { q.Del("code") }, status: 400, code: "code_missing"},
		{name: "code refused by the provider", tamper: func(q url.Values) { q.Set("code", "not-a-code") }, status: 400, code: "code_rejected"},
		{name: "iss of another provider (RFC 9207)", tamper: func(q url.Values) { q.Set("iss", "https://evil.example") }, status: 400, code: "issuer_mismatch"},
		{name: "iss missing where announced", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["authorization_response_iss_parameter_supported"] = true }
			})
		}, status: 400, code: "issuer_missing"},

		// The ID token.
		{name: "wrong nonce", edit: func(c jwt.MapClaims) { c["nonce"] = "another-flow" }, status: 401, code: "id_token_nonce"},
		{name: "no nonce", edit: func(c jwt.MapClaims) { delete(c, "nonce") }, status: 401, code: "id_token_nonce"},
		{name: "another audience", edit: func(c jwt.MapClaims) { c["aud"] = "someone-else" }, status: 401, code: "id_token_audience"},
		{name: "several audiences without azp", edit: func(c jwt.MapClaims) { c["aud"] = []string{testClientID, "other"} }, status: 401, code: "id_token_azp"},
		{name: "azp of another client", edit: func(c jwt.MapClaims) { c["azp"] = "other" }, status: 401, code: "id_token_azp"},
		{name: "another issuer (mix-up)", edit: func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }, status: 401, code: "id_token_issuer"},
		{name: "expired", edit: func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }, status: 401, code: "id_token_expired"},
		{name: "issued in the future", edit: func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() }, status: 401, code: "id_token_iat"},
		{name: "issued before the flow", edit: func(c jwt.MapClaims) { c["iat"] = now.Add(-time.Hour).Unix() }, status: 401, code: "id_token_iat"},
		{name: "no iat", edit: func(c jwt.MapClaims) { delete(c, "iat") }, status: 401, code: "id_token_iat"},
		{name: "auth_time in the future", edit: func(c jwt.MapClaims) { c["auth_time"] = now.Add(time.Hour).Unix() }, status: 401, code: "id_token_auth_time"},
		{name: "auth_time not a number", edit: func(c jwt.MapClaims) { c["auth_time"] = "yesterday" }, status: 401, code: "id_token_auth_time"},
		{name: "no subject", edit: func(c jwt.MapClaims) { c["sub"] = "" }, status: 401, code: "id_token_subject"},
		// The subject becomes the application's account key and reaches its logs: OpenID
		// Connect bounds it to 255 ASCII characters, and a line break in it forges log lines.
		{name: "subject too long", edit: func(c jwt.MapClaims) { c["sub"] = strings.Repeat("a", 256) }, status: 401, code: "id_token_subject"},
		{name: "subject with a line break", edit: func(c jwt.MapClaims) { c["sub"] = "mallory\nadmin" }, status: 401, code: "id_token_subject"},
		{name: "ID token too large", edit: func(c jwt.MapClaims) { c["padding"] = strings.Repeat("x", 17<<10) }, status: 401, code: "id_token_malformed"},
		// WithAlgorithms must bind: an RS256 token is refused when the application allows only
		// ES256, even though the provider announces both.
		{name: "algorithm the application excluded", popts: []oidc.ProviderOption{oidc.WithAlgorithms("ES256")},
			setup: func(t *testing.T, p *testIdP) {
				p.set(func(p *testIdP) {
					p.discovery = func(doc map[string]any) { doc["id_token_signing_alg_values_supported"] = []string{"RS256", "ES256"} }
				})
			}, status: 401, code: "id_token_algorithm"},
		{name: "max_age without auth_time", popts: []oidc.ProviderOption{oidc.WithMaxAge(time.Hour)},
			edit: func(c jwt.MapClaims) { delete(c, "auth_time") }, status: 401, code: "id_token_auth_time"},
		{name: "older than max_age", popts: []oidc.ProviderOption{oidc.WithMaxAge(time.Minute)},
			edit: func(c jwt.MapClaims) { c["auth_time"] = now.Add(-time.Hour).Unix() }, status: 401, code: "id_token_auth_time"},
		{name: "signed with another key", setup: forgeToken(func(c jwt.MapClaims, p *testIdP) string {
			return sign(jwt.SigningMethodRS256, c, mustKid(p), otherRSAKey())
		}), status: 401, code: "id_token_signature"},
		{name: "signed with another key and kid", setup: forgeToken(func(c jwt.MapClaims, p *testIdP) string {
			return sign(jwt.SigningMethodRS256, c, "unknown-kid", otherRSAKey())
		}), status: 401, code: "id_token_signature"},
		{name: "HS256 keyed with the client secret", setup: forgeToken(func(c jwt.MapClaims, p *testIdP) string {
			return sign(jwt.SigningMethodHS256, c, mustKid(p), []byte(testClientSecret))
		}), status: 401, code: "id_token_algorithm"},
		{name: "alg none", setup: forgeToken(func(c jwt.MapClaims, p *testIdP) string {
			return sign(jwt.SigningMethodNone, c, "", jwt.UnsafeAllowNoneSignatureType)
		}), status: 401, code: "id_token_algorithm"},
		{name: "not a JWT", setup: forgeToken(func(jwt.MapClaims, *testIdP) string { return "garbage" }), status: 401, code: "id_token_malformed"},

		// The provider misbehaving or down.
		{name: "no ID token", setup: forgeToken(func(jwt.MapClaims, *testIdP) string { return "" }), status: 502, code: "token_no_id_token"},
		{name: "token endpoint fails", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) {
				p.token = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
					http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
				}
			})
		}, status: 502, code: "token_endpoint_error"},
		{name: "token endpoint hangs", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) { p.token = p.stall })
		}, status: 504, code: "provider_timeout"},
		{name: "JWKS hangs", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) { p.jwks = p.stall })
		}, status: 504, code: "provider_timeout"},
		{name: "token endpoint echoes the secret", setup: func(t *testing.T, p *testIdP) {
			// Some providers quote the refused credentials in their error body; the logs
			// (checked below for the client secret) must not.
			p.set(func(p *testIdP) {
				p.token = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client",
						"error_description": "client secret " + testClientSecret + " is wrong for code " + r.FormValue("code")})
				}
			})
		}, status: 502, code: "token_endpoint_error"},
		{name: "JWKS fails", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) {
				p.jwks = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
					http.Error(w, "down", http.StatusServiceUnavailable)
				}
			})
		}, status: 502, code: "jwks_bad_response"},
		{name: "token endpoint redirects", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) { p.token = redirectOnce })
		}, status: 502, code: "token_endpoint_error"},
		{name: "JWKS redirects", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) { p.jwks = redirectOnce })
		}, status: 502, code: "jwks_bad_response"},
		{name: "JWKS too large", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) { p.jwks = padJSON("keys") })
		}, status: 502, code: "jwks_bad_response"},
		{name: "token response too large", setup: func(t *testing.T, p *testIdP) {
			p.set(func(p *testIdP) {
				p.token = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"access_token":"` + strings.Repeat("a", 1<<20+1<<18) + `"}`))
				}
			})
		}, status: 502, code: "token_bad_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newTestIdP(t)
			idp.m.QueueUser(&testUser{sub: "mallory", email: "m@example.com", verified: true,
				authTime: time.Now().Add(-time.Second), edit: tt.edit})
			if tt.setup != nil {
				tt.setup(t, idp)
			}
			var offset atomic.Int64
			clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			a := newTestApp(t, appOptions{clock: clock, opts: []oidc.Option{oidc.WithTimeout(2 * time.Second)}},
				provider(t, "test", idp, tt.popts...))
			b := newBrowser(t, a)
			callback := b.authorize(a, "test", "/me")
			if tt.tamper != nil {
				u, _ := url.Parse(callback)
				q := u.Query()
				tt.tamper(q)
				u.RawQuery = q.Encode()
				callback = u.String()
			}
			if tt.before != nil {
				tt.before(&offset)
			}
			var resp *http.Response
			if tt.callback != nil {
				resp = tt.callback(t, a, b, callback)
			} else {
				resp = b.get(callback, true)
			}
			code := errorCode(t, resp)
			if resp.StatusCode != tt.status || code != tt.code {
				t.Errorf("got %d %q, want %d %q; logs %s", resp.StatusCode, code, tt.status, tt.code, a.logs)
			}
			if hasSession(resp) {
				t.Error("a failed sign-in set a session cookie")
			}
			// The state cookie is spent by any callback that brought one, however it ends.
			if tt.code != "state_missing" && !clearsCookie(resp, "__Host-keycard-oidc-test") {
				t.Error("the failed callback did not clear the state cookie")
			}
			if !strings.Contains(a.logs.String(), `"reason":"`+tt.code+`"`) {
				t.Errorf("logs lack reason %q: %s", tt.code, a.logs)
			}
			if strings.Contains(a.logs.String(), testClientSecret) || strings.Contains(a.logs.String(), "<script>") {
				t.Errorf("logs carry a secret or the provider's text: %s", a.logs)
			}
			// The browser can try again at once.
			idp.set(func(p *testIdP) { p.authorize, p.token, p.jwks = nil, nil, nil })
		})
	}
}

// authorizeError makes the provider answer the authorization request with the error code, and
// a description an attacker wrote.
func authorizeError(code string) func(t *testing.T, p *testIdP) {
	return func(t *testing.T, p *testIdP) {
		p.set(func(p *testIdP) {
			p.authorize = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				q := r.URL.Query()
				back := url.Values{"error": {code}, "state": {q.Get("state")},
					"error_description": {"<script>alert(1)</script> call +1 555 0100"}}
				http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
			}
		})
	}
}

// forgeToken replaces the provider's ID token with forge(claims).
func forgeToken(forge func(c jwt.MapClaims, p *testIdP) string) func(t *testing.T, p *testIdP) {
	return func(t *testing.T, p *testIdP) {
		p.set(func(p *testIdP) { p.token = rewriteIDToken(t, func(c jwt.MapClaims) string { return forge(c, p) }) })
	}
}

func sign(m jwt.SigningMethod, c jwt.MapClaims, kid string, key any) string {
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		panic(err)
	}
	return s
}

func mustKid(p *testIdP) string {
	kid, _ := p.m.Keypair.KeyID()
	return kid
}

func TestFailuresAtLogin(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downIssuer := "http://" + closed.Addr().String() + "/oidc"
	closed.Close()

	tests := []struct {
		name   string
		issuer func(p *testIdP) string
		setup  func(p *testIdP)
		status int
		code   string
	}{
		{"provider down", func(*testIdP) string { return downIssuer }, nil, 502, "provider_unavailable"},
		{"discovery hangs", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(map[string]any) { <-p.release }
			})
		}, 504, "provider_timeout"},
		{"discovery names another issuer", nil, func(p *testIdP) {
			p.set(func(p *testIdP) { p.discovery = func(doc map[string]any) { doc["issuer"] = "https://evil.example" } })
		}, 502, "discovery_issuer_mismatch"},
		{"discovery too large", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["padding"] = strings.Repeat("x", 1<<20) }
			})
		}, 502, "discovery_bad_response"},
		{"discovery redirects", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.redirectDiscovery = true
			})
		}, 502, "discovery_bad_response"},
		{"no PKCE S256", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["code_challenge_methods_supported"] = []string{"plain"} }
			})
		}, 502, "discovery_no_pkce"},
		{"HMAC-signed ID tokens only", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["id_token_signing_alg_values_supported"] = []string{"HS256", "none"} }
			})
		}, 502, "discovery_no_algorithm"},
		{"plain-http token endpoint", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["token_endpoint"] = "http://evil.example/token" }
			})
		}, 502, "discovery_bad_response"},
		// Keys fetched over plain HTTP are whatever the network says: forged ID tokens would verify.
		{"plain-http JWKS", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["jwks_uri"] = "http://evil.example/jwks" }
			})
		}, 502, "discovery_bad_response"},
		{"plain-http authorization endpoint", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["authorization_endpoint"] = "http://evil.example/authorize" }
			})
		}, 502, "discovery_bad_response"},
		{"JWKS URI without a host", nil, func(p *testIdP) {
			p.set(func(p *testIdP) {
				p.discovery = func(doc map[string]any) { doc["jwks_uri"] = "https:///jwks" }
			})
		}, 502, "discovery_bad_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newTestIdP(t)
			if tt.setup != nil {
				tt.setup(idp)
			}
			issuer := idp.issuer()
			if tt.issuer != nil {
				issuer = tt.issuer(idp)
			}
			p, err := oidc.NewProvider("test", issuer, testClientID)
			if err != nil {
				t.Fatal(err)
			}
			a := newTestApp(t, appOptions{opts: []oidc.Option{oidc.WithTimeout(2 * time.Second)}}, p)
			b := newBrowser(t, a)
			resp := b.get(a.srv.URL+"/auth/test/login", true)
			if code := errorCode(t, resp); resp.StatusCode != tt.status || code != tt.code {
				t.Errorf("got %d %q, want %d %q; logs %s", resp.StatusCode, code, tt.status, tt.code, a.logs)
			}
			// A failure is remembered for a moment: the next sign-in fails at once, alike.
			resp = b.get(a.srv.URL+"/auth/test/login", false)
			if resp.StatusCode != tt.status || !strings.Contains(readBody(resp), "Sign-in with test failed") {
				t.Errorf("second attempt: %d, want %d and the failure page", resp.StatusCode, tt.status)
			}
		})
	}
}

// brokenOnce is a middleware.OnceStore that cannot answer.
type brokenOnce struct{ err error }

func (b brokenOnce) Use(context.Context, string, time.Time) (bool, error) { return false, b.err }

func TestOnceStoreFailure(t *testing.T) {
	for _, err := range []error{middleware.ErrOnceFull, errString("redis: connection refused")} {
		t.Run(err.Error(), func(t *testing.T) {
			idp := newTestIdP(t)
			a := newTestApp(t, appOptions{opts: []oidc.Option{oidc.WithOnceStore(brokenOnce{err})}}, provider(t, "test", idp))
			b := newBrowser(t, a)
			resp := b.get(b.authorize(a, "test", ""), true)
			if code := errorCode(t, resp); resp.StatusCode != http.StatusServiceUnavailable || code != "unavailable" || hasSession(resp) {
				t.Errorf("got %d %q (session %v), want 503 unavailable and no session: fail closed", resp.StatusCode, code, hasSession(resp))
			}
		})
	}
}

// redirectOnce answers with a redirect to the same endpoint, which then answers as it should: a
// provider endpoint that sends the client elsewhere. The client must not follow (it could be
// sent anywhere, with the client secret and the code in a 307's body).
func redirectOnce(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.URL.Query().Get("redirected") != "" {
		next.ServeHTTP(w, r)
		return
	}
	http.Redirect(w, r, r.URL.Path+"?redirected=1", http.StatusTemporaryRedirect)
}

// padJSON answers as the endpoint does, with a member pad of more than the 1 MB a response may
// have: only a bound on the body refuses it.
func padJSON(pad string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			http.Error(w, "bad answer", http.StatusInternalServerError)
			return
		}
		body[pad+"_padding"] = strings.Repeat("x", 1<<20)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
}
