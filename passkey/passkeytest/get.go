package passkeytest

import (
	"encoding/json"
	"fmt"
	"slices"
)

// requestOptions is the part of PublicKeyCredentialRequestOptionsJSON the authenticator
// reads.
type requestOptions struct {
	Challenge b64Field     `json:"challenge"`
	RPID      string       `json:"rpId"`
	Allow     []descriptor `json:"allowCredentials"`
}

// assertionJSON is AuthenticationResponseJSON, what PublicKeyCredential.toJSON() returns after
// navigator.credentials.get().
type assertionJSON struct {
	ID                      string            `json:"id"`
	RawID                   string            `json:"rawId"`
	Type                    string            `json:"type"`
	AuthenticatorAttachment string            `json:"authenticatorAttachment"`
	Response                assertionResponse `json:"response"`
	ClientExtensionResults  map[string]string `json:"clientExtensionResults"`
}

type assertionResponse struct {
	ClientDataJSON    string `json:"clientDataJSON"`
	AuthenticatorData string `json:"authenticatorData"`
	Signature         string `json:"signature"`
	UserHandle        string `json:"userHandle,omitempty"`
}

// Get answers request options as navigator.credentials.get() followed by toJSON() would: it
// picks a credential (the first held one in allowCredentials, or with an empty list the newest
// discoverable one for the RP ID; see [WithCredential]), advances its counter and returns
// AuthenticationResponseJSON signed with it. optionsJSON is
// PublicKeyCredentialRequestOptionsJSON, bare or under "publicKey". It fails with
// [ErrNoCredential] when no credential fits.
func (a *Authenticator) Get(optionsJSON []byte, knobs ...Knob) ([]byte, error) {
	var opts requestOptions
	if err := unmarshalOptions(optionsJSON, &opts); err != nil {
		return nil, err
	}
	if len(opts.Challenge) == 0 {
		return nil, fmt.Errorf("%w: no challenge", ErrOptions)
	}
	rpID, err := a.rpID(opts.RPID)
	if err != nil {
		return nil, err
	}
	c := newCeremony(a, knobs)

	a.mu.Lock()
	defer a.mu.Unlock()
	cred := a.pick(rpID, opts.Allow, c.credentialID)
	if cred == nil {
		return nil, ErrNoCredential
	}
	switch {
	case c.signCount != nil:
		cred.SignCount = *c.signCount
	case a.cfg.zeroCounter:
		cred.SignCount = 0
	default:
		cred.SignCount++
	}

	cdj, err := c.clientDataJSON("webauthn.get", opts.Challenge)
	if err != nil {
		return nil, err
	}
	auth := authData(c.hash(rpID), c.flags(a), cred.SignCount, nil)
	sig, err := sign(cred.key, auth, cdj)
	if err != nil {
		return nil, err
	}
	if c.flipSignature {
		sig = flip(sig)
	}
	resp := assertionResponse{
		ClientDataJSON:    b64.EncodeToString(cdj),
		AuthenticatorData: b64.EncodeToString(auth),
		Signature:         b64.EncodeToString(sig),
	}
	if !c.noUserHandle {
		resp.UserHandle = b64.EncodeToString(cred.UserHandle)
	}
	return json.Marshal(assertionJSON{
		ID:                      b64.EncodeToString(cred.ID),
		RawID:                   b64.EncodeToString(cred.ID),
		Type:                    "public-key",
		AuthenticatorAttachment: a.cfg.attachment,
		Response:                resp,
		ClientExtensionResults:  map[string]string{},
	})
}

// pick chooses the credential of a Get. The caller holds a.mu.
func (a *Authenticator) pick(rpID string, allow []descriptor, want []byte) *credential {
	allowed := func(c *credential) bool {
		if c.RPID != rpID {
			return false
		}
		if len(allow) == 0 {
			return true
		}
		return slices.ContainsFunc(allow, func(d descriptor) bool { return slices.Equal(d.ID, c.ID) })
	}
	if want != nil {
		if c := a.find(rpID, want); c != nil && allowed(c) {
			return c
		}
		return nil
	}
	if len(allow) > 0 {
		for _, d := range allow {
			if c := a.find(rpID, d.ID); c != nil {
				return c
			}
		}
		return nil
	}
	for i := len(a.creds) - 1; i >= 0; i-- {
		if allowed(a.creds[i]) {
			return a.creds[i]
		}
	}
	return nil
}
