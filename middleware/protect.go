package middleware

import "net/http"

// Protect wraps h in the cross-origin protection of the login and logout handlers
// ([http.CrossOriginProtection] with [WithTrustedOrigins]): a cross-origin request with an
// unsafe method is logged and answered 403 {"error":"cross_origin"} without reaching h. Other
// packages' state-changing handlers (second factor, passkeys) use it so that one setting
// covers them all. Safe for concurrent use.
func (s *Sessions[T]) Protect(h http.Handler) http.Handler { return s.protect(h) }
