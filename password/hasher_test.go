package password_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/password"
)

// newTestHasher returns a Hasher at cost 4 (through the test-only hook) so tests run in
// milliseconds, without timing headroom: a wrong password is padded to cost 4 at most, not
// to cost 6, which under the race detector would cost seconds per test. The padding tests
// (padding_test.go) ask for the headroom they test.
func newTestHasher(t testing.TB, opts ...password.Option) *password.Hasher {
	t.Helper()
	h, err := password.New(append([]password.Option{password.WithTestCost(4), password.WithTimingHeadroom(0)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// Known answers from Openwall's crypt_blowfish test suite (wrapper.c), the C implementation
// behind PHP's crypt() and password_hash() and several Linux libcs; PHP runs the same
// vectors in ext/standard/tests/crypt/crypt_blowfish.phpt. Each was computed by C code, not
// by x/crypto, and covers one prefix.
var openwallVectors = []struct {
	name, hash, password string
}{
	{"2a U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
	{"2a U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"},
	{"2a U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"},
	{"2a 8-bit", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.6IflQkJytoRVc1yuaNtHfiuq.FRlSIS", "\xa3ab"},
	{"2b 8-bit", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
	{"2b 8-bit repeated", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3"},
	{"2y 8-bit", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
	{"2y 8-bit mixed", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.nRht2l/HRhr6zmCp9vYUvvsqynflf9e", "\xff\xa3345"},
	{"2y 8-bit long", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.o./n25XVfn6oAPaUvHe.Csk4zRfsYPi", "\xff\xa334\xff\xff\xff\xa3345"},
	// The original password has 98 bytes ("...0123456789chars after 72 are ignored"); C
	// bcrypt read the first 72. See TestVerifyRefusesWhatOnlyATruncatedHashMatches.
	{"2a 72 bytes", "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", openwall72},
	// Made with golang.org/x/crypto/bcrypt (which writes $2a$) at cost 4. The $2b$ and $2y$
	// rows are the same hash with the prefix changed by hand, which is valid because all
	// three denote the same algorithm for passwords of at most 72 bytes; they are derived,
	// not produced by OpenBSD or PHP (the Openwall rows above are).
	{"2a x/crypto", "$2a$04$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6", "correct horse battery staple"},
	{"2b derived", "$2b$04$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6", "correct horse battery staple"},
	{"2y derived", "$2y$04$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6", "correct horse battery staple"},
}

const openwall72 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func TestVerifyKnownAnswers(t *testing.T) {
	h := newTestHasher(t)
	ctx := t.Context()
	for _, tc := range openwallVectors {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.Verify(ctx, tc.hash, []byte(tc.password)); err != nil {
				t.Errorf("Verify(right password) = %v, want nil", err)
			}
			wrong := []byte(tc.password + "x")
			if len(wrong) > password.MaxLength {
				wrong = []byte("x" + tc.password[1:])
			}
			if err := h.Verify(ctx, tc.hash, wrong); !errors.Is(err, password.ErrMismatch) {
				t.Errorf("Verify(wrong password) = %v, want ErrMismatch", err)
			}
		})
	}
}

func TestVerifyRefusesWhatOnlyATruncatedHashMatches(t *testing.T) {
	h := newTestHasher(t)
	const hash = "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"
	full := []byte(openwall72 + "chars after 72 are ignored")
	err := h.Verify(t.Context(), hash, full)
	if !errors.Is(err, password.ErrTooLong) || !errors.Is(err, password.ErrMismatch) {
		t.Errorf("Verify(98-byte password) = %v, want ErrTooLong and ErrMismatch", err)
	}
	// An application that migrates such users may truncate deliberately.
	if err := h.Verify(t.Context(), hash, full[:password.MaxLength]); err != nil {
		t.Errorf("Verify(first 72 bytes) = %v, want nil", err)
	}
}

func TestRoundTrip(t *testing.T) {
	h := newTestHasher(t)
	ctx := t.Context()
	tests := []struct{ name, password string }{
		{"ascii", "correct horse battery staple"},
		{"minimum length", "12345678"},
		{"exactly 72 bytes", strings.Repeat("a", password.MaxLength)},
		{"8 non-ASCII characters", "пароль!!"},
		{"emoji", "🔑🔑🔑🔑🔑🔑🔑🔑"},
		{"spaces kept", "  pass word  "},
		{"invalid UTF-8", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hash, err := h.Hash(ctx, []byte(tc.password))
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			if got, want := hash[:7], "$2a$04$"; got != want {
				t.Errorf("hash prefix = %q, want %q", got, want)
			}
			if got, want := len(hash), 60; got != want {
				t.Errorf("len(hash) = %d, want %d", got, want)
			}
			if err := h.Verify(ctx, hash, []byte(tc.password)); err != nil {
				t.Errorf("Verify(right password) = %v, want nil", err)
			}
			for _, wrong := range []string{tc.password[1:], tc.password + "x", strings.ToUpper(tc.password) + "!"} {
				if len(wrong) == 0 || len(wrong) > password.MaxLength {
					continue
				}
				if err := h.Verify(ctx, hash, []byte(wrong)); !errors.Is(err, password.ErrMismatch) {
					t.Errorf("Verify(%q) = %v, want ErrMismatch", wrong, err)
				}
			}
			again, err := h.Hash(ctx, []byte(tc.password))
			if err != nil {
				t.Fatalf("Hash again: %v", err)
			}
			if again == hash {
				t.Error("two hashes of one password are equal, want distinct salts")
			}
		})
	}
}

func TestHashPolicy(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name     string
		opts     []password.Option
		password string
		want     []error // every sentinel the error must match; nil for success
	}{
		{"empty", nil, "", []error{password.ErrEmpty, password.ErrTooShort}},
		{"7 bytes", nil, "1234567", []error{password.ErrTooShort}},
		{"8 bytes", nil, "12345678", nil},
		{"7 non-ASCII characters (14 bytes)", nil, "пароль!", []error{password.ErrTooShort}},
		{"73 bytes", nil, strings.Repeat("a", 73), []error{password.ErrTooLong}},
		{"24 three-byte characters (72 bytes)", nil, strings.Repeat("€", 24), nil},
		{"25 three-byte characters (75 bytes)", nil, strings.Repeat("€", 25), []error{password.ErrTooLong}},
		{"NUL in the middle", nil, "abcd\x00efgh", []error{password.ErrInvalidByte}},
		{"NUL at the end", nil, "abcdefgh\x00", []error{password.ErrInvalidByte}},
		{"NUL only", nil, "\x00", []error{password.ErrInvalidByte}},
		{"min 12, 11 given", []password.Option{password.WithMinLength(12)}, "12345678901", []error{password.ErrTooShort}},
		{"min 12, 12 given", []password.Option{password.WithMinLength(12)}, "123456789012", nil},
		{"min 1, 1 given", []password.Option{password.WithMinLength(1)}, "x", nil},
		{"min 1, empty", []password.Option{password.WithMinLength(1)}, "", []error{password.ErrEmpty, password.ErrTooShort}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHasher(t, tc.opts...)
			hash, err := h.Hash(ctx, []byte(tc.password))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Hash = %v, want nil", err)
				}
				if err := h.Verify(ctx, hash, []byte(tc.password)); err != nil {
					t.Errorf("Verify = %v, want nil", err)
				}
				return
			}
			if hash != "" {
				t.Errorf("Hash returned %q with an error, want \"\"", hash)
			}
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Hash = %v, want it to match %v", err, want)
				}
			}
		})
	}
}

func TestVerifyPasswordRefusals(t *testing.T) {
	h := newTestHasher(t)
	ctx := t.Context()
	hash, err := h.Hash(ctx, []byte("abcdefgh"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		password []byte
		reason   error
	}{
		{"nil", nil, password.ErrEmpty},
		{"empty", []byte{}, password.ErrEmpty},
		{"73 bytes", []byte(strings.Repeat("a", 73)), password.ErrTooLong},
		{"huge", make([]byte, 1<<20), password.ErrTooLong},
		// Go's bcrypt would hash the NUL and what follows; C's would stop at the NUL and
		// accept "abcdefgh\x00anything" for the hash of "abcdefgh".
		{"NUL after the real password", []byte("abcdefgh\x00"), password.ErrInvalidByte},
		{"NUL in the middle", []byte("abcd\x00efgh"), password.ErrInvalidByte},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, verify := range []struct {
				name string
				err  error
			}{
				{"Verify", h.Verify(ctx, hash, tc.password)},
				{"VerifyDummy", h.VerifyDummy(ctx, tc.password)},
			} {
				if !errors.Is(verify.err, tc.reason) || !errors.Is(verify.err, password.ErrMismatch) {
					t.Errorf("%s = %v, want %v and ErrMismatch", verify.name, verify.err, tc.reason)
				}
			}
		})
	}

	t.Run("short legacy password still verifies", func(t *testing.T) {
		// "U*U" is 3 bytes, below DefaultMinLength; Hash would refuse it, Verify must not.
		if err := h.Verify(ctx, openwallVectors[0].hash, []byte("U*U")); err != nil {
			t.Errorf("Verify = %v, want nil", err)
		}
	})
}

func TestVerifyMalformedHash(t *testing.T) {
	h := newTestHasher(t)
	const good = "$2a$04$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6"
	pw := []byte("correct horse battery staple")
	if err := h.Verify(t.Context(), good, pw); err != nil {
		t.Fatalf("Verify(good) = %v, want nil", err)
	}
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"truncated by one", good[:59]},
		{"truncated to the salt", good[:29]},
		{"prefix only", "$2a$"},
		{"trailing newline", good + "\n"},
		{"trailing space", good + " "},
		{"leading space", " " + good[:59]},
		// Known answers in the refused formats, which x/crypto would compute differently.
		// $2$ (Perl's Crypt::Eksblowfish test data) is the hash of "0" without the NUL in the
		// key schedule; $2x$ (Openwall) is the buggy hash of "\xa3".
		{"$2$ original format", "$2$07$abcdefghijklmnopkC2SI.7Q0nVrcMF4umRv5Pk5vDi0GlDI.lLE."},
		{"$2x$ buggy crypt_blowfish", "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
		{"$2$ with a 60-byte body", "$2$04" + good[6:] + "x"},
		{"$2x$ made from a good hash", "$2x$" + good[4:]},
		{"$2c$ unknown minor", "$2c$" + good[4:]},
		{"$3a$ unknown major", "$3a$" + good[4:]},
		{"uppercase minor", "$2A$" + good[4:]},
		{"no leading $", "x2a$" + good[4:]},
		{"md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/" + strings.Repeat(".", 26)},
		{"cost with letter", "$2a$0a$" + good[7:]},
		{"cost with sign", "$2a$-4$" + good[7:]},
		{"cost 03", "$2a$03$" + good[7:]},
		{"cost 00", "$2a$00$" + good[7:]},
		{"cost 32", "$2a$32$" + good[7:]},
		{"cost 99", "$2a$99$" + good[7:]},
		{"one-digit cost", "$2a$4$" + good[7:] + "x"},
		{"no $ after cost", "$2a$04x" + good[7:]},
		{"non-ASCII in salt", good[:10] + "é" + good[12:]},
		{"non-ASCII in hash", good[:58] + "\xff"},
		{"standard base64 '+'", good[:20] + "+" + good[21:]},
		{"padding '='", good[:59] + "="},
		{"NUL byte", good[:30] + "\x00" + good[31:]},
		{"all dots of wrong length", strings.Repeat(".", 61)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Verify(t.Context(), tc.hash, pw)
			if !errors.Is(err, password.ErrMalformedHash) {
				t.Errorf("Verify = %v, want ErrMalformedHash", err)
			}
			if errors.Is(err, password.ErrMismatch) {
				t.Errorf("Verify = %v, must not match ErrMismatch (a server problem, not bad credentials)", err)
			}
			if len(tc.hash) > 20 && strings.Contains(err.Error(), tc.hash[7:20]) {
				t.Errorf("error %q quotes the hash, want it never to", err)
			}
			if !h.NeedsRehash(tc.hash) {
				t.Error("NeedsRehash = false, want true for a malformed hash")
			}
		})
	}
}

