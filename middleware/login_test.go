package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

const (
	demoEmail    = "alice@example.com"
	demoPassword = "correct horse battery staple"
)

// hasher is built once: bcrypt at the lowest cost New allows still costs tens of milliseconds.
// Every stored hash here has its cost, so it needs no timing headroom (which would pad each
// failed login to four times that, seconds under the race detector); the padding itself is
// tested in the password package.
var hasher = sync.OnceValues(func() (*password.Hasher, error) {
	return password.New(password.WithCost(password.MinCost), password.WithTimingHeadroom(0))
})

var demoHash = sync.OnceValues(func() (string, error) {
	h, err := hasher()
	if err != nil {
		return "", err
	}
	return h.Hash(context.Background(), []byte(demoPassword))
})

// passwordAuth is the authenticator of one account, alice, checked with bcrypt.
func passwordAuth(t testing.TB) middleware.Authenticator[User] {
	t.Helper()
	h, err := hasher()
	if err != nil {
		t.Fatal(err)
	}
	hash, err := demoHash()
	if err != nil {
		t.Fatal(err)
	}
	return middleware.PasswordAuthenticator(h, func(ctx context.Context, id string) (middleware.Account[User], error) {
		if !strings.EqualFold(id, demoEmail) {
			return middleware.Account[User]{}, middleware.ErrNoAccount
		}
		return middleware.Account[User]{Subject: "user-1", PasswordHash: hash, Payload: alice}, nil
	})
}

// fakeAuth accepts alice with demoPassword without bcrypt, for tests about the HTTP flow.
func fakeAuth(ctx context.Context, id string, pw []byte) (token.Subject, User, error) {
	if id == demoEmail && string(pw) == demoPassword {
		return "user-1", alice, nil
	}
	return "", User{}, middleware.ErrBadCredentials
}

func formLogin(values url.Values) *http.Request {
	req := httptest.NewRequest("POST", "/login", strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

func jsonLogin(body string) *http.Request {
	req := httptest.NewRequest("POST", "/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

func TestLoginForm(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(passwordAuth(t))
	tests := []struct {
		name     string
		form     url.Values
		status   int
		location string
		session  bool
	}{
		{"success goes to next", url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"/reports?y=2026"}}, 303, "/reports?y=2026", true},
		{"success without next", url.Values{"email": {demoEmail}, "password": {demoPassword}}, 303, "/", true},
		{"success with unsafe next", url.Values{"email": {demoEmail}, "password": {demoPassword}, "next": {"//evil.example"}}, 303, "/", true},
		{"wrong password", url.Values{"email": {demoEmail}, "password": {"wrong password!"}}, 401, "", false},
		{"unknown account", url.Values{"email": {"nobody@example.com"}, "password": {demoPassword}}, 401, "", false},
		{"too long password", url.Values{"email": {demoEmail}, "password": {strings.Repeat("p", 73)}}, 401, "", false},
		{"NUL in password", url.Values{"email": {demoEmail}, "password": {demoPassword + "\x00"}}, 401, "", false},
		{"missing password", url.Values{"email": {demoEmail}}, 400, "", false},
		{"missing account", url.Values{"password": {demoPassword}}, 400, "", false},
		{"repeated field", url.Values{"email": {demoEmail, "bob@example.com"}, "password": {demoPassword}}, 400, "", false},
		{"control character in account", url.Values{"email": {"alice@example.com\r\nX: y"}, "password": {demoPassword}}, 400, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, formLogin(tt.form))
			if rec.Code != tt.status {
				t.Fatalf("status: got %d, want %d (body %q)", rec.Code, tt.status, rec.Body)
			}
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location: got %q, want %q", got, tt.location)
			}
			c, ok := setCookie(rec)
			if ok != tt.session {
				t.Fatalf("session cookie set: got %v, want %v", ok, tt.session)
			}
			if ok {
				if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
					t.Errorf("cookie attributes: got %+v", c)
				}
				if _, err := f.codec.Verify(c.Value); err != nil {
					t.Errorf("issued token does not verify: %v", err)
				}
			}
			if tt.status == 401 && !strings.Contains(rec.Body.String(), "Incorrect account or password.") {
				t.Errorf("failure page: got %q, want the generic message", rec.Body)
			}
		})
	}
}

