package passkey_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/passkey"
	"github.com/keycard-go/keycard/token"
)

func TestNewRefusesBadConfiguration(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		rp   passkey.RelyingParty
		opts []passkey.Option
		want string
	}{
		{"IP address RP ID", passkey.RelyingParty{ID: "127.0.0.1", Name: "x", Origins: []string{"https://127.0.0.1"}}, nil, "not a domain"},
		{"no name", passkey.RelyingParty{ID: "example.com", Origins: []string{origin}}, nil, "Name"},
		{"no origins", passkey.RelyingParty{ID: "example.com", Name: "x"}, nil, "origin"},
		{"plain http", passkey.RelyingParty{ID: "example.com", Name: "x", Origins: []string{"http://example.com"}}, nil, "not https"},
		{"origin outside the RP ID", passkey.RelyingParty{ID: "example.com", Name: "x", Origins: []string{"https://example.org"}}, nil, "not on the RP ID"},
		{"suffix without a dot", passkey.RelyingParty{ID: "example.com", Name: "x", Origins: []string{"https://badexample.com"}}, nil, "not on the RP ID"},
		{"origin with a path", passkey.RelyingParty{ID: "example.com", Name: "x", Origins: []string{"https://example.com/app"}}, nil, "scheme://host"},
		{"timeout too long", rp, []passkey.Option{passkey.WithTimeout(10 * time.Minute)}, "timeout"},
		{"timeout too short", rp, []passkey.Option{passkey.WithTimeout(time.Second)}, "timeout"},
		{"bad prefix", rp, []passkey.Option{passkey.WithPathPrefix("passkey/")}, "prefix"},
		{"no passkeys allowed", rp, []passkey.Option{passkey.WithMaxPasskeys(0)}, "max passkeys"},
		{"nil once store", rp, []passkey.Option{passkey.WithOnceStore(nil)}, "once"},
		{"state keys without encryption", rp, []passkey.Option{passkey.WithStateKeys(mustKey(t), nil)}, "encryption key"},
		{"recent auth under a minute", rp, []passkey.Option{passkey.WithRecentAuth(time.Second)}, "recent auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := passkey.New(f.sessions, tt.rp, f.store, findUser, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error about %q", err, tt.want)
			}
		})
	}
	if _, err := passkey.New(f.sessions, rp, nil, findUser); err == nil {
		t.Error("nil store accepted")
	}
	ok := passkey.RelyingParty{ID: "Example.COM", Name: "x", Origins: []string{"https://login.example.com", "https://example.com:8443"}}
	if _, err := passkey.New(f.sessions, ok, f.store, findUser); err != nil {
		t.Errorf("subdomain and port origins refused: %v", err)
	}
}

// With shared state keys, a ceremony begun on one instance finishes on another.
func TestSharedStateKeys(t *testing.T) {
	sign := mustKey(t)
	enc, err := token.GenerateEncryptionKey("e1")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, passkey.WithStateKeys(sign, enc))
	a := newAuthenticator(t)
	b := f.enrolled(t, a)
	opts := b.options("/passkey/login/options")

	other, err := passkey.New(f.sessions, rp, f.store, findUser, passkey.WithStateKeys(sign, enc))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.h = other.Handler()
	if rec := b.do("POST", "/passkey/login", resp); rec.Code != 200 {
		t.Fatalf("finish on another instance: %d %s", rec.Code, rec.Body)
	}
}

func mustKey(t *testing.T) *token.Key {
	t.Helper()
	k, err := token.GenerateKey("s1", token.HS256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
