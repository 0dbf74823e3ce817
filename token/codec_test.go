package token_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

func TestRoundTrip(t *testing.T) {
	for _, alg := range algorithms {
		for _, encrypted := range []bool{false, true} {
			name := string(alg)
			if encrypted {
				name += "/encrypted"
			}
			t.Run(name, func(t *testing.T) {
				clk := newClock()
				opts := []token.Option{token.WithIssuer("https://keycard.test"), token.WithAudience("app", "api")}
				if encrypted {
					opts = append(opts, token.WithEncryption(mustEncKey(t, "enc-1", 7)))
				}
				c := newCodec(t, mustKeySet(t, fixedKey(t, alg)), clk, opts...)

				tok, issued, err := c.Issue("user-42", aliceSession())
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				if got, want := strings.Count(tok, "."), map[bool]int{false: 2, true: 4}[encrypted]; got != want {
					t.Errorf("token has %d dots, want %d", got, want)
				}
				clk.Set(t0.Add(30 * time.Minute))
				got, err := c.Verify(tok)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !reflect.DeepEqual(got, issued) {
					t.Errorf("Verify returned\n%+v\nIssue returned\n%+v", got, issued)
				}
				want := token.Claims[session]{
					Subject:      "user-42",
					ID:           issued.ID,
					SessionID:    issued.SessionID,
					Issuer:       "https://keycard.test",
					Audience:     []string{"app", "api"},
					IssuedAt:     t0,
					NotBefore:    t0,
					Expiry:       t0.Add(time.Hour),
					AuthTime:     t0,
					SessionStart: t0,
					KeyID:        string(alg) + "-1",
					Payload:      aliceSession(),
				}
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("claims\n got %+v\nwant %+v", *got, want)
				}
				if len(got.ID) != 22 || len(got.SessionID) != 22 {
					t.Errorf("jti %q / sid %q: want 22 base64url characters (128 bits)", got.ID, got.SessionID)
				}
			})
		}
	}
}

func TestIssueFreshIDs(t *testing.T) {
	c := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), newClock())
	seen := map[string]bool{}
	for range 100 {
		_, cl, err := c.Issue("u", aliceSession())
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{string(cl.ID), string(cl.SessionID)} {
			if seen[id] {
				t.Fatalf("id %q repeated", id)
			}
			seen[id] = true
		}
	}
}

func TestRenew(t *testing.T) {
	clk := newClock()
	old := fixedKey(t, token.HS256)
	c := newCodec(t, mustKeySet(t, old), clk, token.WithLifetime(15*time.Minute))
	tok, first, err := c.Issue("user-1", aliceSession())
	if err != nil {
		t.Fatal(err)
	}

	// Rotate, then renew ten minutes later: the new token uses the new key.
	next := mustPEM(t, "ed-2", token.EdDSA, "ed25519.pem")
	if err := c.SetKeys(mustKeySet(t, next, old)); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(10 * time.Minute))
	prev, err := c.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	tok2, renewed, err := c.Renew(prev)
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	got, err := c.Verify(tok2)
	if err != nil {
		t.Fatalf("Verify(renewed): %v", err)
	}
	if !reflect.DeepEqual(got, renewed) {
		t.Errorf("Verify(renewed) = %+v, want %+v", got, renewed)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"sub kept", got.Subject, first.Subject},
		{"sid kept", got.SessionID, first.SessionID},
		{"auth_time kept", got.AuthTime, first.AuthTime},
		{"payload kept", got.Payload.Name, first.Payload.Name},
		{"iat new", got.IssuedAt, t0.Add(10 * time.Minute)},
		{"exp new", got.Expiry, t0.Add(25 * time.Minute)},
		{"kid current", got.KeyID, "ed-2"},
		{"jti fresh", got.ID == first.ID, false},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}

	for _, bad := range []*token.Claims[session]{nil, {}, {Subject: "u", SessionID: "s"}} {
		if _, _, err := c.Renew(bad); !errors.Is(err, token.ErrInvalidClaims) {
			t.Errorf("Renew(%+v) error = %v, want ErrInvalidClaims", bad, err)
		}
	}
}

