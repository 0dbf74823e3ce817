package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDemoIdP signs in through the demo OpenID provider in a real headless Chromium:
// the login page's "Sign in with Demo IdP", the provider's own login page (another origin,
// 127.0.0.1), back to the dashboard, then logout through the provider. It skips when Chromium is
// missing, except under CI=true.
func TestBrowserDemoIdP(t *testing.T) {
	ctx := newBrowser(t) // first: skips before anything starts when Chromium is missing
	base, _ := startDemo(t, false)
	artifacts := artifactDir(t)

	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("location: %v", err)
		}
		return loc
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(artifacts, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	run("open /", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`a.provider[data-provider="demo"]`)))
	if got := text(`a.provider[data-provider="demo"]`); got != "Sign in with Demo IdP" {
		t.Errorf("provider link: %q", got)
	}
	screenshot("oidc-login.png")

	run("sign in with the demo IdP", chromedp.Click(chromedp.CSS(`a.provider[data-provider="demo"]`)),
		chromedp.WaitVisible(chromedp.CSS("#idp-signin")))
	if loc := location(); !strings.HasPrefix(loc, "http://127.0.0.1:") || !strings.Contains(loc, "/oidc/authorize?") ||
		!strings.Contains(loc, "code_challenge_method=S256") {
		t.Errorf("at the provider: %q, want its authorization endpoint with PKCE", loc)
	}
	screenshot("oidc-idp.png")

	run("approve at the provider", chromedp.Click(chromedp.CSS("#idp-signin")), chromedp.WaitVisible(chromedp.CSS("#user-email")))
	if loc := location(); loc != base+"/" {
		t.Errorf("after the callback: at %q, want %s/", loc, base)
	}
	if got := text("#user-email"); got != demoEmail {
		t.Errorf("dashboard e-mail: %q, want %q", got, demoEmail)
	}
	if got := text("#signed-in-with"); got != "with demo" {
		t.Errorf("dashboard says signed in %q, want with demo", got)
	}
	screenshot("oidc-dashboard.png")

	// Logout ends the session here, passes by the provider's end-session endpoint and comes back.
	run("log out", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	if loc := location(); loc != base+"/login?next=%2F" {
		t.Errorf("after logout: at %q, want the login page", loc)
	}
	run("open / again", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#password")))
}
