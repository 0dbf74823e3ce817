package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestRelative(t *testing.T) {
	for _, c := range []struct {
		name string
		d    time.Duration
		want string
	}{
		{"exp", 42 * time.Minute, "expires in 42m"},
		{"exp", -3 * time.Hour, "expired 3h ago"},
		{"exp", 500 * time.Millisecond, "expires now"},
		{"exp", 59 * time.Second, "expires in 59s"},
		{"exp", 42*time.Minute + 10*time.Second, "expires in 42m10s"},
		{"exp", 3*time.Hour + 5*time.Minute + 59*time.Second, "expires in 3h5m"},
		{"exp", -(50*time.Hour + 30*time.Minute), "expired 2d2h ago"},
		{"exp", 30 * 24 * time.Hour, "expires in 30d"},
		{"iat", -12 * time.Minute, "12m ago"},
		{"nbf", 5 * time.Minute, "in 5m"},
		{"iat", 0, "now"},
	} {
		if got := relative(c.name, t0.Add(c.d), t0); got != c.want {
			t.Errorf("relative(%s, now%+v): got %q, want %q", c.name, c.d, got, c.want)
		}
	}
}

func TestNumericDate(t *testing.T) {
	for _, c := range []struct {
		raw    string
		want   time.Time
		wantOK bool
	}{
		{"1773500966", t0, true},
		{"1773500966.5", t0.Add(500 * time.Millisecond), true},
		{"-1", time.Unix(-1, 0).UTC(), true},
		{`"1773500966"`, time.Time{}, false},
		{"1e300", time.Time{}, false},
		{"null", time.Time{}, false},
		{"true", time.Time{}, false},
	} {
		got, ok := numericDate(json.RawMessage(c.raw))
		if ok != c.wantOK || !got.Equal(c.want) {
			t.Errorf("numericDate(%s): got %v, %v; want %v, %v", c.raw, got, ok, c.want, c.wantOK)
		}
	}
}

func TestTerminalSafe(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{\n  \"a\": \"b c\"\n}", "{\n  \"a\": \"b c\"\n}"},
		{`"é ü 日本"`, `"é ü 日本"`},
		{"\"\x1b[2J\"", `"\u001b[2J"`},
		{"\"\u009b31m\"", `"\u009b31m"`},
		{"\"\x7f\"", `"\u007f"`},
		{"\"a\u202eb\"", `"a\u202eb"`},       // right-to-left override
		{"\"\U000e0041\"", `"\udb40\udc41"`}, // tag character, outside the BMP
		{"\"\xff\"", `"\ufffd"`},
	} {
		if got := terminalSafe([]byte(c.in)); got != c.want {
			t.Errorf("terminalSafe(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzDecode checks that inspect's decoder and printer never panic, and that
// whatever a token holds reaches the terminal as printable text only.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		goldenToken,
		"", ".", "..", "....", "a.b.c", "a.b.c.d.e",
		segment(`{"alg":"none"}`) + "." + segment(`{"exp":1e999,"iat":"x","nbf":-1e12}`) + ".",
		segment(`{}`) + "." + segment("{\"a\":\"\u009b\xff\"}") + "." + segment("s"),
		segment(`{"alg":"dir","enc":"A256GCM"}`) + "....",
		segment(`{"a":1,"a":2}`) + "." + segment(`{"exp":1773504566.999999999}`) + ".",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		d, err := decode(tok)
		if err != nil {
			if d != nil {
				t.Fatal("decode returned a value with an error")
			}
			return
		}
		var out bytes.Buffer
		p := &proc{stdout: &out, now: func() time.Time { return t0 }}
		p.show(d, nil)
		s := out.String()
		if !utf8.ValidString(s) {
			t.Fatalf("output is not valid UTF-8: %q", s)
		}
		for _, r := range s {
			if r != '\n' && !unicode.IsPrint(r) {
				t.Fatalf("output holds %U: %q", r, s)
			}
		}
		if !strings.Contains(s, "header") {
			t.Fatalf("output has no header: %q", s)
		}
	})
}

// TestPrintTimesSessionStart: the session's start (sst) is printed when the token has it, and
// skipped, not reported absent, for tokens from before it existed.
func TestPrintTimesSessionStart(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 19, 26, 0, time.UTC)
	var with, without strings.Builder
	printTimes(&with, []byte(`{"iat":1773500966,"nbf":1773500966,"auth_time":1773500966,"sst":1773497366.25,"exp":1773504566}`), now)
	printTimes(&without, []byte(`{"iat":1773500966,"nbf":1773500966,"auth_time":1773500966,"exp":1773504566}`), now)
	if !strings.Contains(with.String(), "  sst        2026-03-14T14:09:26Z  1h9m ago\n") {
		t.Errorf("with sst:\n%s", with.String())
	}
	if strings.Contains(without.String(), "sst") {
		t.Errorf("without sst:\n%s", without.String())
	}
}
