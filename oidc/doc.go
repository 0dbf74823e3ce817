// Package oidc signs users in through OpenID Connect identity providers (Google, Microsoft,
// Okta, Keycloak, your own) and ends every successful sign-in in a keycard session
// ([middleware.Sessions.Start]).
//
// # Use
//
//	google, _ := oidc.NewProvider("google", "https://accounts.google.com", clientID,
//		oidc.WithClientSecret(secret), oidc.WithDisplayName("Google"))
//	login, err := oidc.New(sessions, "https://app.example.com", findAccount,
//		oidc.WithProvider(google), oidc.WithStateSecret(stateSecret))
//	login.Register(mux) // GET /auth/google/login, GET /auth/google/callback, POST /auth/google/logout
//
// where findAccount maps the provider's (issuer, subject) pair to the application's account:
//
//	func findAccount(r *http.Request, id oidc.Identity) (token.Subject, User, error) {
//		u, err := db.UserByIdentity(r.Context(), id.Issuer, id.Subject)
//		if errors.Is(err, sql.ErrNoRows) {
//			return "", User{}, oidc.ErrUnknownIdentity
//		}
//		...
//	}
//
// A link to the login route ("Sign in with Google", see [Login.Providers]) starts the flow; the
// provider sends the browser back to the callback route, which verifies everything, asks the
// application whose account it is, and starts the session with the provider's auth_time and amr
// ([middleware.AuthenticatedAt], [middleware.AuthMethods]).
//
// # Security model
//
// The flow is the authorization code flow with PKCE (S256). The login route draws a fresh state,
// nonce and PKCE verifier and keeps them, with the provider's name and issuer and the return
// target, in a cookie of its own per provider: a token of keycard's [token] package, signed
// (HS256) and encrypted (A256GCM), valid for ten minutes, HttpOnly, Secure, SameSite=Lax and
// __Host- prefixed. Nothing is stored on the server until the callback, so starting flows costs
// no memory. The callback accepts the provider's answer only with that cookie (so only in the
// browser that started the flow), only with the same state, only for the same provider, and
// only once: the cookie is cleared and, once the provider redeemed the code, its token ID is
// marked used in a [middleware.OnceStore], so a replayed callback is refused (and a callback
// that redeems no code takes no room there). The authorization response's iss parameter (RFC 9207) is
// checked when present, and required when the provider's metadata says it sends it; each
// provider has its own callback URL: together these defeat mix-up attacks. The ID token must
// be signed by a key of the provider's JWKS with an asymmetric algorithm the provider
// announces and the application allows ("none" and HMAC never are), be issued by the
// provider's exact issuer for this client (azp checked when there are several audiences or
// when present), be unexpired, be issued after the flow began and not in the future, and carry
// the flow's nonce. The return target passes [middleware.SafeNext].
//
// The application decides whose account an identity is, from the pair (issuer, subject): an
// e-mail address alone identifies nobody, since providers let users change it and many do not
// verify it ([Identity.EmailVerified] says whether this one did).
//
// Every failure is answered with a fixed reason code, never the provider's own text (which an
// attacker controls): 4xx for a refused or broken flow, 502 or 504 when the provider is down,
// slow or answers nonsense. Calls to the provider are bounded by [WithTimeout] and their
// responses by size. Logs carry reason codes, never codes, states, nonces, verifiers or tokens.
// A [Login] is immutable after [New] and safe for concurrent use; the package has no global
// state.
package oidc
