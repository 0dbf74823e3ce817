package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

// newServer mounts the usual routes on a ServeMux, as an application would.
func newServer(s *middleware.Sessions[User], auth middleware.Authenticator[User]) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /login", s.LoginHandler(auth))
	mux.Handle("POST /logout", s.LogoutHandler())
	mux.Handle("GET /api/me", s.RequireSession(protected))
	return mux
}

// TestTLSRoundTrip logs in, uses and ends a session through a real TLS server and a cookie
// jar, so the Secure, __Host- cookie travels as it would in a browser.
func TestTLSRoundTrip(t *testing.T) {
	var store *middleware.MemoryRevocation
	f := newRevocationFixture(t, &store) // the store on the fixture's clock, not the wall clock
	srv := httptest.NewTLSServer(newServer(f.sessions, fakeAuth))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := srv.Client()
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	post := func(path string, form url.Values) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	me := func() (int, string) {
		resp, err := client.Get(srv.URL + "/api/me")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if code, _ := me(); code != 401 {
		t.Fatalf("before login: got %d, want 401", code)
	}
	if resp := post("/login", url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"/api/me"}}); resp.StatusCode != 303 || resp.Header.Get("Location") != "/api/me" {
		t.Fatalf("login: got %d to %q, want 303 to /api/me", resp.StatusCode, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(srv.URL)
	if len(jar.Cookies(u)) != 1 {
		t.Fatalf("jar holds %d cookies after login, want 1", len(jar.Cookies(u)))
	}
	if code, body := me(); code != 200 || body != "hello alice@example.com" {
		t.Fatalf("after login: got %d %q", code, body)
	}
	if resp := post("/logout", nil); resp.StatusCode != 303 {
		t.Fatalf("logout: got %d, want 303", resp.StatusCode)
	}
	if len(jar.Cookies(u)) != 0 {
		t.Error("cookie still in the jar after logout")
	}
	if code, _ := me(); code != 401 {
		t.Errorf("after logout: got %d, want 401", code)
	}
}

// TestConcurrentRequests runs many requests at once, with tokens shared and not, under -race.
func TestConcurrentRequests(t *testing.T) {
	// The store must share the fixture's clock: on the wall clock, its entries (fixture time +
	// lifetime) expire once the real time passes that, and revoked tokens work again.
	f := newRevocationFixture(t, nil)
	h := f.sessions.RequireSession(protected)
	shared, _ := f.issue(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Go(func() {
			own, _, err := f.codec.Issue("user-1", alice)
			if err != nil {
				errs <- err
				return
			}
			for i := range 50 {
				raw := shared
				if i%2 == 0 {
					raw = own
				}
				req := httptest.NewRequest("GET", "/api/me", nil)
				req.Header.Set("Cookie", cookieHeader(raw))
				if rec := serve(h, req); rec.Code != 200 {
					errs <- fmt.Errorf("goroutine %d request %d: got %d", g, i, rec.Code)
					return
				}
			}
			if g%4 == 0 {
				req := httptest.NewRequest("POST", "/logout", nil)
				req.Header.Set("Cookie", cookieHeader(own))
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				serve(f.sessions.LogoutHandler(), req)
				req = httptest.NewRequest("GET", "/api/me", nil)
				req.Header.Set("Cookie", cookieHeader(own))
				if rec := serve(h, req); rec.Code != 401 {
					errs <- fmt.Errorf("goroutine %d: revoked token got %d", g, rec.Code)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
