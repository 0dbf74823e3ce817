package oidc

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseCallback(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  callbackParams
		bad   bool
	}{
		{name: "code and state", query: "code=abc&state=xyz", want: callbackParams{code: "abc", state: "xyz"}},
		{name: "with iss", query: "code=c&state=s&iss=https%3A%2F%2Fidp.example", want: callbackParams{code: "c", state: "s", iss: "https://idp.example", hasIss: true}},
		{name: "error", query: "error=access_denied&state=s&error_description=%3Cb%3Eno", want: callbackParams{errCode: "access_denied", state: "s", hasError: true}},
		{name: "extra parameters ignored", query: "code=c&state=s&session_state=x&scope=openid+email&authuser=0", want: callbackParams{code: "c", state: "s"}},
		{name: "empty", query: "", want: callbackParams{}},
		{name: "repeated code", query: "code=a&code=b&state=s", bad: true},
		{name: "repeated state", query: "code=a&state=s&state=s", bad: true},
		{name: "repeated error", query: "error=a&error=b", bad: true},
		{name: "repeated iss", query: "iss=a&iss=a", bad: true},
		{name: "newline in code", query: "code=a%0Ab&state=s", bad: true},
		{name: "NUL in state", query: "code=a&state=s%00", bad: true},
		{name: "non-ASCII", query: "code=%C3%A9&state=s", bad: true},
		{name: "bad escape", query: "code=%zz&state=s", bad: true},
		{name: "semicolon", query: "code=a;state=s", bad: true},
		{name: "state too long", query: "code=a&state=" + strings.Repeat("s", maxStateLen+1), bad: true},
		{name: "query too long", query: "code=a&x=" + strings.Repeat("x", maxQueryLen), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCallback(tt.query)
			if tt.bad {
				if err == nil {
					t.Errorf("parseCallback(%q) = %+v, want an error", tt.query, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseCallback(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
			}
		})
	}
}

// FuzzParseCallback: the parser never panics, and what it accepts keeps every bound and
// appeared exactly once in the query.
func FuzzParseCallback(f *testing.F) {
	for _, seed := range []string{
		"code=abc&state=xyz",
		"error=access_denied&error_description=x&state=s",
		"code=c&state=s&iss=https%3A%2F%2Fidp.example%2F",
		"code=a&code=b", "state=%00", "code=%zz", "code=a;b", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		p, err := parseCallback(query)
		if err != nil {
			return
		}
		q, qerr := url.ParseQuery(query)
		if qerr != nil {
			t.Fatalf("accepted %q, which url.ParseQuery refuses: %v", query, qerr)
		}
		for _, f := range []struct {
			name, value string
			max         int
		}{{"state", p.state, maxStateLen}, {"code", p.code, maxCodeLen}, {"error", p.errCode, maxErrorLen}, {"iss", p.iss, maxIssLen}} {
			if len(f.value) > f.max || !printableASCII(f.value) {
				t.Fatalf("%s %q out of bounds", f.name, f.value)
			}
			if vs := q[f.name]; len(vs) > 1 || len(vs) == 1 && vs[0] != f.value {
				t.Fatalf("%s: got %q from %q", f.name, f.value, vs)
			}
		}
	})
}
