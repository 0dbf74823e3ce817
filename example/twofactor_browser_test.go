package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keycard-go/keycard/totp"
)

// TestBrowserTwoFactor drives headless Chromium through two-factor authentication: set it up
// from the dashboard (the test reads the secret from the page and computes the codes, as an
// authenticator app would), log out, log in with the password and a code, fail with a wrong
// code, log in with a recovery code, and see that recovery code refused the second time. It
// skips when Chromium is missing, except under CI=true.
func TestBrowserTwoFactor(t *testing.T) {
	ctx := newBrowser(t)
	srv := httptest.NewServer(testApp(t, testConfig(t)))
	defer srv.Close()
	base := localhostURL(t, srv)
	artifacts := artifactDir(t)

	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
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
		path := filepath.Join(artifacts, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	password := func(step string) {
		t.Helper()
		run(step,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
			chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/login/2fa"] #code`)),
		)
	}
	secondStep := func(step, code, waitFor string) {
		t.Helper()
		run(step,
			chromedp.SendKeys(chromedp.CSS(`form[action="/login/2fa"] #code`), code),
			chromedp.Click(chromedp.CSS(`form[action="/login/2fa"] button`)),
			chromedp.WaitVisible(chromedp.CSS(waitFor)),
		)
	}
	logOut := func() {
		t.Helper()
		run("log out", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	}

	// Sign in with the password alone: two-factor is off.
	run("sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#twofactor-status")),
	)
	if got := text("#twofactor-status"); !strings.HasPrefix(got, "Off") {
		t.Fatalf("two-factor status: %q, want Off", got)
	}

	// Set it up: the page shows the QR code and the key; a first code switches it on.
	run("set up", chromedp.Click(chromedp.CSS("#enable-2fa")), chromedp.WaitVisible(chromedp.CSS("#totp-secret")))
	secret, err := totp.ParseSecret(text("#totp-secret"))
	if err != nil {
		t.Fatalf("the set-up page's key: %v", err)
	}
	// The QR code is an image the page loads from /2fa/qr.png: wait for it to load (or fail).
	qrWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Promise(done => {
		const img = document.querySelector('img.qr');
		if (img.complete) { done(img.naturalWidth); return; }
		img.addEventListener('load', () => done(img.naturalWidth));
		img.addEventListener('error', () => done(-1));
	})`, chromedp.EvalAwaitPromise))
	if err != nil || qrWidth != totp.DefaultQRSize {
		t.Errorf("QR code image: natural width %d, %v; want a loaded %d px image", qrWidth, err, totp.DefaultQRSize)
	}
	screenshot("twofactor-setup.png")
	run("confirm",
		chromedp.SendKeys(chromedp.CSS(`form[action="/2fa/confirm"] #code`), codeAt(t, secret, time.Now())),
		chromedp.Click(chromedp.CSS(`form[action="/2fa/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#recovery-codes")),
	)
	recovery, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		"Array.from(document.querySelectorAll('#recovery-codes code')).map(e => e.textContent)"))
	if err != nil || len(recovery) != totp.RecoveryCodes {
		t.Fatalf("recovery codes shown: %d, %v; want %d", len(recovery), err, totp.RecoveryCodes)
	}
	screenshot("twofactor-recovery-codes.png")
	run("back to the dashboard", chromedp.Click(chromedp.CSS("#done")), chromedp.WaitVisible(chromedp.CSS("#twofactor-status")))
	if got := text("#twofactor-status"); got != "On · 10 recovery codes left" {
		t.Errorf("two-factor status: %q", got)
	}
	screenshot("twofactor-dashboard.png")

	// Log out; the password now leads to the code page, where a wrong code is refused.
	logOut()
	password("password, then the code page")
	if got := location(); got != "/login/2fa" {
		t.Errorf("after the password: at %q, want /login/2fa", got)
	}
	screenshot("twofactor-second-step.png")
	secondStep("wrong code", wrongCode(t, secret), ".alert")
	if got := text(".alert"); got != "That code is not right. Try again." {
		t.Errorf("after a wrong code: %q", got)
	}
	if got := text("#tries-left"); got != "4 tries left" {
		t.Errorf("tries left: %q", got)
	}
	screenshot("twofactor-wrong-code.png")
	// The confirming code's step is spent: the next step's code is in the window already.
	secondStep("right code", nextCode(t, secret), "#twofactor-status")
	if got := location(); got != "/" {
		t.Errorf("after the code: at %q, want /", got)
	}
	if got := text("#amr"); got != "pwd otp mfa" {
		t.Errorf("session amr: %q, want pwd otp mfa", got)
	}

	// A recovery code instead of the app's code, once.
	logOut()
	password("password for the recovery code")
	secondStep("recovery code", recovery[0], "#twofactor-status")
	if got := text("#twofactor-status"); got != "On · 9 recovery codes left" {
		t.Errorf("after a recovery code: %q", got)
	}
	logOut()
	password("password for the used recovery code")
	secondStep("used recovery code", recovery[0], ".alert")
	if got := text(".alert"); got != "That code is not right. Try again." {
		t.Errorf("a used recovery code: %q", got)
	}
	screenshot("twofactor-used-recovery-code.png")
}

// wrongCode returns a 6-digit code that is none of the window's.
func wrongCode(t *testing.T, secret totp.Secret) string {
	t.Helper()
	now := time.Now()
	for _, c := range []string{"000000", "111111", "222222"} {
		clash := false
		for d := -2; d <= 2; d++ {
			if c == codeAt(t, secret, now.Add(time.Duration(d)*30*time.Second)) {
				clash = true
			}
		}
		if !clash {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}
