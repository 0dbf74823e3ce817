// Package middleware is keycard's HTTP layer: it keeps a login session in a hardened cookie,
// verifies it on every request, puts typed claims into the request context, and serves login and
// logout.
//
// # Use
//
//	sessions, err := middleware.New(codec, middleware.WithRevocation(middleware.NewMemoryRevocation(nil)))
//	mux.Handle("POST /login", sessions.LoginHandler(middleware.PasswordAuthenticator(hasher, findUser)))
//	mux.Handle("POST /logout", sessions.LogoutHandler())
//	mux.Handle("GET /", sessions.RequireSession(dashboard))
//
// and in dashboard:
//
//	claims, ok := middleware.ClaimsFrom[User](r.Context())
//
// [Sessions.RequireSession] redirects browsers to the login page and answers other requests 401;
// [Sessions.LoadSession] attaches a session when there is one and never rejects.
// [Sessions.Start], [Sessions.End] and [Sessions.EndAll] start and end sessions from any flow
// (sign-up, SSO callbacks, password changes); [Sessions.Update] changes a session's payload in
// place. [Sessions.RequireRecentAuth] demands a recent sign-in (step-up) and [Sessions.Authorize]
// guards a route by a predicate on the claims. With a [SessionRegistry], users see where they
// are signed in ([Sessions.ListSessions]) and end other sessions; [WithEvents] reports logins
// and session changes.
//
// A login with a second factor passes through a pending state: [WithSecondFactor] makes the
// login handler answer a correct password with [Sessions.StartPending] instead of a session, and
// the second step ([Sessions.TryPending], [Sessions.CompletePending]; the totp module provides
// one) turns it into a session. [OnceStore] keeps single-use markers for it and for one-time
// codes.
//
// # Security model
//
// The cookie is __Host-session, HttpOnly, Secure, SameSite=Lax, Path=/, without Domain, and
// holds a token from the [token] package: nothing in it is trusted unless its signature verifies
// under the configured keys. A session is good for the token lifetime, renewed while in use
// ([WithRefreshAfter]) up to an absolute lifetime from login ([WithAbsoluteLifetime]). With a
// [RevocationStore], logout and "log out everywhere" end every token of a session at once, and
// a store failure rejects the request (fail closed). Login never reuses an incoming session
// (fixation), answers an unknown account and a wrong password alike (enumeration), is throttled
// per account and client and per client across accounts, in bounded memory ([Limiter]), and,
// like logout, refuses cross-origin requests through
// [http.CrossOriginProtection] (CSRF). Redirect targets pass [SafeNext] (open redirect). Logs get
// reason codes, never tokens, cookies, passwords, hashes or keys. The package has no global
// state; a [Sessions] is immutable and safe for concurrent use.
package middleware
