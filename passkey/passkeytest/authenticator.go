package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Errors of the authenticator. Browsers report the first two as a NotAllowedError and an
// InvalidStateError.
var (
	// ErrNoCredential: no credential of the authenticator matches the request (wrong RP ID,
	// none in allowCredentials, no discoverable one).
	ErrNoCredential = errors.New("passkeytest: no matching credential")

	// ErrExcluded: the authenticator already holds a credential listed in excludeCredentials.
	ErrExcluded = errors.New("passkeytest: credential already registered (excludeCredentials)")

	// ErrOptions: the options are not valid WebAuthn options JSON, or ask for what the
	// authenticator cannot do (no ES256 in pubKeyCredParams).
	ErrOptions = errors.New("passkeytest: invalid options")

	// ErrRPID: the RP ID is not the origin's host or a registrable suffix of it, or the origin
	// is not a secure context; a browser refuses the call (SecurityError).
	ErrRPID = errors.New("passkeytest: RP ID not valid for origin")
)

// COSE and WebAuthn constants used here.
const (
	coseES256 = -7 // COSE algorithm ES256 (RFC 9053 §2.1)

	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagBE = 0x08 // backup eligible
	flagBS = 0x10 // backup state
	flagAT = 0x40 // attested credential data included
)

// Attestation formats the authenticator can produce.
const (
	// AttestationPacked is "packed" self attestation: the credential key signs the
	// authenticator data and client data hash (WebAuthn §8.2).
	AttestationPacked = "packed"
	// AttestationNone is the "none" format: no attestation statement (WebAuthn §8.7).
	AttestationNone = "none"
)

// Credential describes one credential the authenticator holds. The private key is not part of
// it.
type Credential struct {
	ID         []byte // the credential ID
	RPID       string // the relying party it is scoped to
	UserHandle []byte // the user.id it was created for
	UserName   string // the user.name it was created for
	SignCount  uint32 // the signature counter, as the last ceremony reported it
}

// credential is a held credential with its key.
type credential struct {
	Credential
	key *ecdsa.PrivateKey
}

// Authenticator is a software authenticator bound to one origin, as a browser tab is. It holds
// discoverable ES256 credentials in memory. Safe for concurrent use. Make one with [New].
type Authenticator struct {
	origin string
	host   string
	cfg    config

	mu    sync.Mutex
	creds []*credential // in creation order
}

// Option configures an [Authenticator].
type Option func(*config)

type config struct {
	attestation  string
	aaguid       [16]byte
	zeroCounter  bool
	backup       bool
	transports   []string
	attachment   string
	userVerified bool
}

// WithAttestation sets the attestation format of new credentials: [AttestationPacked] (the
// default) or [AttestationNone].
func WithAttestation(format string) Option { return func(c *config) { c.attestation = format } }

// WithAAGUID sets the authenticator's AAGUID. Default: all zeros.
func WithAAGUID(aaguid [16]byte) Option { return func(c *config) { c.aaguid = aaguid } }

// WithZeroCounter makes the authenticator report a signature counter of 0 on every use, as
// synced passkeys (iCloud Keychain, Google Password Manager) do. Default: a counter per
// credential that goes up by one on every assertion.
func WithZeroCounter() Option { return func(c *config) { c.zeroCounter = true } }

// WithBackup marks credentials backup eligible and backed up (the BE and BS flags), as synced
// passkeys are. Default: device-bound (neither flag).
func WithBackup() Option { return func(c *config) { c.backup = true } }

// WithoutUserVerification makes the authenticator one that cannot verify its user (no PIN, no
// biometrics): the UV flag is never set. Default: every ceremony verifies the user.
func WithoutUserVerification() Option { return func(c *config) { c.userVerified = false } }

// New returns an authenticator for pages of origin, such as "https://example.com" or
// "http://localhost:8080" (a secure context, as WebAuthn requires).
func New(origin string, opts ...Option) (*Authenticator, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%w: origin %q is not scheme://host[:port]", ErrRPID, origin)
	}
	host := u.Hostname()
	if u.Scheme != "https" && !(u.Scheme == "http" && isLocalhost(host)) {
		return nil, fmt.Errorf("%w: origin %q is not a secure context", ErrRPID, origin)
	}
	cfg := config{attestation: AttestationPacked, transports: []string{"internal"}, attachment: "platform", userVerified: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.attestation != AttestationPacked && cfg.attestation != AttestationNone {
		return nil, fmt.Errorf("%w: attestation format %q", ErrOptions, cfg.attestation)
	}
	return &Authenticator{origin: u.Scheme + "://" + u.Host, host: strings.ToLower(host), cfg: cfg}, nil
}

