package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// startOn calls Start for user-1 on a request carrying cookie (none when empty) and returns
// the claims and the cookie set.
func startOn(t *testing.T, s *middleware.Sessions[User], cookie string, sub token.Subject, opts ...middleware.StartOption) (*token.Claims[User], *http.Cookie) {
	t.Helper()
	req := httptest.NewRequest("POST", "/callback", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookieHeader(cookie))
	}
	rec := httptest.NewRecorder()
	claims, err := s.Start(rec, req, sub, alice, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c, ok := setCookie(rec)
	if !ok {
		t.Fatal("Start set no session cookie")
	}
	return claims, c
}

func TestStartRecordsAuthentication(t *testing.T) {
	f := newFixture(t)
	past := start.Add(-10 * time.Minute)
	claims, c := startOn(t, f.sessions, "", "user-1",
		middleware.AuthMethods(middleware.AMRPassword, middleware.AMROTP),
		middleware.AuthMethods(middleware.AMROTP, middleware.AMRMultiFactor),
		middleware.AuthenticatedAt(past))
	if want := []string{"pwd", "otp", "mfa"}; !slices.Equal(claims.AMR, want) {
		t.Errorf("amr: got %q, want %q", claims.AMR, want)
	}
	if !claims.AuthTime.Equal(past) || !claims.SessionStart.Equal(start) || claims.Version != 0 || claims.Remember {
		t.Errorf("claims: auth_time %v, sst %v, version %d, remember %v; want %v, %v, 0, false",
			claims.AuthTime, claims.SessionStart, claims.Version, claims.Remember, past, start)
	}
	verified, err := f.codec.Verify(c.Value)
	if err != nil || !slices.Equal(verified.AMR, claims.AMR) {
		t.Fatalf("cookie's token: %+v, %v", verified, err)
	}
	// A time in the future (an identity provider's clock ahead of ours) counts as now.
	claims, _ = startOn(t, f.sessions, "", "user-1", middleware.AuthenticatedAt(start.Add(time.Hour)))
	if !claims.AuthTime.Equal(start) {
		t.Errorf("auth_time from the future: got %v, want now %v", claims.AuthTime, start)
	}
	// Bad methods are refused before any cookie is set.
	rec := httptest.NewRecorder()
	if _, err := f.sessions.Start(rec, httptest.NewRequest("POST", "/", nil), "user-1", alice, middleware.AuthMethods("p w d")); !errors.Is(err, token.ErrInvalidClaims) {
		t.Errorf("amr with a space: got %v, want ErrInvalidClaims", err)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Error("a failed Start set a cookie")
	}
}

