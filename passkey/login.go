package passkey

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// maxCredentialIDLen is the longest credential ID WebAuthn allows (§6.5.1: 1023 bytes).
const maxCredentialIDLen = 1023

// Names of refusals in the log ("event") and the event hook.
const (
	eventLoginRejected    = "passkey_login_rejected"
	eventRegisterRejected = "passkey_register_rejected"
)

// loginOptions serves POST {prefix}/login/options. The ceremony is bound to an account when
// there is one: the user who signed in with a password and owes a second step, or the user of
// the current session re-authenticating (step-up); allowCredentials then lists their
// passkeys. Otherwise it is a discoverable ceremony (usernameless sign-in, and the browser's
// autofill under conditional mediation), and the passkey the user picks says who they are.
func (p *Passkeys[T]) loginOptions(w http.ResponseWriter, r *http.Request) {
	const event = eventLoginRejected
	body, rj := p.readBody(w, r, true)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	if body != nil {
		if err := strictJSON(body, &struct{}{}); err != nil {
			p.fail(w, r, event, malformed(err))
			return
		}
	}
	c := ceremony{Kind: kindLogin}
	sub, attempt, second := p.boundAccount(r)
	var creds []Credential
	if sub != "" {
		var err error
		if creds, err = p.store.List(r.Context(), sub); err != nil {
			p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err))
			return
		}
	}
	var (
		assertion *protocol.CredentialAssertion
		sd        *webauthn.SessionData
		err       error
		uv        []webauthn.LoginOption
	)
	if !second {
		// User verification may be merely preferred ([WithUserVerificationPreferred]) only
		// for the second step after a password. A passkey that signs in on its own, or
		// re-authenticates a session, must verify the user, or holding the key would do.
		uv = append(uv, webauthn.WithUserVerification(protocol.VerificationRequired))
	}
	switch {
	case len(creds) > 0:
		c.Subject, c.Second, c.Attempt = sub, second, attempt
		wu := &waUser{handle: creds[0].UserHandle}
		for _, cr := range creds {
			wu.creds = append(wu.creds, toWebAuthn(cr))
		}
		assertion, sd, err = p.wa.BeginLogin(wu, uv...)
	case second:
		// A second step with no passkey to offer: the application must ask for another factor.
		p.fail(w, r, event, reject(http.StatusConflict, "no_passkeys", "no_passkeys", nil))
		return
	default:
		assertion, sd, err = p.wa.BeginDiscoverableLogin(uv...)
	}
	if err != nil {
		p.fail(w, r, event, reject(http.StatusInternalServerError, "internal", "options_failed", err))
		return
	}
	c.Challenge, c.UV = sd.Challenge, string(sd.UserVerification)
	if err := p.begin(w, c); err != nil {
		p.fail(w, r, event, reject(http.StatusInternalServerError, "internal", "state_failed", err))
		return
	}
	writeJSON(w, http.StatusOK, assertion.Response)
}

// loginResponse is the JSON of a successful sign-in.
type loginResponse struct {
	Subject   token.Subject `json:"subject"`
	ExpiresAt time.Time     `json:"expires_at"`
	Redirect  string        `json:"redirect"`
}

// login serves POST {prefix}/login: it verifies the assertion against the ceremony this
// browser began and, when it holds, starts the session (or completes the pending login whose
// second step it is).
func (p *Passkeys[T]) login(w http.ResponseWriter, r *http.Request) {
	const event = eventLoginRejected
	st, rj := p.finish(w, r, kindLogin)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	c := st.Payload
	parsed, rj := p.parseAssertion(w, r)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	var pending *middleware.Pending
	if c.Second {
		if pending, rj = p.tryPending(w, r, c); rj != nil {
			p.fail(w, r, event, rj)
			return
		}
	}
	cred, rj := p.verifyAssertion(r, st, parsed)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	user, err := p.users(r.Context(), cred.Subject)
	switch {
	case errors.Is(err, ErrNoUser):
		p.fail(w, r, event, refused("unknown_user"))
		return
	case err != nil:
		p.fail(w, r, event, reject(http.StatusServiceUnavailable, "unavailable", "users_failed", err))
		return
	}
	claims, rj := p.start(w, r, cred.Subject, user.Payload, pending)
	if rj != nil {
		p.fail(w, r, event, rj)
		return
	}
	p.logger(r).Info().Str("event", "passkey_login").Str("subject", string(claims.Subject)).
		Bool("second_factor", c.Second).Msg("keycard: passkey sign-in")
	writeJSON(w, http.StatusOK, loginResponse{
		Subject:   claims.Subject,
		ExpiresAt: claims.Expiry.UTC(),
		Redirect:  middleware.SafeNext(r.URL.Query().Get("next")),
	})
}

