// Package passkeytest is a software passkey authenticator for tests: it plays the browser and the
// authenticator at once, turning the JSON options a relying party sends into the JSON a browser's
// PublicKeyCredential.toJSON() would send back, so that an application can test its own passkey
// sign-up and sign-in flows with net/http/httptest and no browser.
//
// It is written from the WebAuthn Level 3 specification, not from a relying party library: ES256
// (ECDSA P-256 with SHA-256) credentials, COSE_Key public keys (RFC 9052/9053), authenticator
// data as laid out in WebAuthn §6.1, clientDataJSON as in §5.8.1, and "packed" self attestation
// (§8.2) or "none" (§8.7). Knobs ([Knob]) produce the bad cases a relying party must refuse: a
// wrong origin or RP ID, a flipped signature, a missing user verification flag, a sign count that
// goes backwards.
//
// Keys live in memory and never leave the [Authenticator]. Never use it outside tests: it
// verifies no user, and anyone holding it can sign in as every user it registered.
package passkeytest
