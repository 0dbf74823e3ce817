package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

func TestRequireSessionValid(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	req := httptest.NewRequest("GET", "/dashboard", nil)
	req.Header.Set("Cookie", "theme=dark; "+cookieHeader(raw)+"; other=1")
	rec := serve(f.sessions.RequireSession(protected), req)
	if rec.Code != http.StatusOK || rec.Body.String() != "hello alice@example.com" {
		t.Fatalf("got %d %q, want 200 %q", rec.Code, rec.Body, "hello alice@example.com")
	}
	if _, ok := setCookie(rec); ok {
		t.Error("fresh session got a Set-Cookie; want none until the refresh point")
	}
}

// TestUnauthorizedDecision is the redirect-versus-401 matrix.
func TestUnauthorizedDecision(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		method   string
		target   string
		headers  map[string]string
		status   int
		location string
	}{
		{"browser navigation", "GET", "/dashboard?tab=2", map[string]string{"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"}, 303, "/login?next=%2Fdashboard%3Ftab%3D2"},
		{"old browser without fetch metadata", "GET", "/", map[string]string{"Accept": "text/html"}, 303, "/login?next=%2F"},
		{"HEAD navigation", "HEAD", "/reports", map[string]string{"Accept": "text/html"}, 303, "/login?next=%2Freports"},
		{"fetch from a page", "GET", "/api/me", map[string]string{"Accept": "*/*", "Sec-Fetch-Mode": "cors"}, 401, ""},
		{"fetch asking for HTML", "GET", "/partial", map[string]string{"Accept": "text/html", "Sec-Fetch-Mode": "cors"}, 401, ""},
		{"API client", "GET", "/api/me", map[string]string{"Accept": "application/json"}, 401, ""},
		{"no Accept", "GET", "/api/me", nil, 401, ""},
		{"XHR", "GET", "/", map[string]string{"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"}, 401, ""},
		{"POST form", "POST", "/settings", map[string]string{"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}, 401, ""},
		{"DELETE", "DELETE", "/api/items/1", map[string]string{"Accept": "application/json"}, 401, ""},
		{"htmx", "GET", "/fragment", map[string]string{"Accept": "text/html", "HX-Request": "true"}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := serve(f.sessions.RequireSession(protected), req)
			if rec.Code != tt.status {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location: got %q, want %q", got, tt.location)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if tt.status != 401 {
				return
			}
			if got, want := rec.Body.String(), `{"error":"unauthenticated"}`+"\n"; got != want {
				t.Errorf("body: got %q, want %q", got, want)
			}
			if tt.headers["HX-Request"] == "true" {
				if got, want := rec.Header().Get("HX-Redirect"), "/login?next=%2Ffragment"; got != want {
					t.Errorf("HX-Redirect: got %q, want %q", got, want)
				}
			} else if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Cookie ") {
				t.Errorf("WWW-Authenticate: got %q, want a Cookie challenge", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func TestRequireSessionRejects(t *testing.T) {
	f := newFixture(t)
	valid, _ := f.issue(t)
	tampered := valid[:len(valid)-4] + "AAAA"
	otherClk := newClock()
	otherKey, _ := token.NewHMACKey("k1", token.HS256, []byte("another-secret-another-secret-00"))
	otherKeys, _ := token.NewKeySet(otherKey)
	otherCodec, _ := token.New[User](otherKeys, token.WithClock(otherClk.Now))
	forged, _, err := otherCodec.Issue("user-1", alice)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cookie  string
		want    error
		cleared bool
	}{
		{"no cookie", "", middleware.ErrNoSession, false},
		{"other cookies only", "theme=dark; lang=en", middleware.ErrNoSession, false},
		{"empty value", cookieHeader(""), middleware.ErrInvalidSession, true},
		{"garbage", cookieHeader("not-a-token"), token.ErrMalformed, true},
		{"tampered signature", cookieHeader(tampered), token.ErrSignature, true},
		{"signed with another secret", cookieHeader(forged), token.ErrSignature, true},
		{"too many session cookies", strings.Repeat(cookieHeader("x")+"; ", 5), middleware.ErrAmbiguous, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got error
			h := f.sessions.RequireSession(protected)
			s, _ := middleware.New(f.codec, middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, err error) {
				got = err
				w.WriteHeader(http.StatusUnauthorized)
			}))
			req := httptest.NewRequest("GET", "/api/me", nil)
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			serve(s.RequireSession(protected), req)
			if !errors.Is(got, tt.want) {
				t.Errorf("hook error: got %v, want %v", got, tt.want)
			}
			rec := serve(h, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status: got %d, want 401", rec.Code)
			}
			c, ok := setCookie(rec)
			if ok != tt.cleared {
				t.Fatalf("cookie cleared: got %v, want %v", ok, tt.cleared)
			}
			if ok && (c.MaxAge >= 0 || c.Value != "") {
				t.Errorf("clearing cookie: got MaxAge %d value %q, want MaxAge<0 and empty", c.MaxAge, c.Value)
			}
		})
	}
}

func TestExpiredCookieCleared(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	f.clk.Advance(f.codec.Lifetime() + time.Minute)
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	rec := serve(f.sessions.RequireSession(protected), req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status: got %d, want 401", rec.Code)
	}
	if c, ok := setCookie(rec); !ok || c.MaxAge >= 0 {
		t.Fatalf("expired cookie not cleared: %v", rec.Header()["Set-Cookie"])
	}
	if !strings.Contains(f.logs.String(), `"reason":"expired"`) {
		t.Errorf("logs: want a session_rejected event with reason expired, got %s", f.logs)
	}
}

func TestRollingRefresh(t *testing.T) {
	f := newFixture(t)
	raw, first := f.issue(t)
	lifetime := f.codec.Lifetime()
	h := f.sessions.RequireSession(protected)
	get := func(raw string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(h, req)
	}

	f.clk.Advance(lifetime / 4)
	if _, ok := setCookie(get(raw)); ok {
		t.Fatal("renewed at a quarter of the lifetime; want renewal only past half")
	}

	f.clk.Advance(lifetime / 2) // now at 3/4 of the lifetime
	rec := get(raw)
	renewed, ok := setCookie(rec)
	if !ok {
		t.Fatal("not renewed past half of the lifetime")
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("status: got %d, want 200", rec.Code)
	}
	// Not remembered: a browser-session cookie, without Max-Age or Expires.
	if renewed.MaxAge != 0 || !renewed.Expires.IsZero() || !renewed.HttpOnly || !renewed.Secure || renewed.SameSite != http.SameSiteLaxMode || renewed.Path != "/" {
		t.Errorf("renewed cookie attributes: got %+v", renewed)
	}
	next, err := f.codec.Verify(renewed.Value)
	if err != nil {
		t.Fatal(err)
	}
	if next.SessionID != first.SessionID || next.ID == first.ID || !next.AuthTime.Equal(first.AuthTime) {
		t.Errorf("renewed claims: got sid %q jti %q auth %v, want same sid, new jti, same auth_time", next.SessionID, next.ID, next.AuthTime)
	}
	// The old token still works: parallel requests of the same user are not logged out.
	if rec := get(raw); rec.Code != http.StatusOK {
		t.Errorf("previous token after renewal: got %d, want 200", rec.Code)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	f := newFixture(t, middleware.WithAbsoluteLifetime(3*time.Hour))
	raw, _ := f.issue(t)
	h := f.sessions.RequireSession(protected)
	// Keep the session rolling every 45 minutes: it survives until three hours after login.
	for elapsed := time.Duration(0); ; {
		f.clk.Advance(45 * time.Minute)
		elapsed += 45 * time.Minute
		var got error
		s, _ := middleware.New(f.codec, middleware.WithAbsoluteLifetime(3*time.Hour),
			middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, err error) {
				got = err
				w.WriteHeader(401)
			}))
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		rec := serve(s.RequireSession(protected), req)
		if elapsed < 3*time.Hour {
			if rec.Code != 200 {
				t.Fatalf("at %v: got %d (%v), want 200", elapsed, rec.Code, got)
			}
			if c, ok := setCookie(rec); ok {
				raw = c.Value
			}
			continue
		}
		if !errors.Is(got, middleware.ErrSessionEnded) {
			t.Fatalf("at %v: got %v, want ErrSessionEnded", elapsed, got)
		}
		if rec := serve(h, req); !strings.Contains(f.logs.String(), `"reason":"absolute_lifetime"`) || rec.Code != 401 {
			t.Errorf("want 401 and reason absolute_lifetime in logs, got %d and %s", rec.Code, f.logs)
		}
		return
	}
}

