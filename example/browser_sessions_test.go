package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserEndsOtherSession drives two separate browser contexts (two cookie jars, as two
// devices have) through the example: both sign in, A lists its sessions and signs B out, and
// B's next navigation lands on the login page.
func TestBrowserEndsOtherSession(t *testing.T) {
	browser := newBrowser(t) // skips first when Chromium is missing
	srv := httptest.NewServer(testApp(t, testConfig(t)))
	defer srv.Close()
	base := localhostURL(t, srv)
	artifacts := artifactDir(t)
	if err := chromedp.Do(browser); err != nil { // starts the browser, so contexts can be made in it
		t.Fatalf("starting Chromium: %v", err)
	}
	device := func() context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	a, b := device(), device()

	run := func(ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	location := func(ctx context.Context) string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("location: %v", err)
		}
		return strings.TrimPrefix(loc, base)
	}
	count := func(ctx context.Context, sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}
	signIn := func(ctx context.Context, who string, remember bool) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/login"),
			chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
			chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
		}
		if remember {
			steps = append(steps, chromedp.Click(chromedp.CSS("#remember")))
		}
		steps = append(steps, chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#user-email")))
		run(ctx, "sign in "+who, steps...)
	}

	signIn(a, "A", false)
	signIn(b, "B", true)

	// A lists two sessions, its own marked, and one sign-out button: B's.
	run(a, "A opens its sessions", chromedp.Navigate(base+"/sessions"), chromedp.WaitVisible(chromedp.CSS(".sessions")))
	if got := count(a, "li.session"); got != 2 {
		t.Fatalf("A lists %d sessions, want 2", got)
	}
	if got := count(a, "li.session.current"); got != 1 {
		t.Errorf("A marks %d sessions as current, want 1", got)
	}
	if got := count(a, "li.session:not(.current) .badge.muted"); got != 1 {
		t.Errorf("B's session is not shown as remembered")
	}
	png, err := chromedp.Run(a, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(artifacts, "sessions.png"), png, 0o644)

	run(a, "A signs B out",
		chromedp.Click(chromedp.CSS(`li.session:not(.current) form button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if got := count(a, "li.session"); got != 1 {
		t.Errorf("after signing B out A lists %d sessions, want 1", got)
	}

	// B's next navigation lands on the login page; A is still signed in.
	run(b, "B navigates", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	if got, want := location(b), "/login?next=%2F"; got != want {
		t.Errorf("B after being signed out: at %q, want %q", got, want)
	}
	run(a, "A navigates", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#user-email")))
	if got := location(a); got != "/" {
		t.Errorf("A after signing B out: at %q, want /", got)
	}
}
