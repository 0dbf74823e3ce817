package e2e_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

func TestNewProviderRefuses(t *testing.T) {
	tests := []struct {
		name, provider, issuer, clientID string
		opts                             []oidc.ProviderOption
		want                             string
	}{
		{"empty name", "", "https://idp.example", "c", nil, "provider name"},
		{"upper case name", "Google", "https://idp.example", "c", nil, "provider name"},
		{"long name", strings.Repeat("a", 33), "https://idp.example", "c", nil, "provider name"},
		{"http issuer", "p", "http://idp.example", "c", nil, "must use https"},
		{"issuer with query", "p", "https://idp.example/?tenant=1", "c", nil, "without query"},
		{"issuer with fragment", "p", "https://idp.example/#x", "c", nil, "without query"},
		{"relative issuer", "p", "/idp", "c", nil, "absolute URL"},
		{"issuer with credentials", "p", "https://u:p@idp.example", "c", nil, "absolute URL"},
		{"empty client", "p", "https://idp.example", "", nil, "client ID"},
		{"empty secret", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithClientSecret("")}, "client secret"},
		{"HMAC algorithm", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithAlgorithms("HS256")}, "not allowed"},
		{"none algorithm", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithAlgorithms("none")}, "not allowed"},
		{"reserved parameter", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithAuthParam("redirect_uri", "https://evil")}, "reserved"},
		{"reserved nonce", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithAuthParam("nonce", "fixed")}, "reserved"},
		{"negative max age", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithMaxAge(-time.Second)}, "negative"},
		{"bad scope", "p", "https://idp.example", "c", []oidc.ProviderOption{oidc.WithScopes("a b")}, "invalid scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oidc.NewProvider(tt.provider, tt.issuer, tt.clientID, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	for _, ok := range []string{"https://idp.example", "http://127.0.0.1:9000/oidc", "http://localhost/realms/x", "http://[::1]:8080"} {
		if _, err := oidc.NewProvider("p", ok, "c"); err != nil {
			t.Errorf("issuer %s refused: %v", ok, err)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	key, _ := token.NewHMACKey("k", token.HS256, bytes.Repeat([]byte("k"), 32))
	keys, _ := token.NewKeySet(key)
	codec, _ := token.New[payload](keys)
	sessions, err := middleware.New(codec)
	if err != nil {
		t.Fatal(err)
	}
	link := func(*http.Request, oidc.Identity) (token.Subject, payload, error) { return "", payload{}, nil }
	p, _ := oidc.NewProvider("p", "https://idp.example", "c")
	p2, _ := oidc.NewProvider("p", "https://other.example", "c")
	tests := []struct {
		name     string
		sessions *middleware.Sessions[payload]
		base     string
		link     oidc.LinkFunc[payload]
		opts     []oidc.Option
		want     string
	}{
		{"nil sessions", nil, "https://app.example", link, []oidc.Option{oidc.WithProvider(p)}, "nil sessions"},
		{"nil link", sessions, "https://app.example", nil, []oidc.Option{oidc.WithProvider(p)}, "nil link"},
		{"no provider", sessions, "https://app.example", link, nil, "no provider"},
		{"two providers, one name", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithProvider(p2)}, "two providers"},
		{"http base URL", sessions, "http://app.example", link, []oidc.Option{oidc.WithProvider(p)}, "must use https"},
		{"base URL with query", sessions, "https://app.example/?a=1", link, []oidc.Option{oidc.WithProvider(p)}, "without query"},
		{"relative base URL", sessions, "/app", link, []oidc.Option{oidc.WithProvider(p)}, "absolute"},
		{"short state secret", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithStateSecret([]byte("short"))}, "at least 32"},
		{"prefix with slash", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithPathPrefix("/auth/")}, "not a local path"},
		{"absolute prefix", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithPathPrefix("//evil")}, "not a local path"},
		{"prefix with a pattern", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithPathPrefix("/{x}")}, "not a local path"},
		{"zero timeout", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithTimeout(0)}, "timeout"},
		{"post-logout elsewhere", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(p), oidc.WithPostLogoutPath("https://evil")}, "not a local path"},
		{"nil provider", sessions, "https://app.example", link, []oidc.Option{oidc.WithProvider(nil)}, "nil provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oidc.New(tt.sessions, tt.base, tt.link, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	// Plain HTTP on a LAN address only with WithInsecureCookie, which also drops __Host-.
	l, err := oidc.New(sessions, "http://192.0.2.1:8080", link, oidc.WithProvider(p), oidc.WithInsecureCookie())
	if err != nil {
		t.Fatalf("insecure development setup refused: %v", err)
	}
	mux := http.NewServeMux()
	l.Register(mux)
	if got := l.Providers("", false)[0].URL; got != "/auth/p/login" {
		t.Errorf("login URL %q", got)
	}
}

func TestHandlerForUnknownProviderPanics(t *testing.T) {
	idp := newTestIdP(t)
	a := newTestApp(t, appOptions{}, provider(t, "test", idp))
	defer func() {
		if recover() == nil {
			t.Error("CallbackHandler of an unknown provider did not panic at setup")
		}
	}()
	a.login.CallbackHandler("nope")
}