func TestRetiredKeyRenewed(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	oldKey, _ := token.NewHMACKey("k1", token.HS256, testSecret)
	newKey, _ := token.NewHMACKey("k2", token.HS256, []byte("the-next-signing-secret-32-bytes"))
	keys, _ := token.NewKeySet(newKey, oldKey)
	if err := f.codec.SetKeys(keys); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	rec := serve(f.sessions.RequireSession(protected), req)
	c, ok := setCookie(rec)
	if rec.Code != 200 || !ok {
		t.Fatalf("got %d, renewed %v; want 200 with a renewed cookie", rec.Code, ok)
	}
	claims, err := f.codec.Verify(c.Value)
	if err != nil || claims.KeyID != "k2" {
		t.Fatalf("renewed token: kid %v err %v, want k2", claims, err)
	}
	// Once the old key is removed, the old token no longer verifies.
	only, _ := token.NewKeySet(newKey)
	_ = f.codec.SetKeys(only)
	if rec := serve(f.sessions.RequireSession(protected), req); rec.Code != 401 {
		t.Errorf("token of a removed key: got %d, want 401", rec.Code)
	}
}

func TestRevocation(t *testing.T) {
	clk := newClock()
	store := middleware.NewMemoryRevocation(clk.Now)
	codec := newCodec(t, clk)
	s, err := middleware.New(codec, middleware.WithRevocation(store))
	if err != nil {
		t.Fatal(err)
	}
	raw, _, _ := codec.Issue("user-1", alice)
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	h := s.RequireSession(protected)
	if rec := serve(h, req); rec.Code != 200 {
		t.Fatalf("before logout: got %d, want 200", rec.Code)
	}
	logout := httptest.NewRequest("POST", "/logout", nil)
	logout.Header.Set("Cookie", cookieHeader(raw))
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	if rec := serve(s.LogoutHandler(), logout); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: got %d, want 204", rec.Code)
	}
	rec := serve(h, req)
	if rec.Code != 401 {
		t.Fatalf("revoked token (cached before logout): got %d, want 401", rec.Code)
	}
	if c, ok := setCookie(rec); !ok || c.MaxAge >= 0 {
		t.Error("revoked session's cookie not cleared")
	}

	// Log out everywhere: every session that began before now ends; a later login works.
	other, _, _ := codec.Issue("user-1", alice)
	clk.Advance(time.Second)
	if err := s.EndAll(context.Background(), "user-1"); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookieHeader(other))
	if rec := serve(h, req); rec.Code != 401 {
		t.Errorf("session after EndAll: got %d, want 401", rec.Code)
	}
	clk.Advance(time.Second)
	fresh, _, _ := codec.Issue("user-1", alice)
	req.Header.Set("Cookie", cookieHeader(fresh))
	if rec := serve(h, req); rec.Code != 200 {
		t.Errorf("login after EndAll: got %d, want 200", rec.Code)
	}
	// Entries are forgotten once no token of theirs can be valid: the session's after the token
	// lifetime, the subject's after the longest (remembered) session's.
	clk.Advance(middleware.DefaultRememberLifetime + time.Hour)
	_ = store.Revoke(context.Background(), "sweep-trigger", clk.Now().Add(time.Second))
	if n := store.Len(); n != 1 {
		t.Errorf("store entries after expiry: got %d, want 1 (only the new one)", n)
	}
}