// TestStartReauthentication: signing in again as the same user keeps the session (ID, start,
// remember choice) and moves the authentication time; another user gets a new session and the
// old one is revoked.
func TestStartReauthentication(t *testing.T) {
	var store *middleware.MemoryRevocation
	f := newRevocationFixture(t, &store)
	first, c := startOn(t, f.sessions, "", "user-1", middleware.AuthMethods(middleware.AMRPassword), middleware.RememberMe(true))

	f.clk.Advance(20 * time.Minute)
	again, c2 := startOn(t, f.sessions, c.Value, "user-1", middleware.AuthMethods(middleware.AMRHardwareKey))
	if again.SessionID != first.SessionID || !again.SessionStart.Equal(first.SessionStart) || !again.Remember {
		t.Errorf("re-authentication: sid %q sst %v remember %v; want %q %v true", again.SessionID, again.SessionStart, again.Remember, first.SessionID, first.SessionStart)
	}
	if !again.AuthTime.Equal(start.Add(20*time.Minute)) || again.ID == first.ID || again.Version != first.Version+1 {
		t.Errorf("re-authentication: auth_time %v jti %q version %d", again.AuthTime, again.ID, again.Version)
	}
	if !slices.Equal(again.AMR, []string{"hwk"}) {
		t.Errorf("amr: got %q, want the latest authentication's [hwk]", again.AMR)
	}
	if c2.MaxAge <= 0 {
		t.Errorf("remembered session re-authenticated: cookie Max-Age %d, want persistent", c2.MaxAge)
	}
	if revoked, _ := store.IsRevoked(context.Background(), first.SessionID, "user-1", first.SessionStart, again.Version); revoked {
		t.Error("re-authentication revoked its own session")
	}
	if revoked, _ := store.IsRevoked(context.Background(), first.SessionID, "user-1", first.SessionStart, first.Version); !revoked {
		t.Error("re-authentication left the session's earlier token valid")
	}
	// RememberMe given at a re-authentication changes the choice, in the same session.
	f.clk.Advance(time.Minute)
	forget, c3 := startOn(t, f.sessions, c2.Value, "user-1", middleware.RememberMe(false))
	if forget.SessionID != first.SessionID || forget.Remember || c3.MaxAge != 0 {
		t.Errorf("RememberMe(false) at re-authentication: sid kept %v, remember %v, Max-Age %d", forget.SessionID == first.SessionID, forget.Remember, c3.MaxAge)
	}

	// Another account: a new session, and the one the request carried is revoked.
	other, _ := startOn(t, f.sessions, c3.Value, "user-2")
	if other.SessionID == first.SessionID || !other.SessionStart.Equal(f.clk.Now()) {
		t.Errorf("another user kept the session: %+v", other)
	}
	if revoked, _ := store.IsRevoked(context.Background(), first.SessionID, "user-1", first.SessionStart, forget.Version); !revoked {
		t.Error("the session replaced by another user's was not revoked")
	}
	// A session that is not valid (here: revoked) is not continued either.
	fresh, _ := startOn(t, f.sessions, c3.Value, "user-1")
	if fresh.SessionID == first.SessionID {
		t.Error("Start continued a revoked session")
	}
}

// TestReauthenticationForgetsPastLifetime: a remembered session older than the absolute
// lifetime of a browser session, re-authenticated with "remember me" turned off, cannot keep its
// start (it would be over at once): it becomes a new session, which works.
func TestReauthenticationForgetsPastLifetime(t *testing.T) {
	f := newRevocationFixture(t, nil)
	first, c := startOn(t, f.sessions, "", "user-1", middleware.RememberMe(true))
	f.clk.Advance(middleware.DefaultAbsoluteLifetime + time.Hour)
	again, c2 := startOn(t, f.sessions, c.Value, "user-1", middleware.RememberMe(false))
	if again.SessionID == first.SessionID || !again.SessionStart.Equal(f.clk.Now()) || again.Remember {
		t.Errorf("re-authentication past the absolute lifetime: %+v, from %+v; want a new session", again, first)
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(c2.Value))
	if code := serve(f.sessions.RequireSession(protected), req).Code; code != http.StatusOK {
		t.Errorf("the session it started: got %d, want 200", code)
	}
}

