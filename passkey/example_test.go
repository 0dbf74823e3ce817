package passkey_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/passkey/passkeytest"
	"github.com/keycard-go/keycard/token"
)

// A passkey registration and a sign-in, with the software authenticator of passkeytest
// playing the browser.
func ExampleNew() {
	key, _ := token.GenerateKey("k1", token.HS256)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys)
	sessions, _ := middleware.New(codec)

	users := func(_ context.Context, sub token.Subject) (passkey.User[Profile], error) {
		if sub != "user-1" {
			return passkey.User[Profile]{}, passkey.ErrNoUser
		}
		return passkey.User[Profile]{Name: "ada@example.com", Payload: Profile{Email: "ada@example.com"}}, nil
	}
	pk, err := passkey.New(sessions, passkey.RelyingParty{
		ID: "example.com", Name: "Example", Origins: []string{"https://example.com"},
	}, passkey.NewMemoryStore(), users)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/passkey/", pk.Handler())

	// The browser: a cookie jar and same-origin fetches.
	jar := map[string]string{}
	post := func(path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "https://example.com"+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		for n, v := range jar {
			req.AddCookie(&http.Cookie{Name: n, Value: v})
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			jar[c.Name] = c.Value
		}
		return rec
	}
	// The user is signed in (by a password, say) when they add a passkey.
	raw, _, _ := codec.Issue("user-1", Profile{Email: "ada@example.com"})
	jar[middleware.DefaultCookieName] = raw

	authenticator, _ := passkeytest.New("https://example.com")
	options := post("/passkey/register/options", []byte(`{"name":"Laptop"}`))
	created, _ := authenticator.Create(options.Body.Bytes())
	fmt.Println("register:", post("/passkey/register", created).Code)

	delete(jar, middleware.DefaultCookieName) // signed out
	options = post("/passkey/login/options", nil)
	assertion, _ := authenticator.Get(options.Body.Bytes())
	fmt.Println("sign in:", post("/passkey/login", assertion).Code)

	claims, err := codec.Verify(jar[middleware.DefaultCookieName])
	fmt.Println("session:", claims.Subject, claims.AMR, err)

	// The same response again is refused: the ceremony was used up.
	fmt.Println("replay:", post("/passkey/login", assertion).Code)
	// Output:
	// register: 201
	// sign in: 200
	// session: user-1 [hwk] <nil>
	// replay: 400
}
