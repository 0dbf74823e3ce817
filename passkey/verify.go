package passkey

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
)

// The checks below run before go-webauthn verifies a response (which makes them again): they
// give every refusal a precise reason code for the logs, where go-webauthn reports most of them
// as one error type with a free-text detail.

// checkClientData checks the client data of a response (WebAuthn §7.1 steps 7-10, §7.2 steps
// 11-14): the ceremony type, the challenge of this ceremony, an origin we serve, and a
// top-level, same-origin context.
func (p *Passkeys[T]) checkClientData(cd protocol.CollectedClientData, typ protocol.CeremonyType, challenge string) *rejection {
	switch {
	case cd.Type != typ:
		return refused("wrong_type")
	case subtle.ConstantTimeCompare([]byte(cd.Challenge), []byte(challenge)) != 1:
		return refused("wrong_challenge")
	case !slices.Contains(p.rp.Origins, cd.Origin):
		return refused("wrong_origin")
	case cd.CrossOrigin || cd.TopOrigin != "":
		return refused("cross_origin")
	}
	return nil
}

// checkAuthData checks the authenticator data (§7.1 steps 14-17, §7.2 steps 15-18): our RP
// ID's hash, user presence, and user verification when the ceremony required it.
func (p *Passkeys[T]) checkAuthData(ad protocol.AuthenticatorData, uv string) *rejection {
	switch {
	case !bytes.Equal(ad.RPIDHash, p.rpIDHash[:]):
		return refused("wrong_rp_id")
	case !ad.Flags.HasUserPresent():
		return refused("user_not_present")
	case uv == string(protocol.VerificationRequired) && !ad.Flags.HasUserVerified():
		return refused("user_not_verified")
	case ad.Flags.HasBackupState() && !ad.Flags.HasBackupEligible():
		return refused("invalid_flags")
	}
	return nil
}

// verificationReason names what go-webauthn refused, for the log.
func verificationReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		switch pe.Type {
		case protocol.ErrAssertionSignature.Type:
			return "bad_signature"
		case protocol.ErrAttestation.Type, protocol.ErrInvalidAttestation.Type, protocol.ErrAttestationCertificate.Type:
			return "bad_attestation"
		case protocol.ErrUnsupportedKey.Type, protocol.ErrUnsupportedAlgorithm.Type:
			return "unsupported_algorithm"
		case protocol.ErrParsingData.Type:
			return "malformed"
		}
	}
	return "verification_failed"
}

// signCountOK applies WebAuthn §6.1.1 and §7.2 step 22: when either counter is non-zero, the
// new one must be greater than the stored one; anything else may be a cloned authenticator.
// Two zeros are an authenticator without a counter (synced passkeys).
func signCountOK(stored, got uint32) bool {
	return (stored == 0 && got == 0) || got > stored
}