// TestRecentAuthMaxAgeRoundsUp: the max_age hint is in whole seconds, rounded up, so that a
// client that re-authenticates within it is never refused again for a fraction of a second.
func TestRecentAuthMaxAgeRoundsUp(t *testing.T) {
	f := newFixture(t)
	_, c := startOn(t, f.sessions, "", "user-1")
	f.clk.Advance(time.Hour)
	req := httptest.NewRequest("GET", "/settings", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cookie", cookieHeader(c.Value))
	rec := serve(f.sessions.RequireRecentAuth(90*time.Second+time.Millisecond)(protected), req)
	if got := rec.Header().Get("WWW-Authenticate"); rec.Code != http.StatusUnauthorized || !strings.HasSuffix(got, "max_age=91") {
		t.Errorf("got %d %q, want 401 with max_age=91", rec.Code, got)
	}
}

// TestRememberMeCookies: a session that is not remembered gets a browser-session cookie (no
// Max-Age, no Expires), a remembered one a persistent cookie that lasts until its own absolute
// lifetime, at which it ends however it is used.
func TestRememberMeCookies(t *testing.T) {
	f := newFixture(t, middleware.WithAbsoluteLifetime(24*time.Hour), middleware.WithRememberLifetime(14*24*time.Hour))
	_, plain := startOn(t, f.sessions, "", "user-1")
	if plain.MaxAge != 0 || !plain.Expires.IsZero() || strings.Contains(plain.Raw, "Max-Age") || strings.Contains(plain.Raw, "Expires") {
		t.Errorf("not remembered: got %q, want no Max-Age and no Expires", plain.Raw)
	}
	claims, kept := startOn(t, f.sessions, "", "user-1", middleware.RememberMe(true))
	if want := int((14 * 24 * time.Hour) / time.Second); kept.MaxAge != want {
		t.Errorf("remembered: Max-Age %d, want %d (the remember-me lifetime)", kept.MaxAge, want)
	}
	if !claims.Remember || !claims.Expiry.Equal(start.Add(14*24*time.Hour)) {
		t.Errorf("remembered token: remember %v exp %v", claims.Remember, claims.Expiry)
	}

	var got error
	s, err := middleware.New(f.codec, middleware.WithAbsoluteLifetime(24*time.Hour), middleware.WithRememberLifetime(14*24*time.Hour),
		middleware.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusUnauthorized)
		}))
	if err != nil {
		t.Fatal(err)
	}
	get := func(raw string) *httptest.ResponseRecorder {
		got = nil
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(s.RequireSession(protected), req)
	}
	// Well past the browser-session default (a day) and the token lifetime, the remembered
	// session still works, and ordinary requests do not renew it (its token already lasts).
	f.clk.Advance(13 * 24 * time.Hour)
	rec := get(kept.Value)
	if rec.Code != http.StatusOK {
		t.Fatalf("remembered session after 13 days: got %d (%v), want 200", rec.Code, got)
	}
	if _, renewed := setCookie(rec); renewed {
		t.Error("an ordinary request renewed a remembered session")
	}
	// It ends at its own absolute lifetime.
	f.clk.Advance(24*time.Hour - time.Second)
	if rec := get(kept.Value); rec.Code != http.StatusOK {
		t.Fatalf("a second before the end: got %d (%v)", rec.Code, got)
	}
	f.clk.Advance(time.Second)
	if rec := get(kept.Value); rec.Code != http.StatusUnauthorized || !errors.Is(got, middleware.ErrSessionEnded) {
		t.Errorf("at the remember-me lifetime: got %d (%v), want 401 ErrSessionEnded", rec.Code, got)
	}
}

func TestRememberLifetimeOptions(t *testing.T) {
	clk := newClock()
	codec := newCodec(t, clk)
	for _, tt := range []struct {
		name string
		opt  middleware.Option
	}{
		{"zero", middleware.WithRememberLifetime(0)},
		{"over 30 days", middleware.WithRememberLifetime(31 * 24 * time.Hour)},
		{"shorter than a token", middleware.WithRememberLifetime(time.Minute)},
		{"empty field", middleware.WithRememberField("")},
		{"password field", middleware.WithRememberField("password")},
		{"same as the identifier", middleware.WithRememberField("email")},
	} {
		if _, err := middleware.New(codec, tt.opt); err == nil {
			t.Errorf("%s: New succeeded, want an error", tt.name)
		}
	}
}

