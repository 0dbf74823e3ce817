package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// exampleClock is a clock the examples move by hand.
type exampleClock struct{ t time.Time }

func (c *exampleClock) Now() time.Time { return c.t }

// A settings page asks for a sign-in within five minutes. Later, a browser is sent to sign in
// again and an API client gets RFC 9470's hint; signing in again keeps the session.
func ExampleSessions_RequireRecentAuth() {
	clk := &exampleClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	key, _ := token.GenerateKey("2026-11", token.HS256)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys, token.WithClock(clk.Now))
	sessions, _ := middleware.New(codec)
	settings := sessions.RequireRecentAuth(5 * time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "settings")
	}))

	// Sign in (a password login, as LoginHandler records it) and come back at once.
	rec := httptest.NewRecorder()
	first, _ := sessions.Start(rec, httptest.NewRequest("POST", "/login", nil), "user-42", Profile{Name: "Ada"},
		middleware.AuthMethods(middleware.AMRPassword))
	cookie := rec.Result().Cookies()[0]
	get := func(accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/settings", nil)
		req.Header.Set("Accept", accept)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		settings.ServeHTTP(rec, req)
		return rec
	}
	fmt.Print(get("text/html").Body)

	// Ten minutes later.
	clk.t = clk.t.Add(10 * time.Minute)
	fmt.Println(get("text/html").Header().Get("Location"))
	fmt.Println(get("application/json").Header().Get("WWW-Authenticate"))

	// Signing in again with the session's cookie: the same session, authenticated now.
	again := httptest.NewRequest("POST", "/login", nil)
	again.AddCookie(cookie)
	rec = httptest.NewRecorder()
	second, _ := sessions.Start(rec, again, "user-42", Profile{Name: "Ada"}, middleware.AuthMethods(middleware.AMRPassword))
	cookie = rec.Result().Cookies()[0]
	fmt.Println(second.SessionID == first.SessionID, second.SessionStart.Equal(first.SessionStart), second.AuthTime.Sub(first.AuthTime))
	fmt.Print(get("text/html").Body)
	// Output:
	// settings
	// /login?next=%2Fsettings&reason=reauth
	// Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300
	// true true 10m0s
	// settings
}

// Update gives the session a new payload in place; with a revocation store the token from
// before the update is refused at once.
func ExampleSessions_Update() {
	key, _ := token.GenerateKey("2026-11", token.HS256)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys)
	sessions, _ := middleware.New(codec, middleware.WithRevocation(middleware.NewMemoryRevocation(nil)))

	rec := httptest.NewRecorder()
	sessions.Start(rec, httptest.NewRequest("POST", "/login", nil), "user-42", Profile{Name: "Ada"})
	before := rec.Result().Cookies()[0]

	edit := httptest.NewRequest("POST", "/profile", nil)
	edit.AddCookie(before)
	rec = httptest.NewRecorder()
	claims, err := sessions.Update(rec, edit, Profile{Name: "Ada Lovelace"})
	fmt.Println(claims.Payload.Name, claims.Version, err)
	after := rec.Result().Cookies()[0]

	for _, c := range []*http.Cookie{before, after} {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(c)
		_, err := sessions.Current(req)
		fmt.Println(err)
	}
	// Output:
	// Ada Lovelace 1 <nil>
	// middleware: session revoked
	// <nil>
}

// Events go to one hook, for audit logs and "new sign-in" e-mails.
func ExampleWithEvents() {
	key, _ := token.GenerateKey("2026-11", token.HS256)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys)
	sessions, _ := middleware.New(codec,
		middleware.WithRegistry(middleware.NewMemoryRegistry(nil)),
		middleware.WithEvents(func(ctx context.Context, e middleware.Event) {
			fmt.Println(e.Kind, e.Subject, e.Method, e.Device)
		}))
	login := httptest.NewRequest("POST", "/login", nil)
	login.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0")
	sessions.Start(httptest.NewRecorder(), login, "user-42", Profile{Name: "Ada"}, middleware.AuthMethods(middleware.AMRHardwareKey))
	// Output:
	// session.started user-42 hwk Firefox on Linux
	// device.new user-42 hwk Firefox on Linux
}