// TestLoginEnumerationSafe: an unknown account and a wrong password are indistinguishable on
// the wire (the timing side is a benchmark in the password package).
func TestLoginEnumerationSafe(t *testing.T) {
	for _, kind := range []string{"form", "json"} {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t)
			h := f.sessions.LoginHandler(passwordAuth(t))
			do := func(email string) *httptest.ResponseRecorder {
				if kind == "json" {
					return serve(h, jsonLogin(`{"email":"`+email+`","password":"not the password"}`))
				}
				return serve(h, formLogin(url.Values{"email": {email}, "password": {"not the password"}, "next": {"/x"}}))
			}
			unknown, wrong := do("nobody@example.com"), do(demoEmail)
			if unknown.Code != wrong.Code || unknown.Code != 401 {
				t.Errorf("status: unknown %d, wrong password %d; want both 401", unknown.Code, wrong.Code)
			}
			ub := strings.ReplaceAll(unknown.Body.String(), "nobody@example.com", "X")
			wb := strings.ReplaceAll(wrong.Body.String(), demoEmail, "X")
			if ub != wb {
				t.Errorf("bodies differ:\nunknown: %q\nwrong:   %q", ub, wb)
			}
		})
	}
}

func TestLoginJSON(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(fakeAuth)
	tests := []struct {
		name    string
		body    string
		status  int
		errCode string
	}{
		{"success", `{"email":"alice@example.com","password":"correct horse battery staple"}`, 200, ""},
		{"wrong password", `{"email":"alice@example.com","password":"nope nope nope"}`, 401, "invalid_credentials"},
		{"password is a number", `{"email":"alice@example.com","password":12345678}`, 400, "bad_request"},
		{"email is an object", `{"email":{"$ne":null},"password":"x"}`, 400, "bad_request"},
		{"array", `["alice@example.com","x"]`, 400, "bad_request"},
		{"trailing data", `{"email":"a@b.c","password":"12345678"} {}`, 400, "bad_request"},
		{"truncated", `{"email":"a@b.c","password":"1234`, 400, "bad_request"},
		{"huge body", `{"email":"a@b.c","password":"` + strings.Repeat("x", 64<<10) + `"}`, 413, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, jsonLogin(tt.body))
			if rec.Code != tt.status {
				t.Fatalf("status: got %d, want %d (%q)", rec.Code, tt.status, rec.Body)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body is not JSON: %q", rec.Body)
			}
			if tt.status == 200 {
				if body["subject"] != "user-1" || body["expires_at"] == nil {
					t.Errorf("success body: got %v", body)
				}
				if _, ok := setCookie(rec); !ok {
					t.Error("no session cookie on success")
				}
				return
			}
			if body["error"] != tt.errCode {
				t.Errorf("error code: got %v, want %q", body["error"], tt.errCode)
			}
		})
	}
}

func TestLoginRefusesOtherRequests(t *testing.T) {
	f := newFixture(t)
	h := f.sessions.LoginHandler(fakeAuth)
	get := httptest.NewRequest("GET", "/login", nil)
	if rec := serve(h, get); rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET: got %d Allow %q, want 405 POST", rec.Code, rec.Header().Get("Allow"))
	}
	xml := httptest.NewRequest("POST", "/login", strings.NewReader("<login/>"))
	xml.Header.Set("Content-Type", "application/xml")
	if rec := serve(h, xml); rec.Code != 415 {
		t.Errorf("XML body: got %d, want 415", rec.Code)
	}
}

func TestLoginThrottle(t *testing.T) {
	clk := newClock()
	limiter := middleware.NewMemoryLimiter(3, 10*time.Minute, clk.Now)
	codec := newCodec(t, clk)
	s, err := middleware.New(codec, middleware.WithLimiter(limiter))
	if err != nil {
		t.Fatal(err)
	}
	h := s.LoginHandler(fakeAuth)
	wrong := url.Values{"email": {demoEmail}, "password": {"wrong wrong"}}
	for i := range 3 {
		if rec := serve(h, formLogin(wrong)); rec.Code != 401 {
			t.Fatalf("attempt %d: got %d, want 401", i+1, rec.Code)
		}
	}
	// The fourth attempt is throttled, even with the right password, in both formats.
	rec := serve(h, formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}}))
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "600" {
		t.Fatalf("form: got %d Retry-After %q, want 429 600", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = serve(h, jsonLogin(`{"email":"ALICE@example.com","password":"correct horse battery staple"}`))
	if rec.Code != 429 || !strings.Contains(rec.Body.String(), "too_many_attempts") {
		t.Fatalf("JSON (account name in other case): got %d %q, want 429 too_many_attempts", rec.Code, rec.Body)
	}
	// Another client address is counted apart.
	other := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})
	other.RemoteAddr = "198.51.100.7:4242"
	if rec := serve(h, other); rec.Code != 303 {
		t.Errorf("other client: got %d, want 303", rec.Code)
	}
	// After the window, the account can log in again, and success resets the count.
	clk.Advance(10 * time.Minute)
	if rec := serve(h, formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})); rec.Code != 303 {
		t.Errorf("after the window: got %d, want 303", rec.Code)
	}
}

