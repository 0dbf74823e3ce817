package middleware_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keycard-go/keycard/middleware"
)

var userAgents = []struct{ ua, want string }{
	{"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", "Firefox on Linux"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", "Chrome on Windows"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 Edg/139.0.0.0", "Edge on Windows"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15", "Safari on macOS"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"},
	{"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/139.0 Mobile/15E148 Safari/604.1", "Chrome on iPad"},
	{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
	{"Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"},
	{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", "Chrome on ChromeOS"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/139.0.0.0 Safari/537.36", "Headless Chrome on Linux"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 OPR/120.0.0.0", "Opera on Windows"},
	{"curl/8.5.0", "curl"},
	{"Go-http-client/2.0", "Go HTTP client"},
	{"", "Unknown device"},
	{"<script>alert(1)</script>", "Unknown device"},
	{"Mozilla/5.0 (X11; Linux x86_64)", "Browser on Linux"},
	// Only the first 512 bytes are read: a name past them is not looked for.
	{strings.Repeat("x", 512) + " Firefox/140.0 (X11; Linux x86_64)", "Unknown device"},
}

func TestDeviceName(t *testing.T) {
	for _, tt := range userAgents {
		if got := middleware.DeviceName(tt.ua); got != tt.want {
			t.Errorf("DeviceName(%q): got %q, want %q", tt.ua, got, tt.want)
		}
	}
}

// FuzzDeviceName: any User-Agent gives a short description made of the fixed names only: no
// byte of the header is copied into it.
func FuzzDeviceName(f *testing.F) {
	for _, tt := range userAgents {
		f.Add(tt.ua)
	}
	f.Add(strings.Repeat("Firefox/", 1000))
	f.Fuzz(func(t *testing.T, ua string) {
		got := middleware.DeviceName(ua)
		if len(got) > 40 || !utf8.ValidString(got) {
			t.Fatalf("DeviceName(%q) = %q", ua, got)
		}
		for _, c := range got {
			if !(c == ' ' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				t.Fatalf("DeviceName(%q) = %q holds %q", ua, got, c)
			}
		}
	})
}
