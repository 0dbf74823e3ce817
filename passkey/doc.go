// Package passkey signs users in with passkeys (WebAuthn), as a first factor or as the second
// step after a password, and ends every sign-in in a keycard session
// ([middleware.Sessions.Start]).
//
// # Use
//
//	pk, err := passkey.New(sessions, passkey.RelyingParty{
//		ID: "example.com", Name: "Example", Origins: []string{"https://example.com"},
//	}, store, users)
//	mux.Handle("/passkey/", pk.Handler())
//
// where store is the application's [Store] (or a [MemoryStore]) and users maps a subject to
// its account name and session payload. In the page, fetch the options from the handler,
// pass them to PublicKeyCredential.parseCreationOptionsFromJSON (or
// parseRequestOptionsFromJSON) and navigator.credentials, and post credential.toJSON() back;
// @simplewebauthn/browser's startRegistration and startAuthentication speak the same JSON.
// Package passkeytest is a software authenticator for testing such flows without a browser.
//
// # Security model
//
// Nothing the browser sends is trusted until verified: the client data must name this
// ceremony's challenge, one of the configured origins (exactly: a page on another port or
// subdomain is another origin) and a top-level context; the authenticator data must carry the
// SHA-256 of the RP ID, user presence and user verification (which
// [WithUserVerificationPreferred] waives only for the second step after a password); the
// signature must verify under the stored public key of a known credential, whose user handle
// must match. A
// ceremony's challenge lives in an encrypted, signed, short-lived cookie of the browser that
// began it (at most 5 minutes) and can be finished once: the cookie is cleared, and once the
// response verified its ID is marked in a [middleware.OnceStore], so a replayed response is
// refused (junk responses leave no marker to fill the store with). Registration needs a recent
// sign-in ([WithRecentAuth]), so a stolen session cannot plant a passkey. A signature counter
// that does not increase (a cloned authenticator, WebAuthn §6.1.1) is refused by default and
// reported. Every state-changing route is behind [http.CrossOriginProtection]. A refusal is
// a 4xx with a fixed code ({"error": "passkey_rejected"}), never a session; the precise
// reason ("wrong_origin", "replayed", "bad_signature", ...) goes to the log and the event
// hook, never the challenge, the signature or a key.
//
// Verification is done by github.com/go-webauthn/webauthn, after checks of our own that give
// each refusal its reason code.
package passkey
