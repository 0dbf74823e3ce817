package passkeytest

// A Knob changes one ceremony so that it produces something a relying party must refuse (or,
// for [WithSignCount] going up, accept). Knobs apply to [Authenticator.Create] and
// [Authenticator.Get] alike unless they say otherwise.
type Knob func(*ceremony)

// ceremony is what the knobs can change.
type ceremony struct {
	origin         string
	rpIDHash       string // RP ID whose hash goes into authenticator data; empty: the real one
	challenge      []byte // nil: the options' challenge
	typ            string // clientData type; empty: the right one
	crossOrigin    bool
	flipSignature  bool
	noUV           bool
	noUP           bool
	signCount      *uint32
	noUserHandle   bool
	credentialID   []byte
	attestationFmt string
}

// WithOrigin writes origin into the client data instead of the authenticator's own, as a page
// of another origin would.
func WithOrigin(origin string) Knob { return func(c *ceremony) { c.origin = origin } }

// WithRPIDHash puts the hash of rpID, not of the ceremony's RP ID, into the authenticator
// data: what a credential scoped to another relying party produces.
func WithRPIDHash(rpID string) Knob { return func(c *ceremony) { c.rpIDHash = rpID } }

// WithChallenge answers challenge instead of the one the options carry (a stale or forged
// ceremony).
func WithChallenge(challenge []byte) Knob { return func(c *ceremony) { c.challenge = challenge } }

// WithClientDataType writes typ ("webauthn.get" at registration, say) into the client data.
func WithClientDataType(typ string) Knob { return func(c *ceremony) { c.typ = typ } }

// WithCrossOrigin sets crossOrigin in the client data, as an iframe of another origin would.
func WithCrossOrigin() Knob { return func(c *ceremony) { c.crossOrigin = true } }

// FlipSignature flips one bit of the signature (the assertion's, or the packed attestation's).
func FlipSignature() Knob { return func(c *ceremony) { c.flipSignature = true } }

// WithoutUV clears the user verified flag for this ceremony.
func WithoutUV() Knob { return func(c *ceremony) { c.noUV = true } }

// WithoutUP clears the user present flag for this ceremony.
func WithoutUP() Knob { return func(c *ceremony) { c.noUP = true } }

// WithSignCount makes the ceremony report n as the signature counter and keeps n as the
// credential's counter, so a value below the last one simulates a cloned authenticator.
func WithSignCount(n uint32) Knob { return func(c *ceremony) { c.signCount = &n } }

// WithoutUserHandle leaves userHandle out of an assertion, as a non-discoverable credential
// would.
func WithoutUserHandle() Knob { return func(c *ceremony) { c.noUserHandle = true } }

// WithCredential makes [Authenticator.Get] use the credential with this ID, as a user picking
// it in the browser's account chooser would. Default: the first allowed credential, or the
// newest discoverable one for the RP ID.
func WithCredential(id []byte) Knob { return func(c *ceremony) { c.credentialID = id } }

// WithAttestationFormat overrides the authenticator's attestation format for one
// registration: [AttestationPacked] or [AttestationNone].
func WithAttestationFormat(format string) Knob {
	return func(c *ceremony) { c.attestationFmt = format }
}

func newCeremony(a *Authenticator, knobs []Knob) *ceremony {
	c := &ceremony{origin: a.origin, attestationFmt: a.cfg.attestation}
	for _, k := range knobs {
		k(c)
	}
	return c
}

// flags returns the flags of one ceremony.
func (c *ceremony) flags(a *Authenticator) byte {
	var f byte
	if !c.noUP {
		f |= flagUP
	}
	if a.cfg.userVerified && !c.noUV {
		f |= flagUV
	}
	if a.cfg.backup {
		f |= flagBE | flagBS
	}
	return f
}

// flip flips the lowest bit of the last byte of sig, which stays valid DER (it is the last
// byte of s) but no longer verifies.
func flip(sig []byte) []byte {
	if len(sig) > 0 {
		sig[len(sig)-1] ^= 1
	}
	return sig
}