func TestRotation(t *testing.T) {
	clk := newClock()
	k1 := fixedKey(t, token.ES256)
	k2 := mustPEM(t, "rs-2", token.RS256, "rsa2048.pem")
	c := newCodec(t, mustKeySet(t, k1), clk)
	old, _, err := c.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name    string
		keys    *token.KeySet
		wantErr error
	}{
		{"before rotation", mustKeySet(t, k1), nil},
		{"previous key kept verify-only", mustKeySet(t, k2, k1), nil},
		{"previous key kept as public key", mustKeySet(t, k2, must(k1.Public())), nil},
		{"previous key removed", mustKeySet(t, k2), token.ErrUnknownKey},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := c.Keys()
			if err := c.SetKeys(s.keys); err != nil {
				t.Fatal(err)
			}
			if c.Keys() != s.keys || c.Keys() == before {
				t.Errorf("Keys() did not change to the set passed to SetKeys")
			}
			_, err := c.Verify(old)
			if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
				t.Errorf("Verify(old token) error = %v, want %v", err, s.wantErr)
			}
		})
	}
	if err := c.SetKeys(nil); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("SetKeys(nil) = %v, want ErrInvalidKey", err)
	}
	if err := c.SetKeys(&token.KeySet{}); !errors.Is(err, token.ErrInvalidKey) {
		t.Errorf("SetKeys(zero) = %v, want ErrInvalidKey", err)
	}
}

func TestEncryptionRotation(t *testing.T) {
	clk := newClock()
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	e1, e2 := mustEncKey(t, "e1", 1), mustEncKey(t, "e2", 2)
	before := newCodec(t, ks, clk, token.WithEncryption(e1))
	tok, _, err := before.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opt     token.Option
		wantErr error
	}{
		{"same key", token.WithEncryption(e1), nil},
		{"previous key kept", token.WithEncryption(e2, e1), nil},
		{"previous key dropped", token.WithEncryption(e2), token.ErrDecrypt},
		{"same kid, other secret", token.WithEncryption(mustEncKey(t, "e1", 9)), token.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newCodec(t, ks, clk, tt.opt).Verify(tok)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Verify error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func must[V any](v V, err error) V {
	if err != nil {
		panic(err)
	}
	return v
}

func TestIssueErrors(t *testing.T) {
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	tests := []struct {
		name    string
		opts    []token.Option
		sub     token.Subject
		payload session
		wantErr error
	}{
		{"empty subject", nil, "", aliceSession(), token.ErrInvalidClaims},
		{"Validate fails", nil, "u", session{Roles: []string{"x"}}, token.ErrInvalidClaims},
		{"over the issue bound", nil, "u", session{Name: strings.Repeat("n", 3000)}, token.ErrTooLarge},
		{"over a small issue bound", []token.Option{token.WithMaxIssuedSize(200)}, "u", aliceSession(), token.ErrTooLarge},
		{"encrypted over the bound", []token.Option{token.WithMaxIssuedSize(560), token.WithEncryption(mustEncKey(t, "e", 1))}, "u", aliceSession(), token.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCodec(t, ks, newClock(), tt.opts...)
			tok, cl, err := c.Issue(tt.sub, tt.payload)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Issue error = %v, want %v", err, tt.wantErr)
			}
			if tok != "" || cl != nil {
				t.Errorf("Issue returned a token or claims with an error")
			}
			if tt.name == "Validate fails" && !errors.Is(err, errNoName) {
				t.Errorf("error %v does not wrap the Validate error", err)
			}
		})
	}
}

// Payload types for TestNewPayloadTypes.
type (
	subCollision struct{ Sub string }
	tagCollision struct {
		X string `json:"exp"`
	}
	caseCollision struct {
		X string `json:"Auth_Time"`
	}
	embeddedInner  struct{ JTI string }
	embedCollision struct{ embeddedInner }
	nonceCollision struct{ Nonce string }
	ignoredField   struct {
		Sub string `json:"-"`
	}
	renamedField struct {
		Sub string `json:"subject"`
	}
	//lint:ignore U1000 the field exists to show unexported fields are skipped
	unexportedField  struct{ sub string }
	nestedIsFine     struct{ Inner struct{ Exp int } }
	embeddedPtrInner struct{ Iss string }
	embedPtr         struct{ *embeddedPtrInner }
	emptyStruct      struct{}
	invalidTag       struct {
		//lint:ignore SA5008 the tag name is invalid on purpose: encoding/json then uses "Sub"
		Sub string `json:"s\\ub"`
	}
	foldedTag struct {
		X string `json:"ſid"` // U+017F folds to s: json decodes it into sid
	}
)

