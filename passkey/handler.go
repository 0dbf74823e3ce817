package passkey

import (
	"net/http"
)

// routes builds the handler of every route (see [Passkeys.Handler]).
func (p *Passkeys[T]) routes() http.Handler {
	pre := p.cfg.prefix
	signedIn := func(h http.HandlerFunc) http.Handler { return p.sessions.RequireSession(h) }
	loaded := func(h http.HandlerFunc) http.Handler { return p.sessions.LoadSession(h) }
	mux := http.NewServeMux()
	mux.Handle("POST "+pre+"/register/options", signedIn(p.registerOptions))
	mux.Handle("POST "+pre+"/register", signedIn(p.register))
	mux.Handle("POST "+pre+"/login/options", loaded(p.loginOptions))
	mux.Handle("POST "+pre+"/login", loaded(p.login))
	mux.Handle("GET "+pre+"/credentials", signedIn(p.list))
	mux.Handle("PATCH "+pre+"/credentials/{id}", signedIn(p.rename))
	mux.Handle("DELETE "+pre+"/credentials/{id}", signedIn(p.remove))
	return p.protect(mux)
}

// protect refuses cross-origin state-changing requests (CSRF): a page of another site must not
// begin a ceremony in the user's browser (overwriting the ceremony cookie) or finish one.
func (p *Passkeys[T]) protect(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.cop.Check(r); err != nil {
			p.fail(w, r, "passkey_rejected", reject(http.StatusForbidden, "cross_origin", "cross_origin_request", nil))
			return
		}
		h.ServeHTTP(w, r)
	})
}
