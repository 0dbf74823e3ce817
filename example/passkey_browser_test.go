package main

import (
	"bytes"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
)

// The passkey browser test drives the example through Chromium's virtual authenticator (the
// DevTools WebAuthn domain): a platform authenticator with resident keys and user
// verification, as a laptop with a fingerprint reader would be. Like TestBrowser it skips
// without Chromium, except under CI=true.

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// passkeyServer starts the example with passkeys on http://localhost:port and returns that
// origin and the server's logs.
func passkeyServer(t *testing.T) (string, *lockedBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	logs := &lockedBuffer{}
	cfg := testConfig(t)
	cfg.passkeyOrigin = base
	cfg.logger = zerolog.New(logs)
	srv := httptest.NewUnstartedServer(testApp(t, cfg))
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return base, logs
}

func TestBrowserPasskeys(t *testing.T) {
	ctx := newBrowser(t)
	base, logs := passkeyServer(t)
	artifacts := artifactDir(t)

	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\nserver log:\n%s", step, err, logs)
		}
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("location: %v", err)
		}
		return strings.TrimPrefix(loc, base)
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(artifacts, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hasSession := func() bool {
		t.Helper()
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
		if err != nil {
			t.Fatalf("reading cookies: %v", err)
		}
		for _, c := range res.Cookies {
			if c.Name == middleware.DefaultCookieName {
				return true
			}
		}
		return false
	}

	// navigate clicks sel on the current page and waits until a new page is loaded whose
	// predicate expr holds, surviving the navigations in between.
	navigate := func(step, sel, expr string) {
		t.Helper()
		run(step+" (mark the page)", chromedp.Evaluate[chromedp.Void]("window.__old = true"), chromedp.Click(chromedp.CSS(sel)))
		deadline := time.Now().Add(20 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!window.__old && document.readyState === 'complete' && !!("+expr+")"))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %q never held (%v)\nserver log:\n%s", step, expr, err, logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	onDashboard := `location.pathname === "/" && document.querySelector("#user-email")`
	onLogin := `location.pathname === "/login" && document.querySelector("#passkey-signin")`

	run("open the login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-signin")))
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	va, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	// Sign in with the password and add a passkey on the dashboard.
	run("password sign-in",
		chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#passkey-add-button")),
	)
	run("add a passkey",
		chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Test laptop"),
		chromedp.Click(chromedp.CSS("#passkey-add-button")),
		chromedp.WaitVisible(chromedp.CSS(".passkey-item")),
	)
	name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".passkey-item .passkey-name")))
	if err != nil || name != "Test laptop" {
		t.Errorf("passkey list: name %q, %v; want Test laptop", name, err)
	}
	creds, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams(va))
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential || creds.Credentials[0].RpID != "localhost" {
		t.Fatalf("virtual authenticator credentials: %+v, %v; want one discoverable credential for localhost", creds, err)
	}
	screenshot("passkey-dashboard.png")

	// Log out: the login page offers the passkey through the browser's autofill (conditional
	// mediation), which the virtual authenticator accepts at once, as a user picking the
	// passkey from the e-mail field's suggestions would.
	navigate("log out, autofill signs in", `form.logout button`, onDashboard)
	if got := location(); got != "/" || !hasSession() {
		t.Fatalf("after autofill: at %q, session %v; want / with a session\nlog:\n%s", got, hasSession(), logs)
	}
	if n := strings.Count(logs.String(), `"event":"passkey_login"`); n != 1 {
		t.Errorf("passkey sign-ins logged: %d, want 1", n)
	}

	// From now on the browser offers no autofill, so the button is what signs in.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: "PublicKeyCredential.isConditionalMediationAvailable = async () => false;",
	}); err != nil {
		t.Fatal(err)
	}
	navigate("log out", `form.logout button`, onLogin)
	if hasSession() {
		t.Fatalf("a session after logout; log:\n%s", logs)
	}
	screenshot("passkey-login.png")
	navigate("sign in with the passkey button", "#passkey-signin", onDashboard)
	if got := location(); got != "/" || !hasSession() {
		t.Errorf("after passkey sign-in: at %q, session %v; want / with a session", got, hasSession())
	}
	screenshot("passkey-signed-in.png")

	// A tampered signature is refused: no session, an error on the page, the reason logged.
	navigate("log out again", `form.logout button`, onLogin)
	if _, err := chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{
		AuthenticatorID: va.AuthenticatorID, IsBogusSignature: ptrTo(true),
	}); err != nil {
		t.Fatal(err)
	}
	run("sign in with a bogus signature", chromedp.Click(chromedp.CSS("#passkey-signin")), chromedp.WaitVisible(chromedp.CSS("#passkey-error")))
	if got := location(); !strings.HasPrefix(got, "/login") || hasSession() {
		t.Errorf("after a bogus signature: at %q, session %v; want the login page without a session", got, hasSession())
	}
	if !strings.Contains(logs.String(), `"reason":"bad_signature"`) {
		t.Errorf("no bad_signature in the log:\n%s", logs)
	}
	screenshot("passkey-refused.png")
	if _, err := chromedp.Call(ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: va.AuthenticatorID}); err != nil {
		t.Fatal(err)
	}

	otherOrigins(t, ctx, base, logs)
}

func ptrTo[T any](v T) *T { return &v }
