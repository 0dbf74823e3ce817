package token_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// TestAuthTimeMicroseconds: auth_time keeps microseconds through Issue, Verify and Renew, so a
// revocation of all of a subject's sessions can tell a login a moment later from one a moment
// earlier; the other dates stay whole seconds.
func TestAuthTimeMicroseconds(t *testing.T) {
	for _, tt := range []struct {
		name string
		at   time.Time
		want string // auth_time as written in the payload
	}{
		{"whole second", t0, `"auth_time":1773500966,`},
		{"microseconds", t0.Add(123456789 * time.Nanosecond), `"auth_time":1773500966.123456,`},
		{"leading zeros", t0.Add(7 * time.Microsecond), `"auth_time":1773500966.000007,`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			clk.Set(tt.at)
			codec := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), clk)
			raw, issued, err := codec.Issue("user-1", aliceSession())
			if err != nil {
				t.Fatal(err)
			}
			want := tt.at.Truncate(time.Microsecond)
			if !issued.AuthTime.Equal(want) || issued.IssuedAt.Nanosecond() != 0 {
				t.Errorf("issued: auth_time %v iat %v, want auth_time %v and whole-second iat", issued.AuthTime, issued.IssuedAt, want)
			}
			payload, err := b64.DecodeString(strings.Split(raw, ".")[1])
			if err != nil || !json.Valid(payload) || !strings.Contains(string(payload), tt.want) {
				t.Errorf("payload %s: want it to contain %s", payload, tt.want)
			}
			verified, err := codec.Verify(raw)
			if err != nil {
				t.Fatal(err)
			}
			clk.Set(tt.at.Add(time.Minute))
			_, renewed, err := codec.Renew(verified)
			if err != nil {
				t.Fatal(err)
			}
			if !verified.AuthTime.Equal(want) || !renewed.AuthTime.Equal(want) {
				t.Errorf("auth_time after Verify %v, after Renew %v; want %v", verified.AuthTime, renewed.AuthTime, want)
			}
		})
	}
}
