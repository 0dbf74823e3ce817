package middleware_test

import (
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

// TestNewRefusesMistakes: configuration mistakes fail New with a message that says what to
// change, rather than being accepted silently.
func TestNewRefusesMistakes(t *testing.T) {
	codec := newCodec(t, newClock())
	for _, tt := range []struct {
		name string
		opts []middleware.Option
		want string // in the error
	}{
		{"nil option", []middleware.Option{middleware.WithCache(1), nil}, "option 1 is nil"},
		{"fail open without a store", []middleware.Option{middleware.WithRevocationFailOpen()}, "without WithRevocation"},
		{"login path with a query", []middleware.Option{middleware.WithLoginPath("/login?x=1")}, "has a query"},
		{"login path with a quote", []middleware.Option{middleware.WithLoginPath(`/lo"gin`)}, "double quote"},
		{"login path with a space", []middleware.Option{middleware.WithLoginPath("/sign in")}, "space"},
		{"login path not ASCII", []middleware.Option{middleware.WithLoginPath("/anmelden/über")}, "non-ASCII"},
		{"login path with a fragment", []middleware.Option{middleware.WithLoginPath("/login#top")}, "fragment"},
		{"login path absolute", []middleware.Option{middleware.WithLoginPath("https://evil.example/login")}, "single \"/\""},
		{"login path protocol-relative", []middleware.Option{middleware.WithLoginPath("//evil.example")}, "single \"/\""},
		{"login path with a tab", []middleware.Option{middleware.WithLoginPath("/lo\tgin")}, "control character"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := middleware.New(codec, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	for _, path := range []string{"/login", "/account/sign-in", "/anmelden/%C3%BCber"} {
		if _, err := middleware.New(codec, middleware.WithLoginPath(path)); err != nil {
			t.Errorf("WithLoginPath(%q): %v", path, err)
		}
	}
}
