// Package totp is keycard's second factor: time-based one-time passwords (RFC 6238, the codes
// of authenticator apps) and recovery codes, on top of the pending login state of the
// middleware package ([middleware.Sessions.StartPending]).
//
// # Use
//
//	store := totp.NewMemoryStore()              // or your database, behind the Store interface
//	sessions, _ := middleware.New(codec,
//		middleware.WithSecondFactor("/login/2fa", totp.Required(store)))
//	factor, _ := totp.New(sessions, store, lookupProfile, totp.WithIssuer("Example"))
//	mux.Handle("POST /login", sessions.LoginHandler(auth))      // hands over when 2FA is on
//	mux.Handle("POST /login/2fa", factor.SecondStepHandler())   // code or recovery code
//	mux.Handle("POST /2fa/enrol", sessions.RequireSession(factor.EnrolHandler()))
//	mux.Handle("GET /2fa/qr.png", sessions.RequireSession(factor.QRHandler()))
//	mux.Handle("POST /2fa/confirm", sessions.RequireSession(factor.ConfirmHandler()))
//	mux.Handle("POST /2fa/disable", sessions.RequireSession(factor.DisableHandler()))
//	mux.Handle("POST /2fa/recovery-codes", sessions.RequireSession(factor.RecoveryCodesHandler()))
//	mux.Handle("POST /2fa/step-up", sessions.RequireSession(factor.StepUpHandler()))
//
// # Security model
//
// A correct password for an account with a second factor gives no session: the client gets a
// pending credential that no session middleware accepts, good for five minutes and five tries,
// each credential single-use. Only a valid code turns it into a session, with a new session ID
// and amr "pwd otp mfa". Codes are compared in constant time over a window of one step either
// side (a 30-second step by default), each accepted code is used once (a marker per account and
// time step in the [middleware.OnceStore], shared between instances with the redisstore
// module), and guesses are throttled per account with the middleware's [middleware.Limiter],
// across pending logins. Enrolment is switched on only by a first valid code, and its routes
// demand a recent sign-in ([WithRecentAuth]), so a stolen session cannot switch a second factor
// on and lock the owner out. Recovery codes
// carry 80 random bits each, are shown once, are stored only as SHA-256 hashes, and are removed
// from the [Store] when used (atomically: the Store's UseRecoveryCode). Every state-changing
// handler is behind the sessions' cross-origin protection. The TOTP secret is the one thing
// the Store holds that must stay secret: keep it encrypted at rest ([NewEncryptedStore]).
// Secrets, codes and recovery codes are never logged and never put into events.
package totp
