package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// otherOrigins checks that pages of other origins cannot use the example's passkey, in the
// browser that holds it (the virtual authenticator of TestBrowserPasskeys):
//
//   - a page of another site (http://127.0.0.1:port, not under the RP ID localhost) cannot
//     even ask for it: the browser refuses the RP ID;
//   - a phishing page on the same host but another port (http://localhost:other) can ask,
//     since passkeys are scoped to the RP ID and not to ports, and its server relays the
//     example's options and the browser's answer, as a real-time phishing proxy does; the
//     example refuses the answer, whose client data names the phishing origin, and no
//     session is started.
func otherOrigins(t *testing.T, ctx context.Context, base string, logs *lockedBuffer) {
	t.Helper()
	relay := newRelay(t, base)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	phish := httptest.NewUnstartedServer(relay)
	_ = phish.Listener.Close()
	phish.Listener = ln
	phish.Start()
	t.Cleanup(phish.Close)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)

	// Another site.
	if err := chromedp.Do(ctx, chromedp.Navigate("http://127.0.0.1:"+port+"/blank")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.credentials.get({publicKey: {
		challenge: new Uint8Array(32), rpId: "localhost", userVerification: "required"}})
		.then(() => "signed", (e) => e.name)`, chromedp.EvalAwaitPromise))
	if err != nil || got != "SecurityError" {
		t.Errorf("another site asking for the localhost passkey: got %q, %v; want SecurityError", got, err)
	}

	// The phishing page on localhost:other.
	before := strings.Count(logs.String(), `"event":"passkey_login"`)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://localhost:"+port+"/")); err != nil {
		t.Fatal(err)
	}
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const opts = await (await fetch("/relay/options", {method: "POST"})).json();
		const cred = await navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(opts)});
		const res = await fetch("/relay/finish", {method: "POST", body: JSON.stringify(cred.toJSON())});
		return res.status + " " + (await res.text()).trim();
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("phishing page: %v", err)
	}
	if !strings.HasPrefix(got, "401 ") || relay.sessionSet {
		t.Errorf("relayed assertion: example answered %q, session cookie set: %v; want 401 and none", got, relay.sessionSet)
	}
	if !strings.Contains(logs.String(), `"reason":"wrong_origin"`) {
		t.Errorf("no wrong_origin in the log:\n%s", logs)
	}
	if after := strings.Count(logs.String(), `"event":"passkey_login"`); after != before {
		t.Errorf("the relayed assertion signed in")
	}
}

// relay is a phishing server: it serves its own page and forwards the ceremony to the real
// site with the real site's ceremony cookie, so that only the origin check stands between the
// victim's passkey and a session for the attacker.
type relay struct {
	t          *testing.T
	target     string
	cookie     string // the real site's __Host-passkey-login cookie, as the attacker's server holds it
	sessionSet bool
}

func newRelay(t *testing.T, target string) *relay { return &relay{t: t, target: target} }

func (p *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/", "/blank":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Totally the real site</title><p>Sign in</p>")
	case "/relay/options":
		res, err := http.Post(p.target+"/passkey/login/options", "application/json", strings.NewReader("{}"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for _, c := range res.Cookies() {
			if c.Name == "__Host-passkey-login" {
				p.cookie = c.Value
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, res.Body)
	case "/relay/finish":
		req, _ := http.NewRequest("POST", p.target+"/passkey/login", r.Body)
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: "__Host-passkey-login", Value: p.cookie})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for _, c := range res.Cookies() {
			if strings.Contains(c.Name, "session") && c.Value != "" {
				p.sessionSet = true
			}
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	default:
		http.NotFound(w, r)
	}
}