// TestLoginRememberField: the login form's checkbox and the JSON field choose the cookie.
func TestLoginRememberField(t *testing.T) {
	f := newFixture(t, middleware.WithRememberField("stay"))
	for _, tt := range []struct {
		name       string
		req        *http.Request
		status     int
		persistent bool
	}{
		{"form, box ticked", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "stay": {"on"}}), 303, true},
		{"form, box not ticked", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}}), 303, false},
		{"form, false", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "stay": {"false"}}), 303, false},
		{"form, no", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "stay": {"no"}}), 303, false},
		{"form, off", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "stay": {"off"}}), 303, false},
		{"form, empty", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "stay": {""}}), 303, false},
		{"form, nonsense", formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "stay": {"maybe"}}), 400, false},
		{"JSON true", jsonLogin(`{"email":"` + demoEmail + `","password":"` + demoPassword + `","stay":true}`), 200, true},
		{"JSON false", jsonLogin(`{"email":"` + demoEmail + `","password":"` + demoPassword + `","stay":false}`), 200, false},
		{"JSON string", jsonLogin(`{"email":"` + demoEmail + `","password":"` + demoPassword + `","stay":"yes"}`), 200, true},
		{"JSON number", jsonLogin(`{"email":"` + demoEmail + `","password":"` + demoPassword + `","stay":1}`), 400, false},
		{"JSON boolean elsewhere", jsonLogin(`{"email":true,"password":"` + demoPassword + `"}`), 400, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(f.sessions.LoginHandler(fakeAuth), tt.req)
			if rec.Code != tt.status {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.status)
			}
			c, ok := setCookie(rec)
			if tt.status >= 400 {
				if ok {
					t.Error("a refused login set a cookie")
				}
				return
			}
			if !ok || (c.MaxAge > 0) != tt.persistent {
				t.Fatalf("cookie %v (Max-Age %d), want persistent %v", ok, c.MaxAge, tt.persistent)
			}
			claims, err := f.codec.Verify(c.Value)
			if err != nil || claims.Remember != tt.persistent || !slices.Equal(claims.AMR, []string{middleware.AMRPassword}) {
				t.Errorf("token: %+v, %v; want remember %v and amr [pwd]", claims, err, tt.persistent)
			}
		})
	}
}