type brokenLimiter struct{}

func (brokenLimiter) Hit(context.Context, middleware.ThrottleKey) (time.Duration, error) {
	return 0, errors.New("limiter down")
}
func (brokenLimiter) Reset(context.Context, middleware.ThrottleKey) error { return nil }

func TestLoginLimiterFailureFailsClosed(t *testing.T) {
	f := newFixture(t, middleware.WithLimiter(brokenLimiter{}))
	rec := serve(f.sessions.LoginHandler(fakeAuth), jsonLogin(`{"email":"alice@example.com","password":"correct horse battery staple"}`))
	if rec.Code != 503 {
		t.Errorf("got %d, want 503", rec.Code)
	}
	if _, ok := setCookie(rec); ok {
		t.Error("session started although attempts could not be counted")
	}
}

func TestLoginNoFixation(t *testing.T) {
	clk := newClock()
	store := middleware.NewMemoryRevocation(clk.Now)
	codec := newCodec(t, clk)
	s, _ := middleware.New(codec, middleware.WithRevocation(store))
	// A valid session of another account (planted by an attacker, or a shared computer's
	// previous user): signing in must not continue it.
	before, old, _ := codec.Issue("attacker", alice)
	req := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})
	req.Header.Set("Cookie", cookieHeader(before))
	rec := serve(s.LoginHandler(fakeAuth), req)
	c, ok := setCookie(rec)
	if !ok {
		t.Fatalf("no session cookie: %d", rec.Code)
	}
	if c.Value == before {
		t.Fatal("login reused the incoming token")
	}
	fresh, err := codec.Verify(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.SessionID == old.SessionID || fresh.ID == old.ID {
		t.Errorf("login kept the old session or token ID")
	}
	if revoked, _ := store.IsRevoked(context.Background(), old.SessionID, old.Subject, old.AuthTime.Add(time.Hour), old.Version); !revoked {
		t.Error("the session replaced at login was not revoked")
	}
}

func TestCrossOriginRejected(t *testing.T) {
	f := newFixture(t, middleware.WithTrustedOrigins("https://partner.example"))
	raw, _ := f.issue(t)
	handlers := map[string]http.Handler{"login": f.sessions.LoginHandler(fakeAuth), "logout": f.sessions.LogoutHandler()}
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site but other origin", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"foreign Origin without fetch metadata", map[string]string{"Origin": "https://evil.example"}, 403},
		{"trusted origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://partner.example"}, 0},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, 0},
	}
	for name, h := range handlers {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				req := formLogin(url.Values{"email": {demoEmail}, "password": {demoPassword}})
				req.Header.Del("Sec-Fetch-Site")
				req.Header.Set("Cookie", cookieHeader(raw))
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				rec := serve(h, req)
				if tt.status == 403 {
					if rec.Code != 403 {
						t.Fatalf("got %d, want 403", rec.Code)
					}
					if rec.Header().Get("Set-Cookie") != "" {
						t.Error("a rejected request changed the session cookie")
					}
					return
				}
				if rec.Code != 303 {
					t.Errorf("got %d, want 303", rec.Code)
				}
			})
		}
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	tests := []struct {
		name     string
		method   string
		accept   string
		status   int
		location string
	}{
		{"form", "POST", "text/html", 303, "/login"},
		{"API", "POST", "application/json", 204, ""},
		{"GET refused", "GET", "text/html", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/logout", nil)
			req.Header.Set("Accept", tt.accept)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Cookie", cookieHeader(raw))
			rec := serve(f.sessions.LogoutHandler(), req)
			if rec.Code != tt.status || rec.Header().Get("Location") != tt.location {
				t.Fatalf("got %d Location %q, want %d %q", rec.Code, rec.Header().Get("Location"), tt.status, tt.location)
			}
			c, ok := setCookie(rec)
			if cleared := ok && c.MaxAge < 0; cleared != (tt.status != 405) {
				t.Errorf("cookie cleared: got %v", cleared)
			}
		})
	}
}

