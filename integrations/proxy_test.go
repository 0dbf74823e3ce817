package integrations

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

// proxyAddr is the reverse proxy's address as the application sees it in RemoteAddr.
const proxyAddr = "10.0.0.2:41000"

// throughProxy marks r as forwarded by the proxy for client, the way nginx does with
// proxy_set_header X-Real-IP $remote_addr.
func throughProxy(r *http.Request, client string) *http.Request {
	r.RemoteAddr = proxyAddr
	r.Header.Set("X-Real-IP", client)
	return r
}

// TestProxyLockout reproduces what a default setup does behind a reverse proxy: every client
// has the proxy's address, so an attacker's five wrong passwords lock the real user out of
// their own account. With WithClientIP reading the proxy's header, the attacker is throttled
// and the user signs in.
func TestProxyLockout(t *testing.T) {
	const attacker, user = "203.0.113.7", "198.51.100.23"
	for _, c := range []struct {
		name     string
		opts     []middleware.Option
		wantUser int // the real user's status after the attack
	}{
		{"default: the client is the proxy", nil, http.StatusTooManyRequests},
		{"WithClientIP(clientIP)", []middleware.Option{middleware.WithClientIP(clientIP)}, http.StatusSeeOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			login := newSessions(t, newCodec(t, clk), clk, c.opts...).LoginHandler(demoAuth())
			for i := range middleware.DefaultLoginAttempts {
				resp := serve(login, throughProxy(loginRequest(demoEmail, "wrong password", ""), attacker))
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("attacker's attempt %d: got %d, want 401", i+1, resp.StatusCode)
				}
			}
			if resp := serve(login, throughProxy(loginRequest(demoEmail, "wrong password", ""), attacker)); resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("attacker's attempt %d: got %d, want 429", middleware.DefaultLoginAttempts+1, resp.StatusCode)
			}
			resp := serve(login, throughProxy(loginRequest(demoEmail, demoPassword, ""), user))
			if resp.StatusCode != c.wantUser {
				t.Errorf("the real user's login with the right password: got %d, want %d", resp.StatusCode, c.wantUser)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	for _, c := range []struct {
		name, realIP, remote, want string
	}{
		{"IPv4 from the proxy", "203.0.113.7", proxyAddr, "203.0.113.7"},
		{"IPv6 counts by /64", "2001:db8:1:2:3:4:5:6", proxyAddr, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6 is IPv4", "::ffff:203.0.113.7", proxyAddr, "203.0.113.7"},
		{"no header: the peer", "", "192.0.2.1:1234", "192.0.2.1"},
		{"garbage header: the peer", "203.0.113.7, 10.0.0.1", "192.0.2.1:1234", "192.0.2.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.RemoteAddr = c.remote
			if c.realIP != "" {
				r.Header.Set("X-Real-IP", c.realIP)
			}
			if got := clientIP(r); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestProxyRewritesHost shows what a proxy that rewrites Host (nginx's default,
// proxy_set_header Host $proxy_host) does to cross-origin protection: a browser that sends
// Origin but no Sec-Fetch-Site (older browsers) is refused, because Origin no longer matches
// Host. Keeping Host, or WithTrustedOrigins, lets it in; cross-site requests stay refused.
func TestProxyRewritesHost(t *testing.T) {
	for _, c := range []struct {
		name          string
		host          string // what the application sees
		secFetchSite  string // "" for a browser that does not send it
		origin        string
		trustedOrigin bool // proxiedSessions instead of the defaults
		want          int
	}{
		{"Host rewritten, Origin only: refused", "app:8080", "", "https://app.example.com", false, http.StatusForbidden},
		{"Host rewritten, Sec-Fetch-Site same-origin", "app:8080", "same-origin", "https://app.example.com", false, http.StatusSeeOther},
		{"Host kept, Origin only", "app.example.com", "", "https://app.example.com", false, http.StatusSeeOther},
		{"Host rewritten, WithTrustedOrigins", "app:8080", "", "https://app.example.com", true, http.StatusSeeOther},
		{"cross-site, WithTrustedOrigins: refused", "app:8080", "cross-site", "https://evil.example", true, http.StatusForbidden},
		{"cross-site, Origin only, WithTrustedOrigins: refused", "app:8080", "", "https://evil.example", true, http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			codec := newCodec(t, clk)
			sessions := newSessions(t, codec, clk)
			if c.trustedOrigin {
				var err error
				if sessions, err = proxiedSessions(codec); err != nil {
					t.Fatal(err)
				}
			}
			r := throughProxy(loginRequest(demoEmail, demoPassword, ""), "198.51.100.23")
			r.Host = c.host
			r.Header.Set("Origin", c.origin)
			r.Header.Del("Sec-Fetch-Site")
			if c.secFetchSite != "" {
				r.Header.Set("Sec-Fetch-Site", c.secFetchSite)
			}
			resp := serve(sessions.LoginHandler(demoAuth()), r)
			if resp.StatusCode != c.want {
				t.Errorf("got %d, want %d", resp.StatusCode, c.want)
			}
			if got := sessionCookie(resp) != nil; got != (c.want == http.StatusSeeOther) {
				t.Errorf("session cookie set: got %v, want %v", got, !got)
			}
		})
	}
}
