package oidc_test

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

// User is an application's session payload.
type User struct {
	Email string `json:"email"`
}

func ExampleNew() {
	key, _ := token.NewHMACKey("k1", token.HS256, bytes.Repeat([]byte{7}, 32)) // use a real secret
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[User](keys)
	sessions, _ := middleware.New(codec)

	google, err := oidc.NewProvider("google", "https://accounts.google.com", "client-id.apps.googleusercontent.com",
		oidc.WithClientSecret("client-secret"), oidc.WithDisplayName("Google"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// accounts maps (issuer, subject) to the application's user ID: the only safe key.
	accounts := map[[2]string]token.Subject{
		{"https://accounts.google.com", "110169484474386276334"}: "user-1",
	}
	link := func(r *http.Request, id oidc.Identity) (token.Subject, User, error) {
		sub, ok := accounts[[2]string{id.Issuer, id.Subject}]
		if !ok {
			return "", User{}, oidc.ErrUnknownIdentity
		}
		return sub, User{Email: id.Email}, nil
	}
	login, err := oidc.New(sessions, "https://app.example.com", link,
		oidc.WithProvider(google), oidc.WithStateSecret(bytes.Repeat([]byte{9}, 32))) // use a real secret
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	login.Register(mux) // no network yet: discovery happens on the first sign-in

	for _, p := range login.Providers("/settings", false) {
		fmt.Printf("Sign in with %s: %s\n", p.DisplayName, p.URL)
	}
	// Output:
	// Sign in with Google: /auth/google/login?next=%2Fsettings
}

func ExampleNewProvider_errors() {
	_, err := oidc.NewProvider("corp", "http://idp.example.com", "client")
	fmt.Println(err)
	_, err = oidc.NewProvider("Corp IdP", "https://idp.example.com", "client")
	fmt.Println(err)
	_, err = oidc.NewProvider("corp", "https://idp.example.com", "client", oidc.WithAlgorithms("HS256"))
	fmt.Println(err)
	// Output:
	// oidc: issuer "http://idp.example.com" must use https (http only for a loopback host)
	// oidc: provider name "Corp IdP": use 1 to 32 lower-case letters, digits and dashes
	// oidc: provider corp: algorithm "HS256" not allowed: choose among [RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA]
}