func TestVerifyCostCeiling(t *testing.T) {
	const salted = "$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6"
	tests := []struct {
		name   string
		cost   string
		hasher *password.Hasher
	}{
		// These hashes are refused before any bcrypt work; if they were not, the test would
		// run for minutes (cost 20) to days (cost 31).
		{"cost 31 at configured 4", "31", newTestHasher(t)},
		{"cost 15 at configured 4 (ceiling 14)", "15", newTestHasher(t)},
		{"cost 20 at configured 12 (ceiling 14)", "20", mustNew(t)},
		{"cost 17 at configured 14 (ceiling 16)", "17", mustNew(t, password.WithCost(14))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.hasher.Verify(t.Context(), "$2b$"+tc.cost+salted, []byte("password"))
			if !errors.Is(err, password.ErrCostTooHigh) {
				t.Errorf("Verify = %v, want ErrCostTooHigh", err)
			}
			if errors.Is(err, password.ErrMismatch) || errors.Is(err, password.ErrMalformedHash) {
				t.Errorf("Verify = %v, want only ErrCostTooHigh", err)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h12 := mustNew(t) // NeedsRehash does no bcrypt work, so the default cost is cheap here
	h4 := newTestHasher(t)
	const tail = "$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6"
	tests := []struct {
		name   string
		hasher *password.Hasher
		hash   string
		want   bool
	}{
		{"same cost", h12, "$2a$12" + tail, false},
		{"same cost, $2b$", h12, "$2b$12" + tail, false},
		{"same cost, $2y$", h12, "$2y$12" + tail, false},
		{"lower cost: upgrade", h12, "$2a$10" + tail, true},
		{"legacy cost 5", h12, openwallVectors[0].hash, true},
		{"higher cost: downgrade", h12, "$2a$13" + tail, true},
		{"malformed", h12, "not a hash", true},
		{"empty", h12, "", true},
		{"$2x$", h12, "$2x$12" + tail, true},
		{"test cost 4, same", h4, "$2a$04" + tail, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.hasher.NeedsRehash(tc.hash); got != tc.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCostUpgrade walks the whole upgrade: a hash made at an old cost verifies, NeedsRehash
// asks for a new one, and the new one no longer needs rehashing.
func TestCostUpgrade(t *testing.T) {
	ctx := t.Context()
	old := newTestHasher(t)
	current := newTestHasher(t, password.WithTestCost(5))
	pw := []byte("correct horse battery staple")
	hash, err := old.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := current.Verify(ctx, hash, pw); err != nil {
		t.Fatalf("Verify(old hash) = %v, want nil", err)
	}
	if !current.NeedsRehash(hash) {
		t.Fatal("NeedsRehash(cost 4 hash) at cost 5 = false, want true")
	}
	hash, err = current.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if current.NeedsRehash(hash) {
		t.Error("NeedsRehash(new hash) = true, want false")
	}
	if got, want := hash[:7], "$2a$05$"; got != want {
		t.Errorf("new hash prefix = %q, want %q", got, want)
	}
}

func mustNew(t testing.TB, opts ...password.Option) *password.Hasher {
	t.Helper()
	h, err := password.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     []password.Option
		wantErr  error
		wantCost int
	}{
		{"defaults", nil, nil, password.DefaultCost},
		{"cost MinCost", []password.Option{password.WithCost(password.MinCost)}, nil, password.MinCost},
		{"cost 31", []password.Option{password.WithCost(31)}, nil, 31},
		{"last option wins", []password.Option{password.WithCost(13), password.WithCost(11)}, nil, 11},
		{"cost below floor", []password.Option{password.WithCost(password.MinCost - 1)}, password.ErrInvalidCost, 0},
		{"cost 4", []password.Option{password.WithCost(4)}, password.ErrInvalidCost, 0},
		{"cost 0", []password.Option{password.WithCost(0)}, password.ErrInvalidCost, 0},
		{"cost 32", []password.Option{password.WithCost(32)}, password.ErrInvalidCost, 0},
		{"min length 0", []password.Option{password.WithMinLength(0)}, password.ErrInvalidOption, 0},
		{"min length 73", []password.Option{password.WithMinLength(73)}, password.ErrInvalidOption, 0},
		{"min length 72", []password.Option{password.WithMinLength(72)}, nil, password.DefaultCost},
		{"concurrency 0", []password.Option{password.WithConcurrency(0)}, password.ErrInvalidOption, 0},
		{"concurrency -1", []password.Option{password.WithConcurrency(-1)}, password.ErrInvalidOption, 0},
		{"concurrency 1", []password.Option{password.WithConcurrency(1)}, nil, password.DefaultCost},
		{"nil option", []password.Option{nil}, password.ErrInvalidOption, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := password.New(tc.opts...)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || h != nil {
					t.Errorf("New = %v, %v; want nil, %v", h, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New = %v, want nil", err)
			}
			if got := h.Cost(); got != tc.wantCost {
				t.Errorf("Cost() = %d, want %d", got, tc.wantCost)
			}
		})
	}
}

func TestZeroHasherIsDefault(t *testing.T) {
	var zero password.Hasher
	var nilHasher *password.Hasher
	for name, h := range map[string]*password.Hasher{"zero": &zero, "nil": nilHasher} {
		if got, want := h.Cost(), password.DefaultCost; got != want {
			t.Errorf("%s: Cost() = %d, want %d", name, got, want)
		}
		if h.NeedsRehash("$2a$12$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6") {
			t.Errorf("%s: NeedsRehash(cost 12) = true, want false", name)
		}
		// A cheap refusal proves the methods work without spending cost-12 time.
		if err := h.Verify(t.Context(), "garbage", []byte("x")); !errors.Is(err, password.ErrMalformedHash) {
			t.Errorf("%s: Verify(garbage) = %v, want ErrMalformedHash", name, err)
		}
	}
}

// TestPackageLevel checks the package-level functions without spending cost-12 time;
// ExampleHash does one round trip at the default cost.
func TestPackageLevel(t *testing.T) {
	ctx := t.Context()
	v := openwallVectors[0]
	if err := password.Verify(ctx, v.hash, []byte(v.password)); err != nil {
		t.Errorf("Verify(known answer) = %v, want nil", err)
	}
	// The default Hasher pads a mismatch to a cost-14 comparison's time: a deadline cuts
	// the wait short, and the answer is still a mismatch.
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := password.Verify(short, v.hash, []byte("U*U*")); !errors.Is(err, password.ErrMismatch) {
		t.Errorf("Verify(wrong) = %v, want ErrMismatch", err)
	}
	if _, err := password.Hash(ctx, []byte("short")); !errors.Is(err, password.ErrTooShort) {
		t.Errorf("Hash(short) = %v, want ErrTooShort", err)
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newTestHasher(t)
	ctx := t.Context()
	if got, want := password.DummyHash(h)[:7], "$2a$04$"; got != want {
		t.Errorf("dummy hash prefix = %q, want %q (the configured cost)", got, want)
	}
	if _, err := password.ParseHash(password.DummyHash(h)); err != nil {
		t.Errorf("dummy hash does not parse: %v", err)
	}
	for _, pw := range []string{"correct horse battery staple", "x", "12345678", strings.Repeat("a", 72)} {
		if err := h.VerifyDummy(ctx, []byte(pw)); err != password.ErrMismatch {
			t.Errorf("VerifyDummy(%q) = %v, want exactly ErrMismatch", pw, err)
		}
	}
}

// TestConcurrencyBound holds every slot of a Hasher with bound 1 and checks that callers
// who wait get ErrBusy with their context's error, and that work resumes once a slot frees.
func TestConcurrencyBound(t *testing.T) {
	h := newTestHasher(t, password.WithConcurrency(1))
	hash, err := h.Hash(t.Context(), []byte("abcdefgh"))
	if err != nil {
		t.Fatal(err)
	}
	pw := []byte("abcdefgh")
	ops := map[string]func(context.Context) error{
		"Hash":        func(ctx context.Context) error { _, err := h.Hash(ctx, pw); return err },
		"Verify":      func(ctx context.Context) error { return h.Verify(ctx, hash, pw) },
		"VerifyDummy": func(ctx context.Context) error { return h.VerifyDummy(ctx, pw) },
	}

	release := password.HoldSlot(h)

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for name, op := range ops {
		err := op(cancelled)
		if !errors.Is(err, password.ErrBusy) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s(cancelled ctx) = %v, want ErrBusy and context.Canceled", name, err)
		}
		if errors.Is(err, password.ErrMismatch) {
			t.Errorf("%s(cancelled ctx) = %v, must not match ErrMismatch", name, err)
		}
	}

	expired, cancelExpired := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancelExpired()
	for name, op := range ops {
		if err := op(expired); !errors.Is(err, password.ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s(expired ctx) = %v, want ErrBusy and context.DeadlineExceeded", name, err)
		}
	}

	// Callers already waiting when their context ends give up too.
	waiting, cancelWaiting := context.WithCancel(t.Context())
	results := make(chan error, len(ops))
	for _, op := range ops {
		go func() { results <- op(waiting) }()
	}
	cancelWaiting()
	for range ops {
		if err := <-results; !errors.Is(err, password.ErrBusy) || !errors.Is(err, context.Canceled) {
			t.Errorf("waiting op = %v, want ErrBusy and context.Canceled", err)
		}
	}

	// A live caller waits for the slot and then proceeds.
	done := make(chan error, 1)
	go func() { done <- h.Verify(context.Background(), hash, pw) }()
	release()
	if err := <-done; err != nil {
		t.Errorf("Verify after release = %v, want nil", err)
	}
}

// TestConcurrencyBoundBlocksLiveCallers: while the only slot is held, Hash, Verify and
// VerifyDummy with a live context wait; each proceeds once the slot is free. (Removing the
// bound makes each return within milliseconds at cost 4.)
func TestConcurrencyBoundBlocksLiveCallers(t *testing.T) {
	h := newTestHasher(t, password.WithConcurrency(1))
	pw := []byte("abcdefgh")
	hash, err := h.Hash(t.Context(), pw)
	if err != nil {
		t.Fatal(err)
	}
	ops := []struct {
		name string
		run  func() error
		want error
	}{
		{"Hash", func() error { _, err := h.Hash(context.Background(), pw); return err }, nil},
		{"Verify", func() error { return h.Verify(context.Background(), hash, pw) }, nil},
		{"VerifyDummy", func() error { return h.VerifyDummy(context.Background(), pw) }, password.ErrMismatch},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			release := password.HoldSlot(h)
			done := make(chan error, 1)
			go func() { done <- op.run() }()
			select {
			case err := <-done:
				release()
				t.Fatalf("%s returned (%v) while the only slot was held, want it to wait", op.name, err)
			case <-time.After(200 * time.Millisecond):
			}
			release()
			if err := <-done; !errors.Is(err, op.want) || (op.want == nil) != (err == nil) {
				t.Errorf("%s after release = %v, want %v", op.name, err, op.want)
			}
		})
	}
}

// TestDummyHashHasTheHashersCost: the dummy hash is at the Hasher's own cost, whatever it
// is (New builds it without bcrypt work, so even cost 31 is free to check).
func TestDummyHashHasTheHashersCost(t *testing.T) {
	for _, opts := range [][]password.Option{
		{password.WithTestCost(4)}, {password.WithTestCost(5)}, {password.WithCost(password.MinCost)},
		{}, {password.WithCost(13)}, {password.WithCost(31)},
	} {
		h := mustNew(t, opts...)
		cost, err := password.ParseHash(password.DummyHash(h))
		if err != nil {
			t.Fatalf("cost %d: dummy hash does not parse: %v", h.Cost(), err)
		}
		if cost != h.Cost() {
			t.Errorf("dummy hash of a cost-%d Hasher has cost %d, want %d", h.Cost(), cost, h.Cost())
		}
	}
}

// TestConcurrentUse shares one Hasher between goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	h := newTestHasher(t, password.WithConcurrency(2))
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			pw := []byte(strings.Repeat(string(rune('a'+i)), 10))
			hash, err := h.Hash(ctx, pw)
			if err != nil {
				t.Errorf("Hash: %v", err)
				return
			}
			if err := h.Verify(ctx, hash, pw); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := h.VerifyDummy(ctx, pw); !errors.Is(err, password.ErrMismatch) {
				t.Errorf("VerifyDummy = %v, want ErrMismatch", err)
			}
			_ = h.NeedsRehash(hash)
		})
	}
	wg.Wait()
}

func TestNilContext(t *testing.T) {
	h := newTestHasher(t)
	//lint:ignore SA1012 a nil context must not panic
	hash, err := h.Hash(nil, []byte("abcdefgh"))
	if err != nil {
		t.Fatalf("Hash(nil ctx) = %v", err)
	}
	//lint:ignore SA1012 a nil context must not panic
	if err := h.Verify(nil, hash, []byte("abcdefgh")); err != nil {
		t.Errorf("Verify(nil ctx) = %v, want nil", err)
	}
}