// TestRequireRecentAuth: step-up after five minutes sends browsers to the login page with next
// and a reason, and API clients a 401 with RFC 9470's hint; signing in again keeps the session
// ID and lets the request through, and the absolute lifetime does not move.
func TestRequireRecentAuth(t *testing.T) {
	var store *middleware.MemoryRevocation
	f := newRevocationFixture(t, &store, middleware.WithAbsoluteLifetime(time.Hour*2))
	mux := http.NewServeMux()
	mux.Handle("POST /login", f.sessions.LoginHandler(fakeAuth))
	mux.Handle("/settings", f.sessions.RequireRecentAuth(5*time.Minute)(protected))
	login := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})
	c, _ := setCookie(serve(mux, login))
	first, _ := f.codec.Verify(c.Value)

	settings := func(raw string, headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/settings?tab=email", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return serve(mux, req)
	}
	if rec := settings(c.Value); rec.Code != http.StatusOK {
		t.Fatalf("just signed in: got %d, want 200", rec.Code)
	}
	f.clk.Advance(5*time.Minute + time.Second)
	for _, tt := range []struct {
		name    string
		headers []string
		status  int
		header  string
		want    string
	}{
		{"browser", []string{"Accept", "text/html", "Sec-Fetch-Mode", "navigate"}, 303, "Location", "/login?next=%2Fsettings%3Ftab%3Demail&reason=reauth"},
		{"fetch asking for HTML", []string{"Accept", "text/html", "Sec-Fetch-Mode", "cors"}, 401, "WWW-Authenticate",
			`Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300`},
		{"htmx", []string{"Accept", "text/html", "HX-Request", "true"}, 401, "HX-Redirect", "/login?next=%2Fsettings%3Ftab%3Demail&reason=reauth"},
		{"API", []string{"Accept", "application/json"}, 401, "WWW-Authenticate",
			`Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := settings(c.Value, tt.headers...)
			if rec.Code != tt.status || rec.Header().Get(tt.header) != tt.want {
				t.Fatalf("got %d %s %q, want %d %q", rec.Code, tt.header, rec.Header().Get(tt.header), tt.status, tt.want)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("step-up answer is cacheable")
			}
			if tt.status == 401 && !strings.Contains(rec.Body.String(), `"insufficient_user_authentication"`) {
				t.Errorf("body %q", rec.Body)
			}
			if _, cleared := setCookie(rec); cleared {
				t.Error("step-up touched the session cookie")
			}
		})
	}

	// Signing in again, with the session cookie: same session, new authentication time.
	again := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"/settings?tab=email"}})
	again.Header.Set("Cookie", cookieHeader(c.Value))
	rec := serve(mux, again)
	c2, ok := setCookie(rec)
	if rec.Code != http.StatusSeeOther || !ok || rec.Header().Get("Location") != "/settings?tab=email" {
		t.Fatalf("re-authentication: got %d %q", rec.Code, rec.Header().Get("Location"))
	}
	second, _ := f.codec.Verify(c2.Value)
	if second.SessionID != first.SessionID || !second.SessionStart.Equal(first.SessionStart) || !second.AuthTime.After(first.AuthTime) {
		t.Errorf("after re-authentication: sid kept %v, sst %v (was %v), auth_time %v (was %v)",
			second.SessionID == first.SessionID, second.SessionStart, first.SessionStart, second.AuthTime, first.AuthTime)
	}
	if rec := settings(c2.Value); rec.Code != http.StatusOK {
		t.Fatalf("after re-authentication: got %d, want 200", rec.Code)
	}
	// The absolute lifetime still counts from the first login: re-authenticating did not
	// extend it.
	f.clk.Advance(2*time.Hour - 5*time.Minute - time.Second)
	if rec := settings(c2.Value, "Accept", "application/json"); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" ||
		strings.Contains(rec.Header().Get("WWW-Authenticate"), "insufficient_user_authentication") {
		t.Errorf("at the absolute lifetime: got %d %q, want a plain 401 (session ended)", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}

func TestRequireRecentAuthPanicsOnSetup(t *testing.T) {
	f := newFixture(t)
	defer func() {
		if recover() == nil {
			t.Error("RequireRecentAuth(0) did not panic")
		}
	}()
	f.sessions.RequireRecentAuth(0)
}

// eventLog collects events, safe for concurrent use.
type eventLog struct {
	mu     sync.Mutex
	events []middleware.Event
}

func (l *eventLog) hook(_ context.Context, e middleware.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e.Kind)
	}
	return out
}

func (l *eventLog) take() []middleware.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

// TestEvents: one hook receives the login and session events, with the request's client and
// device, and never a token or a password.
func TestEvents(t *testing.T) {
	events := &eventLog{}
	f := newRevocationFixture(t, nil, middleware.WithEvents(events.hook), middleware.WithLimiter(middleware.NewMemoryLimiter(2, time.Minute, nil)))
	h := f.sessions.LoginHandler(fakeAuth)
	browser := func(req *http.Request) *http.Request {
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0")
		req.RemoteAddr = "203.0.113.7:5555"
		return req
	}
	var secrets []string
	rec := serve(h, browser(formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})))
	c, _ := setCookie(rec)
	secrets = append(secrets, c.Value, demoPassword)
	got := events.take()
	if len(got) != 2 || got[0].Kind != middleware.EventSessionStarted || got[1].Kind != middleware.EventLoginSucceeded {
		t.Fatalf("login: got %+v, want session.started then login.succeeded", got)
	}
	for _, e := range got {
		if e.Subject != "user-1" || e.SessionID == "" || e.Method != "pwd" || e.Client != "203.0.113.7" ||
			e.Device != "Firefox on Linux" || !e.Time.Equal(start) {
			t.Errorf("event %+v", e)
		}
	}

	serve(h, browser(formLogin(url.Values{"email": {demoEmail}, "password": {"wrong password"}})))
	secrets = append(secrets, "wrong password")
	serve(h, browser(formLogin(url.Values{"email": {demoEmail}, "password": {"wrong again"}})))
	serve(h, browser(formLogin(url.Values{"email": {demoEmail}, "password": {"third time"}})))
	got = events.take()
	if len(got) != 3 || got[0].Kind != middleware.EventLoginFailed || got[0].Reason != "invalid_credentials" || got[0].Subject != "" ||
		got[2].Kind != middleware.EventLoginThrottled {
		t.Errorf("failures: got %+v, want login.failed (invalid_credentials) then login.throttled", got)
	}

	f.clk.Advance(45 * time.Minute)
	req := browser(httptest.NewRequest("GET", "/api/me", nil))
	req.Header.Set("Cookie", cookieHeader(c.Value))
	renewed, _ := setCookie(serve(f.sessions.RequireSession(protected), req))
	secrets = append(secrets, renewed.Value)
	logout := browser(httptest.NewRequest("POST", "/logout", nil))
	logout.Header.Set("Cookie", cookieHeader(renewed.Value))
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	serve(f.sessions.LogoutHandler(), logout)
	if err := f.sessions.EndAll(context.Background(), "user-1"); err != nil {
		t.Fatal(err)
	}
	if got, want := events.kinds(), []string{middleware.EventSessionRenewed, middleware.EventSessionEnded, middleware.EventSessionRevoked}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	all := events.take()
	if all[2].Reason != "end_all" || all[2].Subject != "user-1" {
		t.Errorf("EndAll event: %+v", all[2])
	}

	// Other packages report through Emit; Time is filled in.
	f.sessions.Emit(context.Background(), middleware.Event{Kind: "passkey.registered", Subject: "user-1"})
	if got := events.take(); len(got) != 1 || !got[0].Time.Equal(f.clk.Now()) {
		t.Errorf("Emit: got %+v", got)
	}
	for _, e := range append(got, all...) {
		for _, s := range secrets {
			if strings.Contains(e.Kind+e.Method+e.Reason+e.Client+e.Device+string(e.SessionID)+string(e.Subject), s) {
				t.Errorf("event %s carries a secret", e.Kind)
			}
		}
	}
}

// TestHandlerWritesToAMRStayInRequest: amr is copied into the request's claims like the rest,
// so a handler writing to it changes neither later requests nor a renewed token.
func TestHandlerWritesToAMRStayInRequest(t *testing.T) {
	f := newFixture(t)
	_, c := startOn(t, f.sessions, "", "user-1", middleware.AuthMethods(middleware.AMRPassword, middleware.AMROTP, middleware.AMRMultiFactor))
	var seen []string
	h := f.sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cl, _ := middleware.ClaimsFrom[User](r.Context())
		seen = append(seen, strings.Join(cl.AMR, " "))
		cl.AMR[0] = "hwk"
		cl.AMR = append(cl.AMR, "evil")
	}))
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(c.Value))
		return serve(h, req)
	}
	get()
	f.clk.Advance(f.codec.Lifetime() * 3 / 4)
	renewed, ok := setCookie(get())
	if !ok {
		t.Fatal("not renewed")
	}
	if seen[1] != "pwd otp mfa" {
		t.Errorf("second request saw amr %q, want %q", seen[1], "pwd otp mfa")
	}
	next, err := f.codec.Verify(renewed.Value)
	if err != nil || !slices.Equal(next.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Errorf("renewed token: amr %q (%v), want [pwd otp mfa]", next.AMR, err)
	}
}

// TestRequireRecentAuthFormPost: a browser submitting a form to a route behind step-up, after
// the sign-in got too old, is sent to sign in again rather than shown a JSON 401.
func TestRequireRecentAuthFormPost(t *testing.T) {
	f := newFixture(t)
	_, c := startOn(t, f.sessions, "", "user-1")
	f.clk.Advance(time.Hour)
	h := f.sessions.RequireRecentAuth(10 * time.Minute)(protected)
	req := httptest.NewRequest("POST", "/settings", strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Cookie", cookieHeader(c.Value))
	rec := serve(h, req)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Fsettings&reason=reauth" {
		t.Errorf("form post after the sign-in got old: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestRememberedLogout: logout ends a remembered session like any other: the persistent cookie
// is cleared and, with a revocation store, a copy of it is refused.
func TestRememberedLogout(t *testing.T) {
	f := newRevocationFixture(t, nil)
	_, c := startOn(t, f.sessions, "", "user-1", middleware.RememberMe(true))
	logout := httptest.NewRequest("POST", "/logout", nil)
	logout.Header.Set("Cookie", cookieHeader(c.Value))
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := serve(f.sessions.LogoutHandler(), logout)
	if cleared, ok := setCookie(rec); rec.Code != http.StatusNoContent || !ok || cleared.MaxAge >= 0 {
		t.Fatalf("logout of a remembered session: %d, cookie cleared %v", rec.Code, ok)
	}
	f.clk.Advance(24 * time.Hour) // long after a browser-session token would have expired
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(c.Value))
	if rec := serve(f.sessions.RequireSession(protected), req); rec.Code != http.StatusUnauthorized {
		t.Errorf("a copy of the remembered cookie after logout: %d, want 401", rec.Code)
	}
}
