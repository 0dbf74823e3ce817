package token_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

type (
	untaggedExp struct {
		Exp time.Time
	}
	untaggedSub  struct{ Sub string }
	omitemptyIat struct {
		Iat int64 `json:",omitempty"`
	}
	taggedAud struct {
		Audience string `json:"AUD"`
	}
)

// TestErrorMessagesSayWhatToChange: refusals a new user meets name the cause and the fix.
func TestErrorMessagesSayWhatToChange(t *testing.T) {
	hs := fixedKey(t, token.HS256)
	ks := mustKeySet(t, hs)
	edPub := must(fixedKey(t, token.EdDSA).Public())
	errOf := func(_ any, err error) error { return err }
	tests := []struct {
		name string
		err  error
		want []string // substrings of the message
	}{
		{"NewKeySet(nil)", errOf(token.NewKeySet(nil)), []string{"signing key is nil"}},
		{"NewKeySet(zero Key)", errOf(token.NewKeySet(&token.Key{})), []string{"zero Key"}},
		{"NewKeySet(public key)", errOf(token.NewKeySet(edPub)), []string{`"EdDSA-1"`, "only a public key"}},
		{"NewKeySet(k, nil)", errOf(token.NewKeySet(hs, edPub, nil)), []string{"verifyOnly[1] is nil"}},
		{"field Exp without a tag", errOf(token.New[untaggedExp](ks)), []string{"untaggedExp.Exp", "no json tag", `add a json tag such as json:"exp_at"`}},
		{"field Sub without a tag", errOf(token.New[untaggedSub](ks)), []string{"untaggedSub.Sub", `json:"app_sub"`}},
		{"field Iat with only omitempty", errOf(token.New[omitemptyIat](ks)), []string{"no name in its json tag", `json:"iat_at"`}},
		{"field named AUD by its tag", errOf(token.New[taggedAud](ks)), []string{`"AUD"`, "choose another name in its json tag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(tt.err.Error(), w) {
					t.Errorf("error %q does not say %q", tt.err, w)
				}
			}
		})
	}
}
