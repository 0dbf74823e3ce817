package main

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/token"
)

// Passkeys in the example: "Add a passkey" and the list of passkeys on the dashboard, "Sign in
// with a passkey" (a button, and the browser's autofill) on the login page. The pages run
// web/passkey.js, plain JavaScript served from /passkey.js under the strict CSP (script-src
// 'self', connect-src 'self').

// passkeyOrigin returns the origin passkeys work on when the example serves addr: the
// scheme, host and port a browser opens. Passkeys need a domain name (an RP ID cannot be an
// IP address) and a known port, so "" (passkeys off) for 127.0.0.1 or port 0.
func passkeyOrigin(addr string, https bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "0" || net.ParseIP(host) != nil {
		return ""
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// newPasskeys builds the passkey handlers for the example's sessions, with passkeys kept in
// memory. In a real application, store passkeys in your database (implement passkey.Store,
// and check it with passkeytest.TestStore).
func newPasskeys(sessions *middleware.Sessions[Profile], users *userStore, origin string, store passkey.Store) (*passkey.Passkeys[Profile], error) {
	u, err := url.Parse(origin)
	if err != nil {
		return nil, fmt.Errorf("passkey origin %q: %w", origin, err)
	}
	if store == nil {
		store = passkey.NewMemoryStore()
	}
	return passkey.New(sessions, passkey.RelyingParty{
		ID:      u.Hostname(),
		Name:    "keycard example",
		Origins: []string{origin},
	}, store, users.passkeyUser)
}

// passkeyUser is the user lookup of the passkey handlers: the account name the authenticator
// shows and the session payload of a passkey sign-in.
func (s *userStore) passkeyUser(_ context.Context, sub token.Subject) (passkey.User[Profile], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.byEmail {
		if u.id == sub {
			return passkey.User[Profile]{Name: u.email, DisplayName: u.name, Payload: Profile{Email: u.email, Name: u.name}}, nil
		}
	}
	return passkey.User[Profile]{}, passkey.ErrNoUser
}

// staticFile serves one embedded file, for the passkey script and its stylesheet.
func staticFile(name, contentType string) (http.HandlerFunc, error) {
	body, err := webFS.ReadFile("web/" + name)
	if err != nil {
		return nil, err
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	}, nil
}

// mountPasskeys adds the passkey routes and files to mux.
func mountPasskeys(mux *http.ServeMux, pk *passkey.Passkeys[Profile]) error {
	js, err := staticFile("passkey.js", "text/javascript; charset=utf-8")
	if err != nil {
		return err
	}
	css, err := staticFile("passkey.css", "text/css; charset=utf-8")
	if err != nil {
		return err
	}
	mux.Handle("/passkey/", pk.Handler())
	mux.HandleFunc("GET /passkey.js", js)
	mux.HandleFunc("GET /passkey.css", css)
	return nil
}

// parsePasskeyPage parses a page as parsePage does, with the passkey parts (web/passkeys.html)
// and the "passkeys" template function that shows them when passkeys is true.
func parsePasskeyPage(passkeys bool, name string, partials ...string) (*template.Template, error) {
	files := []string{"web/layout.html", "web/passkeys.html", "web/" + name}
	for _, p := range partials {
		files = append(files, "web/"+p)
	}
	return template.New("layout.html").
		Funcs(template.FuncMap{"initials": initials, "passkeys": func() bool { return passkeys }}).
		ParseFS(webFS, files...)
}