func TestRevocationStoreFailure(t *testing.T) {
	tests := []struct {
		name   string
		opts   []middleware.Option
		status int
	}{
		{"fails closed by default", []middleware.Option{middleware.WithRevocation(failingStore{})}, 401},
		{"fails open when asked", []middleware.Option{middleware.WithRevocation(failingStore{}), middleware.WithRevocationFailOpen()}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			raw, _ := f.issue(t)
			req := httptest.NewRequest("GET", "/api/me", nil)
			req.Header.Set("Cookie", cookieHeader(raw))
			rec := serve(f.sessions.RequireSession(protected), req)
			if rec.Code != tt.status {
				t.Fatalf("got %d, want %d", rec.Code, tt.status)
			}
			if _, ok := setCookie(rec); ok {
				t.Error("a store outage cleared the cookie; the session itself is fine")
			}
			if !strings.Contains(f.logs.String(), `"level":"error"`) {
				t.Errorf("store failure not logged at error level: %s", f.logs)
			}
		})
	}
}

func TestCheckRunsOncePerRequest(t *testing.T) {
	var calls atomic.Int32
	active := true
	f := newFixture(t, middleware.WithCheck(func(ctx context.Context, c *token.Claims[User]) error {
		calls.Add(1)
		if !active {
			return errors.New("account disabled")
		}
		return nil
	}))
	raw, _ := f.issue(t)
	// Three layers ask for the session; the check and the verification run once.
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := f.sessions.Current(r); err != nil {
			t.Errorf("Current inside the middleware: %v", err)
		}
		protected.ServeHTTP(w, r)
	})
	h := f.sessions.LoadSession(f.sessions.RequireSession(inner))
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if rec := serve(h, req); rec.Code != 200 {
		t.Fatalf("got %d, want 200", rec.Code)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("check calls: got %d, want 1", n)
	}
	active = false
	if rec := serve(h, req); rec.Code != 401 {
		t.Errorf("disabled account: got %d, want 401", rec.Code)
	}
	if !strings.Contains(f.logs.String(), "account disabled") || !strings.Contains(f.logs.String(), `"reason":"rejected_by_check"`) {
		t.Errorf("check failure not logged with its cause: %s", f.logs)
	}
}

