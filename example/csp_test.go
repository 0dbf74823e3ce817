package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// policy parses a Content-Security-Policy header into its directives.
func policy(header string) map[string][]string {
	p := make(map[string][]string)
	for _, d := range strings.Split(header, ";") {
		if fields := strings.Fields(d); len(fields) > 0 {
			p[fields[0]] = fields[1:]
		}
	}
	return p
}

// TestContentSecurityPolicy checks the policy of every kind of response: nothing loads but the
// application's own scripts (the passkey script), styles and images, nothing inline, forms post
// to the application (and, with single sign-on, the identity provider), and fetch may reach the
// application's own origin (for /api/me) and no other.
func TestContentSecurityPolicy(t *testing.T) {
	h := testApp(t, testConfig(t))
	for _, path := range []string{"/login", "/", "/api/me", "/style.css", "/nope"} {
		t.Run(path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			header := rec.Header().Get("Content-Security-Policy")
			p := policy(header)
			for directive, want := range map[string][]string{
				"default-src":     {"'none'"},
				"script-src":      {"'self'"},
				"connect-src":     {"'self'"},
				"style-src":       {"'self'"},
				"img-src":         {"'self'"},
				"frame-ancestors": {"'none'"},
				"base-uri":        {"'none'"},
			} {
				if got := p[directive]; !slices.Equal(got, want) {
					t.Errorf("%s: got %q, want %q (policy %q)", directive, got, want, header)
				}
			}
			if fa := p["form-action"]; len(fa) == 0 || fa[0] != "'self'" {
				t.Errorf("form-action: got %q, want 'self' first", fa)
			}
			if strings.Contains(header, "unsafe-") || strings.Contains(header, "*") {
				t.Errorf("policy %q allows inline code or any origin", header)
			}
		})
	}
}

// TestBrowserFetch checks in Chromium that a signed-in page can fetch the application's own
// API under the policy, and that the policy still blocks a fetch to another origin.
func TestBrowserFetch(t *testing.T) {
	ctx := newBrowser(t) // first: skips before anything starts when Chromium is missing
	srv := httptest.NewServer(testApp(t, testConfig(t)))
	defer srv.Close()
	base := localhostURL(t, srv)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), demoEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#user-email")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	const fetchJS = `fetch(%q).then(r => r.status + " " + r.headers.get("Content-Type"), e => "blocked: " + e.name)`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, "/api/me"), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch /api/me: %v", err)
	}
	if !strings.HasPrefix(got, "200 application/json") {
		t.Errorf("fetch('/api/me') from the dashboard: got %q, want 200 application/json", got)
	}
	// The same server under another origin (127.0.0.1 instead of localhost): connect-src
	// 'self' refuses it before any request leaves the browser.
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, srv.URL+"/api/me"), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s/api/me: %v", srv.URL, err)
	}
	if !strings.HasPrefix(got, "blocked") {
		t.Errorf("fetch to another origin: got %q, want it blocked by the policy", got)
	}
}
