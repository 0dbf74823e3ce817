package passkey

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keycard-go/keycard/token"
)

// userHandleLen is the size of a new user handle: random, so it says nothing about the user
// (WebAuthn §14.6.1 forbids personal data in it).
const userHandleLen = 32

// registerOptions serves POST {prefix}/register/options, behind RequireSession.
func (p *Passkeys[T]) registerOptions(w http.ResponseWriter, r *http.Request) {
	const event = eventRegisterRejected
	claims, err := p.sessions.Current(r)
	if err != nil {
		p.fail(w, r, event, reject(http.StatusUnauthorized, "unauthenticated", "no_session", nil))
		return
	}
	if !p.recentEnough(w, r, event, claims.AuthTime) {
		return
	}
	body, rj := p.readBody(w, r, true)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if body != nil {
		if err := strictJSON(body, &req); err != nil {
			p.fail(w, r, event, malformed(err))
			return
		}
	}
	name, ok := cleanName(req.Name)
	if !ok {
		p.fail(w, r, event, reject(http.StatusBadRequest, "bad_name", "bad_name", nil))
		return
	}
	user, creds, rj := p.account(r, claims.Subject)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	if len(creds) >= p.cfg.maxPasskeys {
		p.fail(w, r, event, reject(http.StatusConflict, "too_many_passkeys", "too_many_passkeys", nil))
		return
	}
	handle := make([]byte, userHandleLen)
	if len(creds) > 0 {
		handle = creds[0].UserHandle // one handle per user, so authenticators replace rather than pile up
	} else {
		_, _ = rand.Read(handle)
	}
	wu := &waUser{handle: handle, name: user.Name, displayName: user.DisplayName}
	if wu.displayName == "" {
		wu.displayName = wu.name
	}
	creation, sd, err := p.wa.BeginRegistration(wu, webauthn.WithExclusions(descriptors(creds)))
	if err != nil {
		p.fail(w, r, event, reject(http.StatusInternalServerError, "internal", "options_failed", err))
		return
	}
	if err := p.begin(w, ceremony{
		Kind: kindRegister, Challenge: sd.Challenge, UV: string(sd.UserVerification),
		Subject: claims.Subject, SessionID: claims.SessionID, Handle: handle, Name: name,
	}); err != nil {
		p.fail(w, r, event, reject(http.StatusInternalServerError, "internal", "state_failed", err))
		return
	}
	writeJSON(w, http.StatusOK, creation.Response)
}

