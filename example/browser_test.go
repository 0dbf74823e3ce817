package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/keycard-go/keycard/middleware"
)

// The browser test drives a real headless Chromium through the example: the session cookie is
// Secure and __Host- prefixed, and is served here over plain http://localhost, which browsers
// treat as a secure context. It skips when Chromium is missing, except under CI=true.

const browserTimeout = 60 * time.Second

// chromiumPath returns the Chromium binary, or skips the test (fails it under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "Chromium not found: install it (apt-get install chromium) to run the browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true requires it")
	}
	t.Skip(msg)
	return ""
}

// artifactDir is where screenshots go: $E2E_ARTIFACTS, or testdata/artifacts (git-ignored).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts a headless Chromium with a fresh profile, stopped when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	// The timeout bounds the whole browser session: when it fires, the browser stops and
	// every pending action fails. Not t.Context(): that is cancelled before the cleanup below
	// runs, which would kill the browser instead of closing it.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(func() {
		// Stop the browser before t.TempDir removes its profile.
		if err := chromedp.Cancel(ctx); err != nil {
			t.Logf("stopping Chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	return ctx
}

// localhostURL turns httptest's http://127.0.0.1:port into http://localhost:port, the origin
// a developer opens.
func localhostURL(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	u := srv.Listener.Addr().String()
	_, port, ok := strings.Cut(u, ":")
	if !ok {
		t.Fatalf("listener address %q", u)
	}
	return "http://localhost:" + port
}

func TestBrowser(t *testing.T) {
	ctx := newBrowser(t) // first: skips before anything starts when Chromium is missing
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
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// A visitor without a session is sent to the login page, which remembers where they went.
	run("open /", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	if got, want := location(), "/login?next=%2F"; got != want {
		t.Fatalf("GET / without a session: at %q, want %q", got, want)
	}
	screenshot("login.png")

	// A wrong password shows the error on the same form.
	run("wrong password",
		chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), "not-the-password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".alert")),
	)
	if got := text(".alert"); !strings.Contains(got, "Incorrect account or password.") {
		t.Errorf("error after a wrong password: got %q", got)
	}
	screenshot("login-error.png")

	// The demo account signs in and lands on the dashboard.
	run("sign in",
		chromedp.Clear(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#user-email")),
	)
	if got := location(); got != "/" {
		t.Errorf("after login: at %q, want /", got)
	}
	if got := text("#user-email"); got != demoEmail {
		t.Errorf("dashboard e-mail: got %q, want %q", got, demoEmail)
	}
	screenshot("dashboard.png")

	// The browser keeps the Secure __Host- cookie from http://localhost, and scripts cannot
	// read it.
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	var session *network.Cookie
	for _, c := range res.Cookies {
		if c.Name == middleware.DefaultCookieName {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("the browser holds no %s cookie", middleware.DefaultCookieName)
	}
	if !session.HTTPOnly || !session.Secure || session.Path != "/" {
		t.Errorf("session cookie: HttpOnly %v, Secure %v, Path %q; want true, true, /", session.HTTPOnly, session.Secure, session.Path)
	}
	docCookie, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.cookie"))
	if err != nil {
		t.Fatalf("document.cookie: %v", err)
	}
	if strings.Contains(docCookie, middleware.DefaultCookieName) {
		t.Errorf("document.cookie shows the session cookie: %q", docCookie)
	}

	// A reload keeps the session.
	run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#user-email")))
	if got := location(); got != "/" {
		t.Errorf("after reload: at %q, want /", got)
	}

	// Logging out returns to the login page, and / asks for a login again.
	run("log out",
		chromedp.Click(chromedp.CSS(`form.logout button`)),
		chromedp.WaitVisible(chromedp.CSS("#password")),
	)
	if got := location(); got != "/login" {
		t.Errorf("after logout: at %q, want /login", got)
	}
	run("open / again", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	if got, want := location(), "/login?next=%2F"; got != want {
		t.Errorf("GET / after logout: at %q, want %q", got, want)
	}
}
