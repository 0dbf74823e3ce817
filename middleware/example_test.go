package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// Profile is an application's session payload.
type Profile struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// This example is a complete application: a ServeMux with login, logout and a protected page,
// exercised here with httptest instead of a browser.
func Example() {
	// Keys come from configuration; GenerateKey is for the example.
	key, _ := token.GenerateKey("2026-11", token.EdDSA)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys)
	sessions, _ := middleware.New(codec)

	// The application's users, with bcrypt hashes.
	hasher, _ := password.New(password.WithCost(password.MinCost))
	hash, _ := hasher.Hash(context.Background(), []byte("correct horse battery staple"))
	auth := middleware.PasswordAuthenticator(hasher, func(ctx context.Context, email string) (middleware.Account[Profile], error) {
		if email != "ada@example.com" {
			return middleware.Account[Profile]{}, middleware.ErrNoAccount
		}
		return middleware.Account[Profile]{Subject: "user-42", PasswordHash: hash, Payload: Profile{Email: email, Name: "Ada"}}, nil
	})

	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(auth))
	mux.Handle("POST /logout", sessions.LogoutHandler())
	mux.Handle("GET /{$}", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFrom[Profile](r.Context())
		fmt.Fprintf(w, "Hello, %s", claims.Payload.Name)
	})))

	// A browser without a session is sent to the login page.
	page := httptest.NewRequest("GET", "/", nil)
	page.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, page)
	fmt.Println(rec.Code, rec.Header().Get("Location"))

	// It logs in with the form.
	form := url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery staple"}, "next": {"/"}}
	login := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	login.Header.Set("Sec-Fetch-Site", "same-origin")
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, login)
	fmt.Println(rec.Code, rec.Header().Get("Location"))

	// And comes back with the cookie.
	for _, c := range rec.Result().Cookies() {
		page.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, page)
	fmt.Println(rec.Code, rec.Body)
	// Output:
	// 303 /login?next=%2F
	// 303 /
	// 200 Hello, Ada
}

func ExampleClaimsFrom() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := middleware.ClaimsFrom[Profile](r.Context())
		if !ok {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%s (%s)", claims.Payload.Name, claims.Subject)
	})

	// In a test, attach claims as RequireSession would.
	req := httptest.NewRequest("GET", "/", nil)
	ctx := middleware.NewContext(req.Context(), &token.Claims[Profile]{Subject: "user-42", Payload: Profile{Name: "Ada"}})
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req.WithContext(ctx))
	fmt.Println(rec.Body)
	// Output: Ada (user-42)
}

func ExampleSafeNext() {
	for _, next := range []string{"/reports?year=2026", "//evil.example", "/%2F%2Fevil.example", "https://evil.example"} {
		fmt.Println(middleware.SafeNext(next))
	}
	// Output:
	// /reports?year=2026
	// /
	// /
	// /
}

// RequireSession answers a request without a session by what asked: a browser is sent to the
// login page, a script gets a 401 it can act on.
func ExampleSessions_RequireSession() {
	key, _ := token.GenerateKey("2026-11", token.HS256)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys)
	sessions, _ := middleware.New(codec)
	dashboard := sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFrom[Profile](r.Context())
		fmt.Fprintln(w, "Hello,", claims.Payload.Name)
	}))

	browser := httptest.NewRequest("GET", "/reports?year=2026", nil)
	browser.Header.Set("Sec-Fetch-Mode", "navigate")
	rec := httptest.NewRecorder()
	dashboard.ServeHTTP(rec, browser)
	fmt.Println(rec.Code, rec.Header().Get("Location"))

	script := httptest.NewRequest("GET", "/reports?year=2026", nil)
	script.Header.Set("Accept", "application/json")
	rec = httptest.NewRecorder()
	dashboard.ServeHTTP(rec, script)
	fmt.Print(rec.Code, " ", rec.Body)

	// With the cookie of a session, the handler runs.
	raw, _, _ := codec.Issue("user-42", Profile{Name: "Ada"})
	script.AddCookie(&http.Cookie{Name: sessions.CookieName(), Value: raw})
	rec = httptest.NewRecorder()
	dashboard.ServeHTTP(rec, script)
	fmt.Print(rec.Code, " ", rec.Body)
	// Output:
	// 303 /login?next=%2Freports%3Fyear%3D2026
	// 401 {"error":"unauthenticated"}
	// 200 Hello, Ada
}
