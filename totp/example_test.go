package totp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
	"github.com/keycard-go/keycard/totp"
)

// The code of a secret at a moment, as an authenticator app shows it (RFC 6238 Appendix B).
func ExampleParams_Code() {
	secret := []byte("12345678901234567890")
	code, _ := totp.Params{Digits: 8}.Code(secret, time.Unix(1111111109, 0))
	fmt.Println(code)
	// Output: 07081804
}

// Importing a secret from another system's otpauth URI.
func ExampleParseURI() {
	k, err := totp.ParseURI("otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k.Issuer, k.Account, k.Params.Algorithm, k.Params.Digits, k.Params.Period)
	fmt.Printf("%v\n", k.Secret) // secrets never print
	_, err = totp.ParseURI("otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1")
	fmt.Println(errors.Is(err, totp.ErrInvalidURI))
	// Output:
	// Example alice@example.com SHA1 6 30s
	// [REDACTED]
	// true
}

// Wiring the second factor into an application: the login asks for a code when the account has
// TOTP on, and the handlers manage it.
func ExampleNew() {
	key, _ := token.GenerateKey("k1", token.HS256)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Profile](keys)
	store := totp.NewMemoryStore() // your database
	sessions, _ := middleware.New(codec, middleware.WithSecondFactor("/login/2fa", totp.Required(store)))
	lookup := func(ctx context.Context, sub token.Subject) (Profile, error) {
		return Profile{Email: "alice@example.com"}, nil
	}
	factor, err := totp.New(sessions, store, lookup, totp.WithIssuer("Example"))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(fakeAuth))
	mux.Handle("POST /login/2fa", factor.SecondStepHandler())
	mux.Handle("POST /2fa/enrol", sessions.RequireSession(factor.EnrolHandler()))
	mux.Handle("POST /2fa/confirm", sessions.RequireSession(factor.ConfirmHandler()))
	mux.Handle("POST /2fa/disable", sessions.RequireSession(factor.DisableHandler()))
	fmt.Println("ready")
	// Output: ready
}

// Recovery codes: shown once, stored as hashes, typed back in any case and grouping.
func ExampleParseRecoveryCode() {
	c, _ := totp.ParseRecoveryCode(" 7K2M 9QXD-4v8r-hc3n ")
	fmt.Println(c)
	_, err := totp.ParseRecoveryCode("123456")
	fmt.Println(errors.Is(err, totp.ErrMalformedCode))
	// Output:
	// 7k2m9qxd4v8rhc3n
	// true
}
