package token_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/keycard-go/keycard/token"
)

// Session is the application's own claims type.
type Session struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// exampleSecret stands in for 32 bytes from a secret store; real secrets come
// from crypto/rand (token.GenerateKey) and never from source code.
var exampleSecret = bytes.Repeat([]byte{0x5e}, 32)

// exampleClock is a fixed clock so that the examples are deterministic.
func exampleClock() time.Time { return time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC) }

func ExampleNew() {
	key, err := token.NewHMACKey("2026-01", token.HS256, exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		log.Fatal(err)
	}
	codec, err := token.New[Session](keys,
		token.WithIssuer("https://example.com"),
		token.WithLifetime(15*time.Minute),
		token.WithClock(exampleClock),
	)
	if err != nil {
		log.Fatal(err)
	}

	tok, _, err := codec.Issue("user-42", Session{Name: "Alice", Roles: []string{"admin"}})
	if err != nil {
		log.Fatal(err)
	}
	claims, err := codec.Verify(tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Subject, claims.Payload.Name, claims.Payload.Roles)
	fmt.Println("signed by", claims.KeyID, "until", claims.Expiry.Format(time.Kitchen))
	// Output:
	// user-42 Alice [admin]
	// signed by 2026-01 until 10:15AM
}

func ExampleCodec_Issue() {
	key, _ := token.NewHMACKey("2026-01", token.HS256, exampleSecret)
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[Session](keys, token.WithClock(exampleClock))

	// The token goes into a cookie; the claims are for the caller.
	_, claims, err := codec.Issue("user-42", Session{Name: "Alice"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("lifetime:", claims.Expiry.Sub(claims.IssuedAt))
	fmt.Println("session began:", claims.AuthTime.Format(time.RFC3339))
	fmt.Println("jti and sid bits:", len(claims.ID)*6, len(claims.SessionID)*6)

	// An empty subject is refused.
	_, _, err = codec.Issue("", Session{})
	fmt.Println(errors.Is(err, token.ErrInvalidClaims))
	// Output:
	// lifetime: 1h0m0s
	// session began: 2026-01-02T10:00:00Z
	// jti and sid bits: 132 132
	// true
}

func ExampleCodec_Verify() {
	key, _ := token.NewHMACKey("2026-01", token.HS256, exampleSecret)
	keys, _ := token.NewKeySet(key)
	now := exampleClock()
	codec, _ := token.New[Session](keys, token.WithClock(func() time.Time { return now }))
	tok, _, _ := codec.Issue("user-42", Session{Name: "Alice"})

	// Change one character of the signature.
	tampered := []byte(tok)
	if i := len(tampered) - 3; tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}

	for _, t := range []struct {
		name  string
		token string
		at    time.Time
	}{
		{"fresh", tok, now},
		{"tampered", string(tampered), now},
		{"two hours later", tok, now.Add(2 * time.Hour)},
		{"garbage", "not.a.token", now},
	} {
		codec, _ := token.New[Session](keys, token.WithClock(func() time.Time { return t.at }))
		_, err := codec.Verify(t.token)
		switch {
		case err == nil:
			fmt.Println(t.name, "=> ok")
		case errors.Is(err, token.ErrSignature):
			fmt.Println(t.name, "=> bad signature")
		case errors.Is(err, token.ErrExpired):
			fmt.Println(t.name, "=> expired, log in again")
		case errors.Is(err, token.ErrMalformed):
			fmt.Println(t.name, "=> malformed")
		default:
			fmt.Println(t.name, "=> rejected")
		}
	}
	// Output:
	// fresh => ok
	// tampered => bad signature
	// two hours later => expired, log in again
	// garbage => malformed
}

func ExampleNewKeySet() {
	oldKey, _ := token.NewHMACKey("2026-01", token.HS256, exampleSecret)
	newKey, err := token.GenerateKey("2026-02", token.EdDSA)
	if err != nil {
		log.Fatal(err)
	}
	keys, _ := token.NewKeySet(oldKey)
	codec, _ := token.New[Session](keys, token.WithClock(exampleClock))
	old, _, _ := codec.Issue("user-42", Session{Name: "Alice"})

	// Rotate: the new key signs, the old one only verifies.
	rotated, err := token.NewKeySet(newKey, oldKey)
	if err != nil {
		log.Fatal(err)
	}
	if err := codec.SetKeys(rotated); err != nil {
		log.Fatal(err)
	}
	claims, err := codec.Verify(old)
	fmt.Println("old token:", err == nil, claims.KeyID)
	_, fresh, _ := codec.Issue("user-42", Session{Name: "Alice"})
	fmt.Println("new tokens signed by", fresh.KeyID, "with", codec.Keys().SigningKey().Algorithm())

	// Once old tokens have expired, drop the old key.
	final, _ := token.NewKeySet(newKey)
	_ = codec.SetKeys(final)
	_, err = codec.Verify(old)
	fmt.Println("old token after removal:", errors.Is(err, token.ErrUnknownKey))
	fmt.Println(newKey) // keys print without their material
	// Output:
	// old token: true 2026-01
	// new tokens signed by 2026-02 with EdDSA
	// old token after removal: true
	// token.Key{kid:"2026-02", alg:EdDSA, [REDACTED]}
}

func ExampleWithEncryption() {
	key, _ := token.NewHMACKey("2026-01", token.HS256, exampleSecret)
	keys, _ := token.NewKeySet(key)
	enc, err := token.GenerateEncryptionKey("enc-2026-01")
	if err != nil {
		log.Fatal(err)
	}
	codec, _ := token.New[Session](keys, token.WithEncryption(enc), token.WithClock(exampleClock))
	tok, _, _ := codec.Issue("user-42", Session{Name: "Alice"})
	fmt.Println("JWE segments:", strings.Count(tok, ".")+1)
	claims, err := codec.Verify(tok)
	fmt.Println(claims.Payload.Name, err)
	// Output:
	// JWE segments: 5
	// Alice <nil>
}
