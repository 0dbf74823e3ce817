package passkeytest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keycard-go/keycard/passkey/passkeytest"
)

// These tests check the software authenticator against go-webauthn's verification, an
// implementation written by others from the same specification.

const origin = "https://login.example.com"

type user struct {
	id    []byte
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.id }
func (u *user) WebAuthnName() string                       { return "ada@example.com" }
func (u *user) WebAuthnDisplayName() string                { return "Ada" }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func newRP(t *testing.T) *webauthn.WebAuthn {
	t.Helper()
	wa, err := webauthn.New(&webauthn.Config{
		RPID: "example.com", RPDisplayName: "Example", RPOrigins: []string{origin},
		AuthenticatorSelection: protocol.AuthenticatorSelection{UserVerification: protocol.VerificationRequired},
	})
	if err != nil {
		t.Fatal(err)
	}
	return wa
}

func newAuthenticator(t *testing.T, opts ...passkeytest.Option) *passkeytest.Authenticator {
	t.Helper()
	a, err := passkeytest.New(origin, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// register runs a registration through go-webauthn and returns the verified credential.
func register(t *testing.T, wa *webauthn.WebAuthn, a *passkeytest.Authenticator, u *user, knobs ...passkeytest.Knob) (*webauthn.Credential, error) {
	t.Helper()
	creation, session, err := wa.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := json.Marshal(creation) // wrapped in {"publicKey": ...}, as navigator.credentials.create takes it
	resp, err := a.Create(opts, knobs...)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(resp)
	if err != nil {
		return nil, err
	}
	return wa.CreateCredential(u, *session, parsed)
}

// login runs an assertion through go-webauthn for the discoverable flow.
func login(t *testing.T, wa *webauthn.WebAuthn, a *passkeytest.Authenticator, u *user, knobs ...passkeytest.Knob) (*webauthn.Credential, error) {
	t.Helper()
	assertion, session, err := wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := json.Marshal(assertion.Response) // bare, as parseRequestOptionsFromJSON takes it
	resp, err := a.Get(opts, knobs...)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		return nil, err
	}
	return wa.ValidateDiscoverableLogin(func(_, handle []byte) (webauthn.User, error) {
		if !bytes.Equal(handle, u.id) {
			return nil, errors.New("unknown user handle")
		}
		return u, nil
	}, *session, parsed)
}

func TestAuthenticatorAgainstGoWebAuthn(t *testing.T) {
	for _, format := range []string{passkeytest.AttestationPacked, passkeytest.AttestationNone} {
		t.Run(format, func(t *testing.T) {
			wa := newRP(t)
			a := newAuthenticator(t, passkeytest.WithAttestation(format))
			u := &user{id: []byte("user-handle-0001")}
			cred, err := register(t, wa, a, u)
			if err != nil {
				t.Fatalf("registration refused: %v", err)
			}
			if cred.AttestationFormat != format {
				t.Errorf("attestation format: got %q, want %q", cred.AttestationFormat, format)
			}
			if !cred.Flags.UserVerified || !cred.Flags.UserPresent {
				t.Errorf("flags: got %+v, want UP and UV", cred.Flags)
			}
			u.creds = append(u.creds, *cred)
			for i := uint32(1); i <= 3; i++ {
				got, err := login(t, wa, a, u)
				if err != nil {
					t.Fatalf("login %d refused: %v", i, err)
				}
				if got.Authenticator.SignCount != i || got.Authenticator.CloneWarning {
					t.Errorf("login %d: sign count %d, clone warning %v; want %d, false", i, got.Authenticator.SignCount, got.Authenticator.CloneWarning, i)
				}
				u.creds[0] = *got
			}
		})
	}
}

func TestAuthenticatorKnobsAreRefused(t *testing.T) {
	regTests := []struct {
		name string
		knob passkeytest.Knob
	}{
		{"wrong origin", passkeytest.WithOrigin("https://evil.example")},
		{"wrong RP ID hash", passkeytest.WithRPIDHash("evil.example")},
		{"flipped attestation signature", passkeytest.FlipSignature()},
		{"no UV", passkeytest.WithoutUV()},
		{"no UP", passkeytest.WithoutUP()},
		{"wrong challenge", passkeytest.WithChallenge([]byte("0123456789abcdef0123456789abcdef"))},
		{"wrong type", passkeytest.WithClientDataType("webauthn.get")},
		{"cross origin", passkeytest.WithCrossOrigin()},
	}
	for _, tt := range regTests {
		t.Run("register/"+tt.name, func(t *testing.T) {
			wa := newRP(t)
			if _, err := register(t, wa, newAuthenticator(t), &user{id: []byte("u1")}, tt.knob); err == nil {
				t.Fatal("registration accepted, want refused")
			}
		})
	}

	loginTests := []struct {
		name string
		knob passkeytest.Knob
	}{
		{"wrong origin", passkeytest.WithOrigin("https://evil.example")},
		{"wrong RP ID hash", passkeytest.WithRPIDHash("evil.example")},
		{"flipped signature", passkeytest.FlipSignature()},
		{"no UV", passkeytest.WithoutUV()},
		{"wrong challenge", passkeytest.WithChallenge([]byte("0123456789abcdef0123456789abcdef"))},
		{"no user handle", passkeytest.WithoutUserHandle()},
	}
	for _, tt := range loginTests {
		t.Run("login/"+tt.name, func(t *testing.T) {
			wa := newRP(t)
			a := newAuthenticator(t)
			u := &user{id: []byte("u1")}
			cred, err := register(t, wa, a, u)
			if err != nil {
				t.Fatal(err)
			}
			u.creds = []webauthn.Credential{*cred}
			if _, err := login(t, wa, a, u, tt.knob); err == nil {
				t.Fatal("assertion accepted, want refused")
			}
		})
	}
}

func TestAuthenticatorCounterRegression(t *testing.T) {
	wa := newRP(t)
	a := newAuthenticator(t)
	u := &user{id: []byte("u1")}
	cred, err := register(t, wa, a, u)
	if err != nil {
		t.Fatal(err)
	}
	u.creds = []webauthn.Credential{*cred}
	got, err := login(t, wa, a, u, passkeytest.WithSignCount(10))
	if err != nil {
		t.Fatal(err)
	}
	u.creds[0] = *got
	got, err = login(t, wa, a, u, passkeytest.WithSignCount(5))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Authenticator.CloneWarning {
		t.Errorf("counter 10 then 5: no clone warning")
	}
	if c := a.Credentials()[0].SignCount; c != 5 {
		t.Errorf("authenticator counter: got %d, want 5", c)
	}
}

func TestAuthenticatorRefusals(t *testing.T) {
	if _, err := passkeytest.New("http://example.com"); !errors.Is(err, passkeytest.ErrRPID) {
		t.Errorf("plain http origin: got %v, want ErrRPID", err)
	}
	a := newAuthenticator(t)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"get without credentials", func() error {
			_, err := a.Get([]byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rpId":"example.com"}`))
			return err
		}, passkeytest.ErrNoCredential},
		{"foreign RP ID", func() error {
			_, err := a.Get([]byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rpId":"other.com"}`))
			return err
		}, passkeytest.ErrRPID},
		{"suffix not on a label boundary", func() error {
			_, err := a.Get([]byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rpId":"ample.com"}`))
			return err
		}, passkeytest.ErrRPID},
		{"not JSON", func() error { _, err := a.Create([]byte(`nope`)); return err }, passkeytest.ErrOptions},
		{"no ES256", func() error {
			_, err := a.Create([]byte(`{"rp":{"id":"example.com"},"user":{"id":"dTE"},"challenge":"AAAAAAAAAAAAAAAAAAAAAA","pubKeyCredParams":[{"type":"public-key","alg":-257}]}`))
			return err
		}, passkeytest.ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}

	// excludeCredentials: a second registration with the first credential excluded is refused.
	wa := newRP(t)
	u := &user{id: []byte("u1")}
	cred, err := register(t, wa, a, u)
	if err != nil {
		t.Fatal(err)
	}
	creation, _, err := wa.BeginRegistration(u, webauthn.WithExclusions([]protocol.CredentialDescriptor{cred.Descriptor()}))
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := json.Marshal(creation.Response)
	if _, err := a.Create(opts); !errors.Is(err, passkeytest.ErrExcluded) {
		t.Errorf("excluded credential: got %v, want ErrExcluded", err)
	}
}