// register serves POST {prefix}/register, behind RequireSession: it verifies the attestation
// against the ceremony begun by the same session and stores the new passkey.
func (p *Passkeys[T]) register(w http.ResponseWriter, r *http.Request) {
	const event = eventRegisterRejected
	claims, err := p.sessions.Current(r)
	if err != nil {
		p.fail(w, r, event, reject(http.StatusUnauthorized, "unauthenticated", "no_session", nil))
		return
	}
	st, rj := p.finish(w, r, kindRegister)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	c := st.Payload
	if c.Subject != claims.Subject || c.SessionID != claims.SessionID {
		p.fail(w, r, event, refused("session_mismatch"))
		return
	}
	body, rj := p.readBody(w, r, false)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		p.fail(w, r, event, malformed(err))
		return
	}
	ad := parsed.Response.AttestationObject.AuthData
	if rj := p.checkClientData(parsed.Response.CollectedClientData, protocol.CreateCeremony, c.Challenge); rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	if rj := p.checkAuthData(ad, c.UV); rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	wc, err := p.wa.CreateCredential(&waUser{handle: c.Handle}, webauthn.SessionData{
		Challenge:        c.Challenge,
		RelyingPartyID:   p.rp.ID,
		UserID:           c.Handle,
		UserVerification: protocol.UserVerificationRequirement(c.UV),
		CredParams:       webauthn.CredentialParametersDefault(),
	}, parsed)
	if err != nil {
		p.fail(w, r, event, refused(verificationReason(err)))
		return
	}
	if rj := p.consume(r, st); rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	now := p.sessions.Codec().Now()
	cred := Credential{
		ID:                wc.ID,
		Subject:           claims.Subject,
		UserHandle:        c.Handle,
		PublicKey:         wc.PublicKey,
		SignCount:         wc.Authenticator.SignCount,
		Transports:        transports(wc.Transport),
		Name:              c.Name,
		AAGUID:            wc.Authenticator.AAGUID,
		AttestationFormat: wc.AttestationFormat,
		BackupEligible:    wc.Flags.BackupEligible,
		BackupState:       wc.Flags.BackupState,
		Created:           now,
	}
	if cred.Name == "" {
		cred.Name = defaultName(cred)
	}
	existing, err := p.store.List(r.Context(), claims.Subject)
	switch {
	case err != nil:
		p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
		return
	case len(existing) >= p.cfg.maxPasskeys:
		p.fail(w, r, event, reject(http.StatusConflict, "too_many_passkeys", "too_many_passkeys", nil))
		return
	}
	switch err := p.store.Add(r.Context(), cred); {
	case errors.Is(err, ErrDuplicate):
		p.fail(w, r, event, reject(http.StatusConflict, "already_registered", "already_registered", nil))
		return
	case err != nil:
		p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
		return
	}
	p.logger(r).Info().Str("event", "passkey_registered").Str("subject", string(claims.Subject)).
		Str("format", cred.AttestationFormat).Msg("keycard: passkey registered")
	p.emit(r, EventRegistered, claims.Subject, claims.SessionID, "")
	writeJSON(w, http.StatusCreated, viewOf(cred))
}

// account returns the user and their passkeys.
func (p *Passkeys[T]) account(r *http.Request, sub token.Subject) (User[T], []Credential, *rejection) {
	user, err := p.users(r.Context(), sub)
	switch {
	case errors.Is(err, ErrNoUser):
		return user, nil, reject(http.StatusUnauthorized, "unauthenticated", "unknown_user", nil)
	case err != nil:
		return user, nil, reject(http.StatusServiceUnavailable, "unavailable", "users_failed", err)
	case user.Name == "":
		return user, nil, reject(http.StatusInternalServerError, "internal", "user_without_name", errors.New("passkey: Users returned an empty Name"))
	}
	creds, err := p.store.List(r.Context(), sub)
	if err != nil {
		return user, nil, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err)
	}
	return user, creds, nil
}

// recentEnough answers 401 reauth_required, as RFC 9470 describes, when the session's last
// authentication is older than [WithRecentAuth] allows.
func (p *Passkeys[T]) recentEnough(w http.ResponseWriter, r *http.Request, event string, authTime time.Time) bool {
	if p.sessions.Codec().Now().Sub(authTime) <= p.cfg.recentAuth {
		return true
	}
	w.Header().Set("WWW-Authenticate", maxAgeHeader(int(p.cfg.recentAuth/time.Second)))
	p.fail(w, r, event, reject(http.StatusUnauthorized, "reauth_required", "reauth_required", nil))
	return false
}

// transports converts go-webauthn's transports to strings.
func transports(ts []protocol.AuthenticatorTransport) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// defaultName names a passkey the user did not name.
func defaultName(c Credential) string {
	switch {
	case c.BackupEligible:
		return "Synced passkey"
	case len(c.Transports) > 0 && c.Transports[0] == "internal":
		return "Passkey on this device"
	case len(c.Transports) > 0:
		return "Security key"
	}
	return "Passkey"
}

// cleanName trims a name a user gave and refuses one too long or with control characters.
// The empty name is fine (a default is chosen).
func cleanName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameLen {
		return "", false
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' {
			return "", false
		}
	}
	return name, true
}

// strictJSON decodes one JSON object into v, refusing unknown fields and trailing data.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// maxAgeHeader is the RFC 9470 challenge for a step-up of maxAge seconds.
func maxAgeHeader(seconds int) string {
	return `Bearer error="insufficient_user_authentication", max_age=` + strconv.Itoa(seconds)
}
