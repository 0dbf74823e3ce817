package passkeytest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
)

// creationOptions is the part of PublicKeyCredentialCreationOptionsJSON the authenticator
// reads.
type creationOptions struct {
	RP struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"rp"`
	User struct {
		ID          b64Field `json:"id"`
		Name        string   `json:"name"`
		DisplayName string   `json:"displayName"`
	} `json:"user"`
	Challenge b64Field     `json:"challenge"`
	Params    []credParam  `json:"pubKeyCredParams"`
	Exclude   []descriptor `json:"excludeCredentials"`
}

// credParam is one entry of pubKeyCredParams.
type credParam struct {
	Type string `json:"type"`
	Alg  int64  `json:"alg"`
}

// registrationJSON is RegistrationResponseJSON, what PublicKeyCredential.toJSON() returns
// after navigator.credentials.create().
type registrationJSON struct {
	ID                      string            `json:"id"`
	RawID                   string            `json:"rawId"`
	Type                    string            `json:"type"`
	AuthenticatorAttachment string            `json:"authenticatorAttachment"`
	Response                attestationJSON   `json:"response"`
	ClientExtensionResults  map[string]string `json:"clientExtensionResults"`
}

type attestationJSON struct {
	ClientDataJSON     string   `json:"clientDataJSON"`
	AuthenticatorData  string   `json:"authenticatorData"`
	Transports         []string `json:"transports"`
	PublicKey          string   `json:"publicKey"`
	PublicKeyAlgorithm int64    `json:"publicKeyAlgorithm"`
	AttestationObject  string   `json:"attestationObject"`
}

// Create answers creation options as navigator.credentials.create() followed by toJSON()
// would: it makes a new discoverable ES256 credential for the options' user and returns
// RegistrationResponseJSON. optionsJSON is PublicKeyCredentialCreationOptionsJSON, bare or
// under "publicKey". Knobs change this ceremony only; the credential is kept even when a knob
// makes the response invalid, as a real authenticator would have kept it.
func (a *Authenticator) Create(optionsJSON []byte, knobs ...Knob) ([]byte, error) {
	var opts creationOptions
	if err := unmarshalOptions(optionsJSON, &opts); err != nil {
		return nil, err
	}
	if len(opts.Challenge) == 0 || len(opts.User.ID) == 0 || len(opts.User.ID) > 64 {
		return nil, fmt.Errorf("%w: need a challenge and a user.id of 1 to 64 bytes", ErrOptions)
	}
	if !slices.Contains(opts.Params, credParam{Type: "public-key", Alg: coseES256}) {
		return nil, fmt.Errorf("%w: pubKeyCredParams does not offer ES256", ErrOptions)
	}
	rpID, err := a.rpID(opts.RP.ID)
	if err != nil {
		return nil, err
	}
	c := newCeremony(a, knobs)

	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ex := range opts.Exclude {
		if a.find(rpID, ex.ID) != nil {
			return nil, ErrExcluded
		}
	}
	key, id, err := newKey()
	if err != nil {
		return nil, err
	}
	cred := &credential{Credential: Credential{
		ID: id, RPID: rpID, UserHandle: slices.Clone(opts.User.ID), UserName: opts.User.Name,
	}, key: key}
	if c.signCount != nil {
		cred.SignCount = *c.signCount
	}
	// A client's discoverable credential for the same user replaces the older one.
	a.creds = slices.DeleteFunc(a.creds, func(old *credential) bool {
		return old.RPID == rpID && slices.Equal(old.UserHandle, cred.UserHandle)
	})
	a.creds = append(a.creds, cred)

	cdj, err := c.clientDataJSON("webauthn.create", opts.Challenge)
	if err != nil {
		return nil, err
	}
	pub := coseKey(&key.PublicKey)
	attested := make([]byte, 0, 18+len(id)+len(pub))
	attested = append(attested, a.cfg.aaguid[:]...)
	attested = append(attested, byte(len(id)>>8), byte(len(id)))
	attested = append(attested, id...)
	attested = append(attested, pub...)
	auth := authData(c.hash(rpID), c.flags(a)|flagAT, cred.SignCount, attested)

	obj, err := c.attestationObject(key, auth, cdj)
	if err != nil {
		return nil, err
	}
	return json.Marshal(registrationJSON{
		ID:                      b64.EncodeToString(id),
		RawID:                   b64.EncodeToString(id),
		Type:                    "public-key",
		AuthenticatorAttachment: a.cfg.attachment,
		Response: attestationJSON{
			ClientDataJSON:     b64.EncodeToString(cdj),
			AuthenticatorData:  b64.EncodeToString(auth),
			Transports:         slices.Clone(a.cfg.transports),
			PublicKey:          b64.EncodeToString(spki(&key.PublicKey)),
			PublicKeyAlgorithm: coseES256,
			AttestationObject:  b64.EncodeToString(obj),
		},
		ClientExtensionResults: map[string]string{},
	})
}

// attestationObject encodes {"fmt", "attStmt", "authData"} (WebAuthn §6.5.4), keys in CTAP2
// canonical order. The packed self attestation signs authData || SHA-256(clientDataJSON) with
// the credential key itself (§8.2, "self attestation").
func (c *ceremony) attestationObject(key *ecdsa.PrivateKey, auth, cdj []byte) ([]byte, error) {
	b := cborMap(nil, 3)
	b = cborText(b, "fmt")
	switch c.attestationFmt {
	case AttestationNone:
		b = cborText(b, "none")
		b = cborMap(cborText(b, "attStmt"), 0)
	case AttestationPacked:
		sig, err := sign(key, auth, cdj)
		if err != nil {
			return nil, err
		}
		if c.flipSignature {
			sig = flip(sig)
		}
		b = cborText(b, "packed")
		b = cborMap(cborText(b, "attStmt"), 2)
		b = cborInt(cborText(b, "alg"), coseES256)
		b = cborBytes(cborText(b, "sig"), sig)
	default:
		return nil, fmt.Errorf("%w: attestation format %q", ErrOptions, c.attestationFmt)
	}
	b = cborBytes(cborText(b, "authData"), auth)
	return b, nil
}

// clientDataJSON writes the client data of a ceremony of type typ for challenge.
func (c *ceremony) clientDataJSON(typ string, challenge []byte) ([]byte, error) {
	if c.typ != "" {
		typ = c.typ
	}
	if c.challenge != nil {
		challenge = c.challenge
	}
	return json.Marshal(clientData{Type: typ, Challenge: b64.EncodeToString(challenge), Origin: c.origin, CrossOrigin: c.crossOrigin})
}

// hash returns the RP ID hash to write: of rpID, or of the knob's RP ID.
func (c *ceremony) hash(rpID string) [32]byte {
	if c.rpIDHash != "" {
		rpID = c.rpIDHash
	}
	return sha256.Sum256([]byte(rpID))
}

// find returns the held credential with id for rpID, or nil. The caller holds a.mu.
func (a *Authenticator) find(rpID string, id []byte) *credential {
	for _, c := range a.creds {
		if c.RPID == rpID && slices.Equal(c.ID, id) {
			return c
		}
	}
	return nil
}

// unmarshalOptions reads options JSON, bare or wrapped in {"publicKey": ...} as
// navigator.credentials.create() and get() take them.
func unmarshalOptions(data []byte, v any) error {
	var wrapped struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(data, &wrapped); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if len(wrapped.PublicKey) > 0 {
		data = wrapped.PublicKey
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}