func TestNewPayloadTypes(t *testing.T) {
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	tests := []struct {
		name    string
		newFunc func() error
		wantErr error
	}{
		{"struct", func() error { _, err := token.New[session](ks); return err }, nil},
		{"pointer to struct", func() error { _, err := token.New[*session](ks); return err }, nil},
		{"empty struct", func() error { _, err := token.New[emptyStruct](ks); return err }, nil},
		{"json:\"-\"", func() error { _, err := token.New[ignoredField](ks); return err }, nil},
		{"renamed", func() error { _, err := token.New[renamedField](ks); return err }, nil},
		{"unexported", func() error { _, err := token.New[unexportedField](ks); return err }, nil},
		{"nested names are not top level", func() error { _, err := token.New[nestedIsFine](ks); return err }, nil},
		{"string", func() error { _, err := token.New[string](ks); return err }, token.ErrInvalidType},
		{"map", func() error { _, err := token.New[map[string]any](ks); return err }, token.ErrInvalidType},
		{"any", func() error { _, err := token.New[any](ks); return err }, token.ErrInvalidType},
		{"pointer to pointer", func() error { _, err := token.New[**session](ks); return err }, token.ErrInvalidType},
		{"field Sub", func() error { _, err := token.New[subCollision](ks); return err }, token.ErrInvalidType},
		{"tag exp", func() error { _, err := token.New[tagCollision](ks); return err }, token.ErrInvalidType},
		{"tag differs in case", func() error { _, err := token.New[caseCollision](ks); return err }, token.ErrInvalidType},
		{"embedded struct", func() error { _, err := token.New[embedCollision](ks); return err }, token.ErrInvalidType},
		{"embedded pointer", func() error { _, err := token.New[embedPtr](ks); return err }, token.ErrInvalidType},
		{"nonce", func() error { _, err := token.New[nonceCollision](ks); return err }, token.ErrInvalidType},
		{"invalid tag falls back to the field name", func() error { _, err := token.New[invalidTag](ks); return err }, token.ErrInvalidType},
		{"tag equal under Unicode folding", func() error { _, err := token.New[foldedTag](ks); return err }, token.ErrInvalidType},
		{"pointer to colliding struct", func() error { _, err := token.New[*tagCollision](ks); return err }, token.ErrInvalidType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.newFunc()
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("New error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	e := mustEncKey(t, "e", 1)
	tests := []struct {
		name    string
		keys    *token.KeySet
		opts    []token.Option
		wantErr error // nil: any error
		ok      bool
	}{
		{name: "defaults", keys: ks, ok: true},
		{name: "nil key set", keys: nil, wantErr: token.ErrInvalidKey},
		{name: "zero key set", keys: &token.KeySet{}, wantErr: token.ErrInvalidKey},
		{name: "nil option", keys: ks, opts: []token.Option{nil}},
		{name: "lifetime 0", keys: ks, opts: []token.Option{token.WithLifetime(0)}},
		{name: "lifetime negative", keys: ks, opts: []token.Option{token.WithLifetime(-time.Second)}},
		{name: "lifetime 31 days", keys: ks, opts: []token.Option{token.WithLifetime(31 * 24 * time.Hour)}},
		{name: "lifetime 30 days", keys: ks, opts: []token.Option{token.WithLifetime(30 * 24 * time.Hour)}, ok: true},
		{name: "leeway negative", keys: ks, opts: []token.Option{token.WithLeeway(-time.Second)}},
		{name: "leeway 6m", keys: ks, opts: []token.Option{token.WithLeeway(6 * time.Minute)}},
		{name: "leeway 0", keys: ks, opts: []token.Option{token.WithLeeway(0)}, ok: true},
		{name: "empty issuer", keys: ks, opts: []token.Option{token.WithIssuer("")}},
		{name: "no audience", keys: ks, opts: []token.Option{token.WithAudience()}},
		{name: "empty audience", keys: ks, opts: []token.Option{token.WithAudience("a", "")}},
		{name: "max token size 0", keys: ks, opts: []token.Option{token.WithMaxTokenSize(0)}},
		{name: "max token size 2 MiB", keys: ks, opts: []token.Option{token.WithMaxTokenSize(2 << 20)}},
		{name: "max issued size 0", keys: ks, opts: []token.Option{token.WithMaxIssuedSize(0)}},
		{name: "issued above verify bound", keys: ks, opts: []token.Option{token.WithMaxTokenSize(1000)}},
		{name: "both bounds", keys: ks, opts: []token.Option{token.WithMaxTokenSize(1000), token.WithMaxIssuedSize(1000)}, ok: true},
		{name: "nil clock", keys: ks, opts: []token.Option{token.WithClock(nil)}},
		{name: "nil encryption key", keys: ks, opts: []token.Option{token.WithEncryption(nil)}, wantErr: token.ErrInvalidKey},
		{name: "zero encryption key", keys: ks, opts: []token.Option{token.WithEncryption(&token.EncryptionKey{})}, wantErr: token.ErrInvalidKey},
		{name: "duplicate encryption kid", keys: ks, opts: []token.Option{token.WithEncryption(e, mustEncKey(t, "e", 2))}, wantErr: token.ErrInvalidKey},
		{name: "encryption", keys: ks, opts: []token.Option{token.WithEncryption(e, mustEncKey(t, "old", 2))}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := token.New[session](tt.keys, tt.opts...)
			if tt.ok {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a codec", c, err)
				}
				return
			}
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want an error", c, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("New error = %v, want %v", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "token: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	clk := newClock()
	c := newCodec(t, mustKeySet(t, fixedKey(t, token.HS256)), clk, token.WithLifetime(20*time.Minute))
	if got := c.Lifetime(); got != 20*time.Minute {
		t.Errorf("Lifetime() = %v, want 20m", got)
	}
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("Now() = %v, want %v", got, t0)
	}
	d, err := token.New[session](mustKeySet(t, fixedKey(t, token.HS256)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Lifetime(); got != time.Hour {
		t.Errorf("default Lifetime() = %v, want 1h", got)
	}
}

// pointerPayload has Validate on the pointer receiver.
type pointerPayload struct {
	N int `json:"n"`
}

func (p *pointerPayload) Validate() error {
	if p.N < 0 {
		return errors.New("negative")
	}
	return nil
}

func TestPointerPayload(t *testing.T) {
	ks := mustKeySet(t, fixedKey(t, token.HS256))
	clk := newClock()
	c, err := token.New[*pointerPayload](ks, token.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := c.Issue("u", &pointerPayload{N: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Verify(tok)
	if err != nil || got.Payload == nil || got.Payload.N != 3 {
		t.Fatalf("Verify = %+v, %v; want payload n=3", got, err)
	}
	if _, _, err := c.Issue("u", nil); !errors.Is(err, token.ErrInvalidClaims) {
		t.Errorf("Issue(nil payload) = %v, want ErrInvalidClaims", err)
	}
	if _, _, err := c.Issue("u", &pointerPayload{N: -1}); !errors.Is(err, token.ErrInvalidClaims) {
		t.Errorf("Issue(invalid payload) = %v, want ErrInvalidClaims", err)
	}
	v, err := token.New[pointerPayload](ks, token.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.Issue("u", pointerPayload{N: -1}); !errors.Is(err, token.ErrInvalidClaims) {
		t.Errorf("Issue(invalid value payload, Validate on *T) = %v, want ErrInvalidClaims", err)
	}
}

// selfMarshal writes its own JSON; a registered name in it is caught at Issue.
type selfMarshal struct{ Key string }

func (s selfMarshal) MarshalJSON() ([]byte, error) { return []byte(`{"` + s.Key + `":1}`), nil }

func TestCustomMarshalerPayload(t *testing.T) {
	c, err := token.New[selfMarshal](mustKeySet(t, fixedKey(t, token.HS256)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Issue("u", selfMarshal{Key: "ok"}); err != nil {
		t.Errorf("Issue(ok) = %v", err)
	}
	if _, _, err := c.Issue("u", selfMarshal{Key: "EXP"}); !errors.Is(err, token.ErrInvalidClaims) {
		t.Errorf("Issue(exp) = %v, want ErrInvalidClaims", err)
	}
}

func TestConcurrentVerifyAndSetKeys(t *testing.T) {
	clk := newClock()
	k1, k2 := fixedKey(t, token.HS256), fixedKey(t, token.EdDSA)
	both1, both2 := mustKeySet(t, k1, k2), mustKeySet(t, k2, k1)
	c := newCodec(t, both1, clk)
	tok1, _, err := c.Issue("u", aliceSession())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ks := both1
			if i%2 == 1 {
				ks = both2
			}
			if err := c.SetKeys(ks); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var workers sync.WaitGroup
	for range 8 {
		workers.Go(func() {
			for range 200 {
				if _, err := c.Verify(tok1); err != nil {
					t.Errorf("Verify during rotation: %v", err)
					return
				}
				tok, _, err := c.Issue("v", aliceSession())
				if err != nil {
					t.Errorf("Issue during rotation: %v", err)
					return
				}
				if _, err := c.Verify(tok); err != nil {
					t.Errorf("Verify(fresh) during rotation: %v", err)
					return
				}
			}
		})
	}
	workers.Wait()
	close(stop)
	wg.Wait()
}
