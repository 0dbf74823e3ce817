package oidc

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/token"
)

// minSecretLen is the shortest state secret accepted: 256 bits.
const minSecretLen = 32

// maxStateNext bounds the return target kept in the state cookie, so the cookie stays well
// under the 4 KB browsers keep; a longer target is replaced by "/".
const maxStateNext = 512

// flowState is what the login route remembers for the callback, inside the state cookie. The
// token's subject is the provider's name, its ID (jti) the single-use key. JSON names avoid the
// registered claim names the token package reserves (nonce among them).
type flowState struct {
	State    string `json:"st"`           // the state parameter sent to the provider
	Nonce    string `json:"nn"`           // the nonce the ID token must carry
	Verifier string `json:"pkce"`         // the PKCE code verifier (S256 challenge sent)
	Issuer   string `json:"idp"`          // the provider's issuer, binding the flow to it
	Next     string `json:"next"`         // where to go after sign-in, already through SafeNext
	Reauth   bool   `json:"re,omitempty"` // a fresh authentication was demanded (max_age=0)
}

// stateIssuer and stateAudience mark state tokens so that no other keycard token (a session
// made with the same keys by mistake) passes for one.
const (
	stateIssuer   = "keycard/oidc"
	stateAudience = "keycard/oidc/state"
)

// newStateCodec returns the codec of state cookies: HS256 signed, A256GCM encrypted, valid for
// FlowLifetime, keyed from secret by HKDF, or at random when secret is nil.
func newStateCodec(secret []byte, now func() time.Time) (*token.Codec[flowState], error) {
	var signKey, encKey []byte
	if secret == nil {
		signKey, encKey = make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(signKey) // crypto/rand.Read never fails (Go 1.24+)
		_, _ = rand.Read(encKey)
	} else {
		var err error
		if signKey, err = hkdf.Key(sha256.New, secret, nil, "keycard oidc state: signing", 32); err != nil {
			return nil, fmt.Errorf("oidc: derive state key: %w", err)
		}
		if encKey, err = hkdf.Key(sha256.New, secret, nil, "keycard oidc state: encryption", 32); err != nil {
			return nil, fmt.Errorf("oidc: derive state key: %w", err)
		}
	}
	defer clear(signKey)
	defer clear(encKey)
	sk, err := token.NewHMACKey("oidc-state", token.HS256, signKey)
	if err != nil {
		return nil, err
	}
	ek, err := token.NewEncryptionKey("oidc-state", encKey)
	if err != nil {
		return nil, err
	}
	keys, err := token.NewKeySet(sk)
	if err != nil {
		return nil, err
	}
	return token.New[flowState](keys,
		token.WithLifetime(FlowLifetime),
		token.WithEncryption(ek),
		token.WithIssuer(stateIssuer),
		token.WithAudience(stateAudience),
		token.WithClock(now))
}

// stateCookieTemplate returns the state cookie of provider name, without value.
func stateCookieTemplate(name string, insecure bool) (http.Cookie, error) {
	c := http.Cookie{
		Name:     "__Host-keycard-oidc-" + name,
		Value:    "x",
		Path:     "/",
		Secure:   true,
		HttpOnly: true,
		// Lax, not Strict: the callback is a top-level navigation from the provider's site,
		// and a Strict cookie would not come with it.
		SameSite: http.SameSiteLaxMode,
	}
	if insecure {
		c.Name, c.Secure = "keycard-oidc-"+name, false
	}
	if err := c.Valid(); err != nil {
		return http.Cookie{}, fmt.Errorf("oidc: state cookie: %w", err)
	}
	c.Value = ""
	return c, nil
}