func TestLoginFormRenderer(t *testing.T) {
	var got middleware.LoginFailure
	f := newFixture(t, middleware.WithLoginForm(func(w http.ResponseWriter, r *http.Request, lf middleware.LoginFailure) {
		got = lf
		w.WriteHeader(lf.Status)
	}))
	rec := serve(f.sessions.LoginHandler(fakeAuth), formLogin(url.Values{"email": {demoEmail}, "password": {"wrong one"}, "next": {"/\\evil.example"}}))
	want := middleware.LoginFailure{Status: 401, Code: "invalid_credentials", Message: "Incorrect account or password.", Next: "/", Identifier: demoEmail}
	if rec.Code != 401 || got != want {
		t.Errorf("got %d %+v, want 401 %+v", rec.Code, got, want)
	}
}

// TestLogsHoldNoSecrets drives every outcome and searches the captured log for the token, the
// cookie, the password, its hash and the key.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newRevocationFixture(t, nil)
	hash, _ := demoHash()
	login := f.sessions.LoginHandler(passwordAuth(t))
	var tokens []string
	for _, form := range []url.Values{
		{"email": {demoEmail}, "password": {demoPassword}},
		{"email": {demoEmail}, "password": {"the wrong password"}},
		{"email": {"nobody@example.com"}, "password": {demoPassword}},
	} {
		rec := serve(login, formLogin(form))
		if c, ok := setCookie(rec); ok {
			tokens = append(tokens, c.Value)
		}
	}
	if len(tokens) != 1 {
		t.Fatalf("want one successful login, got %d", len(tokens))
	}
	raw := tokens[0]
	for _, cookie := range []string{raw, raw[:len(raw)-3] + "xyz", "garbage." + raw} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(cookie))
		serve(f.sessions.RequireSession(protected), req)
	}
	logout := httptest.NewRequest("POST", "/logout", nil)
	logout.Header.Set("Cookie", cookieHeader(raw))
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	serve(f.sessions.LogoutHandler(), logout)

	logs := f.logs.String()
	for _, event := range []string{"login_succeeded", "login_failed", "session_rejected", "logout"} {
		if !strings.Contains(logs, `"event":"`+event+`"`) {
			t.Errorf("logs lack a %s event", event)
		}
	}
	parts := strings.Split(raw, ".")
	noSecrets(t, logs, raw, parts[1], parts[2], demoPassword, hash, hash[7:], string(testSecret), demoEmail)
}

// TestPasswordAuthenticatorRehash: a hash of an older cost is replaced at the next successful
// login, through Account.Rehash; a current one is left alone.
func TestPasswordAuthenticatorRehash(t *testing.T) {
	ctx := context.Background()
	old, err := password.New(password.WithCost(password.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	current, err := password.New(password.WithCost(password.MinCost+1), password.WithTimingHeadroom(0))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := old.Hash(ctx, []byte(demoPassword))
	if err != nil {
		t.Fatal(err)
	}
	rehashed := 0
	auth := middleware.PasswordAuthenticator(current, func(ctx context.Context, id string) (middleware.Account[User], error) {
		return middleware.Account[User]{Subject: "user-1", PasswordHash: stored, Payload: alice,
			Rehash: func(ctx context.Context, fresh string) {
				rehashed++
				stored = fresh
			}}, nil
	})
	for i := range 2 {
		if _, _, err := auth(ctx, demoEmail, []byte(demoPassword)); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
	if rehashed != 1 || current.NeedsRehash(stored) {
		t.Errorf("rehash calls: got %d, want 1 with a hash at the current cost", rehashed)
	}
	if _, _, err := auth(ctx, demoEmail, []byte("wrong password")); !errors.Is(err, middleware.ErrBadCredentials) {
		t.Errorf("wrong password after rehash: got %v, want ErrBadCredentials", err)
	}
}