// parseAssertion reads the AuthenticationResponseJSON of a sign-in.
func (p *Passkeys[T]) parseAssertion(w http.ResponseWriter, r *http.Request) (*protocol.ParsedCredentialAssertionData, *rejection) {
	body, rj := p.readBody(w, r, false)
	if rj != nil {
		return nil, rj
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return nil, malformed(err)
	}
	if len(parsed.RawID) > maxCredentialIDLen {
		return nil, malformed(errors.New("credential ID too long"))
	}
	return parsed, nil
}

// verifyAssertion checks an assertion (WebAuthn §7.2) against ceremony st, marks the ceremony
// used and records the use of its credential. It returns the credential, or why the sign-in is
// refused.
func (p *Passkeys[T]) verifyAssertion(r *http.Request, st *token.Claims[ceremony], parsed *protocol.ParsedCredentialAssertionData) (Credential, *rejection) {
	c := st.Payload
	ad := parsed.Response.AuthenticatorData
	if rj := p.checkClientData(parsed.Response.CollectedClientData, protocol.AssertCeremony, c.Challenge); rj != nil {
		return Credential{}, rj
	}
	if rj := p.checkAuthData(ad, c.UV); rj != nil {
		return Credential{}, rj
	}
	cred, err := p.store.Get(r.Context(), parsed.RawID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Credential{}, reject(http.StatusUnauthorized, "unknown_credential", "unknown_credential", nil)
	case err != nil:
		return Credential{}, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err)
	}
	uh := parsed.Response.UserHandle
	switch {
	case c.Subject != "" && cred.Subject != c.Subject:
		return Credential{}, refused("wrong_account")
	case c.Subject == "" && len(uh) == 0:
		// §7.2 step 6: a discoverable ceremony must name its user.
		return Credential{}, refused("no_user_handle")
	case len(uh) > 0 && !bytes.Equal(uh, cred.UserHandle):
		return Credential{}, refused("user_handle_mismatch")
	case cred.BackupEligible != ad.Flags.HasBackupEligible():
		// BE is fixed when the credential is made; a change is another credential source.
		return Credential{}, refused("backup_eligibility_changed")
	}
	wu := &waUser{handle: cred.UserHandle, creds: []webauthn.Credential{toWebAuthn(cred)}}
	if _, err := p.wa.ValidateLogin(wu, webauthn.SessionData{
		Challenge:        c.Challenge,
		RelyingPartyID:   p.rp.ID,
		UserID:           cred.UserHandle,
		UserVerification: protocol.UserVerificationRequirement(c.UV),
	}, parsed); err != nil {
		return Credential{}, refused(verificationReason(err))
	}
	if rj := p.consume(r, st); rj != nil {
		return Credential{}, rj
	}
	// Only now, with the signature verified, does the counter mean anything.
	if !signCountOK(cred.SignCount, ad.Counter) {
		p.logger(r).Warn().Str("event", "passkey_sign_count_regressed").Str("subject", string(cred.Subject)).
			Uint32("stored", cred.SignCount).Uint32("received", ad.Counter).Bool("allowed", p.cfg.allowRegression).
			Msg("keycard: passkey signature counter did not increase; the authenticator may be cloned")
		p.emit(r, EventSignCountRegressed, cred.Subject, "", "sign_count_regressed")
		if !p.cfg.allowRegression {
			return Credential{}, refused("sign_count_regressed")
		}
	}
	switch err := p.store.Used(r.Context(), cred.ID, Use{SignCount: ad.Counter, BackupState: ad.Flags.HasBackupState(), At: p.sessions.Codec().Now()}); {
	case errors.Is(err, ErrNotFound): // removed meanwhile
		return Credential{}, reject(http.StatusUnauthorized, "unknown_credential", "unknown_credential", nil)
	case err != nil:
		return Credential{}, reject(http.StatusServiceUnavailable, "unavailable", "store_failed", err)
	}
	return cred, nil
}
