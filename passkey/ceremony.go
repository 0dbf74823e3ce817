package passkey

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/token"
)

// A ceremony's state (its challenge and what it is for) travels in a cookie of its own: a
// keycard token, signed and encrypted with keys of the passkey handlers (never the session
// keys), living as long as the ceremony may take. The browser that began the ceremony holds it
// (HttpOnly, Secure, SameSite=Strict, __Host-), so a response relayed from another browser has
// no state to finish against. The cookie is cleared when the ceremony finishes, and the token's
// ID is marked in the [middleware.OnceStore] once the response verified, so the same cookie and
// response cannot be used twice.

// Ceremony kinds, each with its own cookie so that a sign-in begun in one tab does not break a
// registration in another.
const (
	kindRegister = "register"
	kindLogin    = "login"
)

// stateAudience keeps ceremony tokens apart from every other keycard token.
const stateAudience = "keycard-passkey"

// stateSubject is the token subject of every ceremony; the user, when there is one, is in the
// payload.
const stateSubject token.Subject = "passkey"

// ceremony is the payload of a ceremony token.
type ceremony struct {
	Kind      string          `json:"pk_kind"`
	Challenge string          `json:"pk_chal"`          // base64url, as sent in the options
	UV        string          `json:"pk_uv"`            // the user verification requirement
	Subject   token.Subject   `json:"pk_sub,omitempty"` // registration: the user; sign-in: the account it is bound to
	SessionID token.SessionID `json:"pk_sid,omitempty"` // registration: the session that began it
	Handle    []byte          `json:"pk_uh,omitempty"`  // registration: the user handle
	Name      string          `json:"pk_name,omitempty"`
	Second    bool            `json:"pk_2nd,omitempty"` // sign-in: the second step after a first factor
	Attempt   string          `json:"pk_att,omitempty"` // second step: the pending login attempt it belongs to
}

// Validate refuses a ceremony token without the fields every ceremony has.
func (c ceremony) Validate() error {
	if (c.Kind != kindRegister && c.Kind != kindLogin) || c.Challenge == "" || c.UV == "" {
		return errors.New("incomplete ceremony")
	}
	return nil
}

// newStateCodec builds the ceremony token codec: the configured keys or fresh random ones.
func newStateCodec(cfg config, now func() time.Time) (*token.Codec[ceremony], error) {
	sign, enc := cfg.stateKey, cfg.stateEnc
	if sign == nil {
		var err error
		if sign, err = token.GenerateKey("passkey", token.HS256); err != nil {
			return nil, err
		}
		if enc, err = token.GenerateEncryptionKey("passkey"); err != nil {
			return nil, err
		}
	}
	keys, err := token.NewKeySet(sign)
	if err != nil {
		return nil, fmt.Errorf("passkey: state keys: %w", err)
	}
	return token.New[ceremony](keys,
		token.WithLifetime(cfg.timeout),
		token.WithEncryption(enc),
		token.WithAudience(stateAudience),
		token.WithClock(now),
		token.WithMaxTokenSize(4096),
	)
}

// cookieName is the cookie of a ceremony kind.
func cookieName(kind string) string { return "__Host-passkey-" + kind }

// begin issues the state of a new ceremony and sets its cookie on w.
func (p *Passkeys[T]) begin(w http.ResponseWriter, c ceremony) error {
	raw, _, err := p.state.Issue(stateSubject, c)
	if err != nil {
		return err
	}
	ck := http.Cookie{
		Name: cookieName(c.Kind), Value: raw, Path: "/",
		MaxAge:   int(p.cfg.timeout / time.Second),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
	if err := ck.Valid(); err != nil {
		return err
	}
	http.SetCookie(w, &ck)
	return nil
}

// finish reads the state of a ceremony of kind: it clears the cookie on w and verifies the
// token. Every outcome but success is a rejection: no cookie, a token we did not issue or that
// expired. The caller marks the ceremony used ([Passkeys.consume]) once the response verified.
func (p *Passkeys[T]) finish(w http.ResponseWriter, r *http.Request, kind string) (*token.Claims[ceremony], *rejection) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(kind), Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	ck, err := r.Cookie(cookieName(kind))
	if err != nil || ck.Value == "" {
		return nil, reject(http.StatusBadRequest, "no_ceremony", "no_ceremony", nil)
	}
	claims, err := p.state.Verify(ck.Value)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, reject(http.StatusBadRequest, "no_ceremony", "ceremony_expired", nil)
	case err != nil:
		return nil, reject(http.StatusBadRequest, "no_ceremony", "ceremony_invalid", nil)
	case claims.Payload.Kind != kind:
		return nil, reject(http.StatusBadRequest, "no_ceremony", "ceremony_invalid", nil)
	}
	return claims, nil
}

// consume marks the ceremony st used, so that its cookie and response cannot be used twice. It
// runs once the response's signature verified, before anything is recorded: a junk response
// must leave no marker, or anyone could fill the single-use store that every user's pending
// logins and one-time codes share, with options and junk in a loop.
func (p *Passkeys[T]) consume(r *http.Request, st *token.Claims[ceremony]) *rejection {
	first, err := p.cfg.once.Use(r.Context(), "passkey:"+string(st.ID), st.Expiry.Add(time.Minute))
	switch {
	case err != nil:
		return reject(http.StatusServiceUnavailable, "unavailable", "once_store_failed", err)
	case !first:
		return reject(http.StatusUnauthorized, "passkey_rejected", "replayed", nil)
	}
	return nil
}