func TestCheckTypeMismatchRefused(t *testing.T) {
	clk := newClock()
	_, err := middleware.New(newCodec(t, clk), middleware.WithCheck(func(context.Context, *token.Claims[string]) error { return nil }))
	if err == nil {
		t.Fatal("New accepted a check for another payload type")
	}
}

func TestLoadSession(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := middleware.ClaimsFrom[User](r.Context()); ok {
			_, _ = w.Write([]byte("signed in as " + c.Payload.Name))
			return
		}
		_, _ = w.Write([]byte("anonymous"))
	})
	tests := []struct {
		name, cookie, body string
		cleared            bool
	}{
		{"signed in", cookieHeader(raw), "signed in as Alice", false},
		{"anonymous", "", "anonymous", false},
		{"bad cookie", cookieHeader("junk"), "anonymous", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			rec := serve(f.sessions.LoadSession(page), req)
			if rec.Code != 200 || rec.Body.String() != tt.body {
				t.Errorf("got %d %q, want 200 %q", rec.Code, rec.Body, tt.body)
			}
			if _, ok := setCookie(rec); ok != tt.cleared {
				t.Errorf("cookie cleared: got %v, want %v", ok, tt.cleared)
			}
		})
	}
}

func TestClaimsFromWithoutMiddleware(t *testing.T) {
	if _, ok := middleware.ClaimsFrom[User](context.Background()); ok {
		t.Error("ClaimsFrom on a bare context reported claims")
	}
	ctx := middleware.NewContext(context.Background(), &token.Claims[User]{Subject: "u"})
	if _, ok := middleware.ClaimsFrom[string](ctx); ok {
		t.Error("ClaimsFrom with the wrong payload type reported claims")
	}
	if c, ok := middleware.ClaimsFrom[User](ctx); !ok || c.Subject != "u" {
		t.Errorf("ClaimsFrom after NewContext: got %v %v", c, ok)
	}
}