// isLocalhost reports whether host is one browsers treat as potentially trustworthy over
// plain HTTP.
func isLocalhost(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "127.0.0.1" || host == "::1"
}

// Origin returns the origin the authenticator writes into client data.
func (a *Authenticator) Origin() string { return a.origin }

// Credentials returns the credentials the authenticator holds, oldest first.
func (a *Authenticator) Credentials() []Credential {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Credential, len(a.creds))
	for i, c := range a.creds {
		out[i] = c.Credential
		out[i].ID = slices.Clone(c.ID)
		out[i].UserHandle = slices.Clone(c.UserHandle)
	}
	return out
}

// rpID returns the RP ID of a ceremony: the one the options name, or the origin's host, after
// the check browsers make (WebAuthn §5.1.3 step 8, §5.1.4.1 step 7): it must be the origin's
// host or a suffix of it on a label boundary. The public suffix list is not consulted.
func (a *Authenticator) rpID(requested string) (string, error) {
	if requested == "" {
		return a.host, nil
	}
	id := strings.ToLower(requested)
	if id == a.host || strings.HasSuffix(a.host, "."+id) && strings.Contains(id, ".") {
		return id, nil
	}
	return "", fmt.Errorf("%w: %q for origin %s", ErrRPID, requested, a.origin)
}

// b64 is base64url without padding, the encoding of every binary field in WebAuthn JSON.
var b64 = base64.RawURLEncoding

// binary is a base64url field of options JSON. Browsers' parse*OptionsFromJSON accept only
// base64url; padding is tolerated here.
type b64Field []byte

func (f *b64Field) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := b64.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// descriptor is a PublicKeyCredentialDescriptorJSON.
type descriptor struct {
	Type string   `json:"type"`
	ID   b64Field `json:"id"`
}

// clientData is CollectedClientData (WebAuthn §5.8.1), fields in the order browsers write
// them.
type clientData struct {
	Type        string `json:"type"`
	Challenge   string `json:"challenge"`
	Origin      string `json:"origin"`
	CrossOrigin bool   `json:"crossOrigin"`
}

// authData lays out authenticator data (WebAuthn §6.1): the RP ID hash, the flags, the
// signature counter and, at registration, the attested credential data (§6.5.2).
func authData(rpIDHash [32]byte, flags byte, count uint32, attested []byte) []byte {
	b := make([]byte, 0, 37+len(attested))
	b = append(b, rpIDHash[:]...)
	b = append(b, flags)
	b = binary.BigEndian.AppendUint32(b, count)
	return append(b, attested...)
}

// coseKey encodes an ES256 public key as a COSE_Key (RFC 9052 §7, RFC 9053 §7.1.1):
// {1: 2 (kty EC2), 3: -7 (alg ES256), -1: 1 (crv P-256), -2: x, -3: y}, keys in CTAP2
// canonical order.
func coseKey(pub *ecdsa.PublicKey) []byte {
	raw, _ := pub.Bytes() // 0x04 || x || y; only fails for a key not on its curve
	x, y := raw[1:33], raw[33:65]
	b := cborMap(nil, 5)
	b = cborInt(cborInt(b, 1), 2)
	b = cborInt(cborInt(b, 3), coseES256)
	b = cborInt(cborInt(b, -1), 1)
	b = cborBytes(cborInt(b, -2), x)
	b = cborBytes(cborInt(b, -3), y)
	return b
}

// sign signs authenticator data and the client data hash with the credential key, in the ASN.1
// DER form WebAuthn uses for ECDSA (§6.5.5).
func sign(key *ecdsa.PrivateKey, auth, clientDataJSON []byte) ([]byte, error) {
	h := sha256.Sum256(clientDataJSON)
	digest := sha256.Sum256(append(slices.Clone(auth), h[:]...))
	return ecdsa.SignASN1(rand.Reader, key, digest[:])
}

// newKey makes a P-256 key and a random credential ID.
func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return key, id, nil
}

// spki is the DER SubjectPublicKeyInfo that getPublicKey() returns.
func spki(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return der
}
