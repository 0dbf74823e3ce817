package token_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// TestSessionClaimsRoundTrip: amr, sst, rem and sver travel through IssueClaims, Verify and
// Renew unchanged, in the wire form documented on Claims.
func TestSessionClaimsRoundTrip(t *testing.T) {
	clk := newClock()
	codec := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), clk)
	started := t0.Add(-time.Hour + 250*time.Microsecond)
	authAt := t0.Add(-time.Minute + 7*time.Microsecond)
	raw, issued, err := codec.IssueClaims(token.Claims[session]{
		Subject:      "user-1",
		SessionID:    "sid-kept",
		SessionStart: started,
		AuthTime:     authAt,
		AMR:          []string{"pwd", "otp", "mfa"},
		Remember:     true,
		Version:      3,
		Expiry:       t0.Add(48*time.Hour + 500*time.Millisecond),
		Payload:      aliceSession(),
	})
	if err != nil {
		t.Fatal(err)
	}
	payload := decodePayload(t, raw)
	for _, want := range []string{`"sid":"sid-kept"`, `"auth_time":1773500906.000007`, `"sst":1773497366.00025`,
		`"amr":["pwd","otp","mfa"]`, `"rem":true`, `"sver":3`, `"exp":1773673766,`} {
		if !strings.Contains(payload, want) {
			t.Errorf("payload %s lacks %s", payload, want)
		}
	}
	got, err := codec.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, issued) {
		t.Fatalf("Verify returned\n%+v\nIssueClaims returned\n%+v", got, issued)
	}
	if !got.SessionStart.Equal(started) || !got.AuthTime.Equal(authAt) || !got.Expiry.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("times: sst %v auth_time %v exp %v", got.SessionStart, got.AuthTime, got.Expiry)
	}

	clk.Set(t0.Add(10 * time.Minute))
	_, renewed, err := codec.Renew(got)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.SessionID != "sid-kept" || !renewed.SessionStart.Equal(started) || !renewed.AuthTime.Equal(authAt) ||
		!reflect.DeepEqual(renewed.AMR, got.AMR) || !renewed.Remember || renewed.Version != 3 {
		t.Errorf("Renew lost session claims: %+v", renewed)
	}
	if want := t0.Add(10*time.Minute + codec.Lifetime()); !renewed.Expiry.Equal(want) {
		t.Errorf("renewed exp %v, want now + lifetime %v", renewed.Expiry, want)
	}
	// The caller's slice is not shared with the claims.
	renewed.AMR[0] = "changed"
	if got.AMR[0] != "pwd" {
		t.Error("Renew shares its AMR slice with its input")
	}
}

// TestSessionClaimsDefaults: Issue begins a session now (sst = auth_time), and the claims that
// are false or zero are not written at all.
func TestSessionClaimsDefaults(t *testing.T) {
	codec := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), newClock())
	raw, issued, err := codec.Issue("user-1", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	if !issued.SessionStart.Equal(t0) || !issued.AuthTime.Equal(t0) || issued.AMR != nil || issued.Remember || issued.Version != 0 {
		t.Errorf("issued %+v", issued)
	}
	payload := decodePayload(t, raw)
	for _, absent := range []string{`"amr"`, `"rem"`, `"sver"`} {
		if strings.Contains(payload, absent) {
			t.Errorf("payload %s has %s", payload, absent)
		}
	}
	if !strings.Contains(payload, `"sst":1773500966`) {
		t.Errorf("payload %s lacks sst", payload)
	}
}

func TestIssueClaimsRefuses(t *testing.T) {
	codec := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), newClock())
	for _, tt := range []struct {
		name string
		c    token.Claims[session]
	}{
		{"no subject", token.Claims[session]{Payload: aliceSession()}},
		{"expiry now", token.Claims[session]{Subject: "u", Payload: aliceSession(), Expiry: t0.Add(999 * time.Millisecond)}},
		{"expiry past", token.Claims[session]{Subject: "u", Payload: aliceSession(), Expiry: t0.Add(-time.Hour)}},
		{"expiry beyond 30 days", token.Claims[session]{Subject: "u", Payload: aliceSession(), Expiry: t0.Add(31 * 24 * time.Hour)}},
		{"empty amr", token.Claims[session]{Subject: "u", Payload: aliceSession(), AMR: []string{""}}},
		{"amr with a quote", token.Claims[session]{Subject: "u", Payload: aliceSession(), AMR: []string{`p"w`}}},
		{"amr with non-ASCII", token.Claims[session]{Subject: "u", Payload: aliceSession(), AMR: []string{"pwé"}}},
		{"session start before 1970", token.Claims[session]{Subject: "u", Payload: aliceSession(), SessionStart: time.Unix(-5, 0)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw, cl, err := codec.IssueClaims(tt.c)
			if !errors.Is(err, token.ErrInvalidClaims) || raw != "" || cl != nil {
				t.Errorf("got %q, %v, %v; want ErrInvalidClaims", raw, cl, err)
			}
		})
	}
}

// TestSessionStartFromOlderTokens: a token without sst (issued before the claim existed) reads
// as a session that began at auth_time; an sst in the future is refused like auth_time.
func TestSessionStartFromOlderTokens(t *testing.T) {
	codec := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), newClock())
	sign := hs256(secret(32, 1))
	old := craft(goodHeader, claimsJSON(map[string]any{"sst": nil}), sign)
	cl, err := codec.Verify(old)
	if err != nil {
		t.Fatal(err)
	}
	if !cl.SessionStart.Equal(cl.AuthTime) {
		t.Errorf("sst %v, want auth_time %v", cl.SessionStart, cl.AuthTime)
	}
	future := craft(goodHeader, claimsJSON(map[string]any{"sst": t0.Add(time.Hour).Unix()}), sign)
	if _, err := codec.Verify(future); !errors.Is(err, token.ErrNotYetValid) {
		t.Errorf("sst in the future: got %v, want ErrNotYetValid", err)
	}
	for _, bad := range []map[string]any{{"rem": "yes"}, {"sver": -1}, {"amr": "pwd"}, {"sst": "x"}} {
		if _, err := codec.Verify(craft(goodHeader, claimsJSON(bad), sign)); !errors.Is(err, token.ErrInvalidClaims) {
			t.Errorf("%v: got %v, want ErrInvalidClaims", bad, err)
		}
	}
}

// The session claims' names are reserved: a payload cannot shadow them.
type sstCollision struct {
	Start int64 `json:"sst"`
}
type remCollision struct{ Rem bool }
type sverCollision struct {
	V int `json:"SVER"`
}

func TestSessionClaimNamesReserved(t *testing.T) {
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	for name, err := range map[string]error{
		"sst":  func() error { _, err := token.New[sstCollision](ks); return err }(),
		"rem":  func() error { _, err := token.New[remCollision](ks); return err }(),
		"sver": func() error { _, err := token.New[sverCollision](ks); return err }(),
	} {
		if !errors.Is(err, token.ErrInvalidType) {
			t.Errorf("payload with %s: got %v, want ErrInvalidType", name, err)
		}
	}
}

// decodePayload returns the JSON payload of a compact JWS.
func decodePayload(t *testing.T, raw string) string {
	t.Helper()
	b, err := b64.DecodeString(strings.Split(raw, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