// TestCookieTossing: a second session cookie, as a sibling subdomain could plant for a name
// without the __Host- prefix, must not silently replace or join the user's own.
func TestCookieTossing(t *testing.T) {
	f := newFixture(t)
	mine, _ := f.issue(t)
	attackers, _, _ := f.codec.Issue("attacker", User{Email: "mallory@example.com"})
	tests := []struct {
		name   string
		cookie string
		status int
		body   string
	}{
		{"planted junk before mine", cookieHeader("junk") + "; " + cookieHeader(mine), 200, "hello alice@example.com"},
		{"mine before planted junk", cookieHeader(mine) + "; " + cookieHeader("junk"), 200, "hello alice@example.com"},
		{"two copies of mine", cookieHeader(mine) + "; " + cookieHeader(mine), 200, "hello alice@example.com"},
		{"planted valid session before mine", cookieHeader(attackers) + "; " + cookieHeader(mine), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/me", nil)
			req.Header.Set("Cookie", tt.cookie)
			rec := serve(f.sessions.RequireSession(protected), req)
			if rec.Code != tt.status || (tt.body != "" && rec.Body.String() != tt.body) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
}

// TestEndAllThenStart: "log out everywhere" followed at once by a new login (a password change)
// keeps the new session and ends the earlier ones, even within the same second.
func TestEndAllThenStart(t *testing.T) {
	clk := newClock()
	clk.Advance(300 * time.Millisecond)
	store := middleware.NewMemoryRevocation(clk.Now)
	codec := newCodec(t, clk)
	s, err := middleware.New(codec, middleware.WithRevocation(store))
	if err != nil {
		t.Fatal(err)
	}
	earlier, _, _ := codec.Issue("user-1", alice)
	clk.Advance(2 * time.Millisecond)
	if err := s.EndAll(context.Background(), "user-1"); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := s.Start(rec, httptest.NewRequest("POST", "/password", nil), "user-1", alice); err != nil {
		t.Fatal(err)
	}
	fresh, ok := setCookie(rec)
	if !ok {
		t.Fatal("Start set no cookie")
	}
	// A sign-in through an identity provider that authenticated the user before the cut-off
	// (its own single sign-on session): the session itself began after it.
	rec = httptest.NewRecorder()
	if _, err := s.Start(rec, httptest.NewRequest("GET", "/auth/idp/callback", nil), "user-1", alice,
		middleware.AuthenticatedAt(clk.Now().Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	sso, ok := setCookie(rec)
	if !ok {
		t.Fatal("Start set no cookie")
	}
	for _, tt := range []struct {
		name, raw string
		status    int
	}{
		{"session from before the cut-off", earlier, 401},
		{"session started right after", fresh.Value, 200},
		{"session started after, authenticated before", sso.Value, 200},
	} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(tt.raw))
		if rec := serve(s.RequireSession(protected), req); rec.Code != tt.status {
			t.Errorf("%s: got %d, want %d", tt.name, rec.Code, tt.status)
		}
	}
}

// TestRevocationLasts: a revocation is kept for as long as a token it covers can be accepted:
// EndAll's until every session of the subject has ended (a browser session's token half an hour
// on, a remembered session's days on), a logout's until the token's expiry plus the verifier's
// leeway.
func TestRevocationLasts(t *testing.T) {
	f := newRevocationFixture(t, nil)
	get := func(raw string) int {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(f.sessions.RequireSession(protected), req).Code
	}
	_, browser := startOn(t, f.sessions, "", "user-1")
	_, remembered := startOn(t, f.sessions, "", "user-1", middleware.RememberMe(true))
	_, loggedOut := startOn(t, f.sessions, "", "user-2")
	f.clk.Advance(time.Second)
	if err := f.sessions.EndAll(context.Background(), "user-1"); err != nil {
		t.Fatal(err)
	}
	logout := httptest.NewRequest("POST", "/logout", nil)
	logout.Header.Set("Cookie", cookieHeader(loggedOut.Value))
	if err := f.sessions.End(httptest.NewRecorder(), logout); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(30 * time.Minute)
	if code := get(browser.Value); code != http.StatusUnauthorized {
		t.Errorf("browser session 30 min after EndAll: got %d, want 401", code)
	}
	// Past exp by less than the codec's leeway (5 s): the token still verifies.
	f.clk.Advance(f.codec.Lifetime() - 30*time.Minute - time.Second + 3*time.Second)
	if code := get(loggedOut.Value); code != http.StatusUnauthorized {
		t.Errorf("logged-out token within the leeway past its expiry: got %d, want 401", code)
	}
	f.clk.Advance(10 * 24 * time.Hour)
	if code := get(remembered.Value); code != http.StatusUnauthorized {
		t.Errorf("remembered session 10 days after EndAll: got %d, want 401", code)
	}
}

// TestLogsCarryRequestLogger: when a request carries a zerolog logger in its context, as hlog's
// handlers attach one with the request ID, the session events go to it and carry its fields.
func TestLogsCarryRequestLogger(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	reqLogger := zerolog.New(&buf).With().Str("req_id", "c0ffee").Logger()
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader("not-a-token"))
	req = req.WithContext(reqLogger.WithContext(req.Context()))
	serve(f.sessions.RequireSession(protected), req)
	if got := buf.String(); !strings.Contains(got, `"req_id":"c0ffee"`) || !strings.Contains(got, `"event":"session_rejected"`) {
		t.Errorf("request logger got %q, want a session_rejected event with the request ID", got)
	}
	if f.logs.Len() != 0 {
		t.Errorf("configured logger also got %q; want the request's logger only", f.logs)
	}
}

// TestLoginPathQuoted checks that WithLoginPath refuses a path that would break out of the
// quoted form-action parameter of the 401's WWW-Authenticate header.
func TestLoginPathQuoted(t *testing.T) {
	codec := newCodec(t, newClock())
	for _, path := range []string{`/log"in`, `/login",realm="x`} {
		if _, err := middleware.New(codec, middleware.WithLoginPath(path)); err == nil {
			t.Errorf("WithLoginPath(%q): got no error", path)
		}
	}
	if _, err := middleware.New(codec, middleware.WithLoginPath("/account/sign-in")); err != nil {
		t.Errorf("WithLoginPath(/account/sign-in): %v", err)
	}
}
