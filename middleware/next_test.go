package middleware_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

// openRedirects is a corpus of redirect targets that lead off-site in some browser, proxy or
// router. SafeNext must turn every one into "/".
var openRedirects = []string{
	"", "evil.example", "//evil.example", "///evil.example", "////evil.example",
	`/\evil.example`, `\\evil.example`, `/\/evil.example`, `\/evil.example`,
	"https://evil.example", "http:evil.example", "HTTPS://evil.example", "javascript:alert(1)",
	"JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox",
	"/%2F%2Fevil.example", "%2F%2Fevil.example", "/%2f%2fevil.example", "/%5Cevil.example",
	"/%252F%252Fevil.example", "/%25252F%25252Fevil.example", "/%5c%5cevil.example",
	"/\r\nLocation: https://evil.example", "/%0d%0aSet-Cookie:x=y", "/\tevil", "/%09/evil.example",
	"\t//evil.example", " //evil.example", "/ /evil.example", "/\x00evil", "/%00", "/\x7f",
	"/%zz", "/" + strings.Repeat("a", 3000), "//", `/\`, "/%2F", "/%5C",
	"/.//evil.example", "/./%2Fevil.example", "/../evil.example", "/a/../..//evil.example", "/%2E%2E/x",
}

func TestSafeNextRejects(t *testing.T) {
	for _, next := range openRedirects {
		t.Run(url.PathEscape(next), func(t *testing.T) {
			if got := middleware.SafeNext(next); got != "/" {
				t.Errorf("SafeNext(%q) = %q, want /", next, got)
			}
		})
	}
}

func TestSafeNextAccepts(t *testing.T) {
	for _, next := range []string{
		"/", "/dashboard", "/reports?year=2026&q=a%20b", "/a/b/c#section", "/search?q=%E2%9C%93",
		"/users/42/edit", "/v1.2/notes", "/.well-known/x", "/path;param", "/caf%C3%A9",
	} {
		t.Run(next, func(t *testing.T) {
			if got := middleware.SafeNext(next); got != next {
				t.Errorf("SafeNext(%q) = %q, want it unchanged", next, got)
			}
		})
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range openRedirects {
		f.Add(s)
	}
	f.Add("/dashboard?x=1")
	f.Fuzz(func(t *testing.T, next string) {
		got := middleware.SafeNext(next)
		if got == "/" {
			return
		}
		if got != next {
			t.Fatalf("SafeNext(%q) = %q: neither the input nor /", next, got)
		}
		// Whatever it accepts must stay on this origin however many times it is decoded.
		s := got
		for range 4 {
			u, err := url.Parse(s)
			if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) || strings.ContainsAny(s, "\r\n\t\x00\\") {
				t.Fatalf("SafeNext accepted %q, which decodes to off-site or unsafe %q", next, s)
			}
			d, err := url.PathUnescape(s)
			if err != nil || d == s {
				break
			}
			s = d
		}
	})
}
