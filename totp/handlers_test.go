package totp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/totp"
)

func TestEnrolAndConfirm(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(t) // no second factor yet: a session
	if code, _ := b.me(t); code != http.StatusOK {
		t.Fatalf("signed in with a password: /me %d", code)
	}
	code, out := b.json(t, "/2fa/enrol", nil)
	if code != http.StatusOK {
		t.Fatalf("enrol: %d %v", code, out)
	}
	uri := out["otpauth_uri"].(string)
	key, err := totp.ParseURI(uri)
	if err != nil || key.Issuer != "Example" || key.Account != email || key.Secret.Base32() != out["secret"] {
		t.Fatalf("enrol URI %s: %v", uri, err)
	}
	img, _ := base64.StdEncoding.DecodeString(out["qr_png"].(string))
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("qr_png is not a PNG: %v", err)
	}
	qr := b.do("GET", "/2fa/qr.png", "", "")
	if qr.Code != http.StatusOK || qr.Header().Get("Content-Type") != "image/png" || qr.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("QR route: %d %q %q", qr.Code, qr.Header().Get("Content-Type"), qr.Header().Get("Cache-Control"))
	}
	if on, _ := e.factor.Enabled(t.Context(), "user-1"); on {
		t.Fatal("enabled before a confirming code")
	}
	// A wrong code does not switch it on.
	if code, out := b.json(t, "/2fa/confirm", map[string]string{"code": e.wrong(t, key.Secret)}); code != http.StatusUnauthorized || out["error"] != "invalid_code" {
		t.Errorf("wrong confirming code: %d %v", code, out)
	}
	if code, out := b.json(t, "/2fa/confirm", map[string]string{"code": "7k2m-9qxd-4v8r-hc3n"}); code != http.StatusBadRequest || out["error"] != "malformed_code" {
		t.Errorf("recovery code to confirm: %d %v", code, out)
	}
	code, out = b.json(t, "/2fa/confirm", map[string]string{"code": e.code(t, key.Secret, 0)})
	if code != http.StatusOK || out["enabled"] != true || len(out["recovery_codes"].([]any)) != totp.RecoveryCodes {
		t.Fatalf("confirm: %d %v", code, out)
	}
	if on, _ := e.factor.Enabled(t.Context(), "user-1"); !on {
		t.Fatal("not enabled after a confirming code")
	}
	// The secret is never shown again.
	if qr := b.do("GET", "/2fa/qr.png", "", ""); qr.Code != http.StatusNotFound {
		t.Errorf("QR after confirmation: %d, want 404", qr.Code)
	}
	if code, out := b.json(t, "/2fa/enrol", nil); code != http.StatusConflict || out["error"] != "already_enabled" {
		t.Errorf("enrol again: %d %v", code, out)
	}
	// Confirming again, with a fresh right code, hands out no new recovery codes: that is
	// RecoveryCodesHandler's job, which says so in the events.
	before, _ := e.store.Get(t.Context(), "user-1")
	e.clk.Advance(30 * time.Second)
	if code, out := b.json(t, "/2fa/confirm", map[string]string{"code": e.code(t, key.Secret, 0)}); code != http.StatusConflict || out["error"] != "already_enabled" || out["recovery_codes"] != nil {
		t.Errorf("confirm again: %d %v, want 409 already_enabled", code, out)
	}
	if after, _ := e.store.Get(t.Context(), "user-1"); !slices.Equal(after.RecoveryHashes, before.RecoveryHashes) {
		t.Error("confirming again replaced the recovery codes")
	}
	if !slices.Contains(e.eventKinds(), totp.EventEnabled) {
		t.Errorf("events %v lack %s", e.eventKinds(), totp.EventEnabled)
	}
}

func TestLoginWithCode(t *testing.T) {
	e := newEnv(t)
	secret, _, _ := e.enrolled(t)
	b := e.browser()
	out := b.login(t)
	if out["second_factor_required"] != true || out["second_factor_path"] != "/login/2fa" {
		t.Fatalf("password login of an account with 2FA: %v", out)
	}
	if code, _ := b.me(t); code != http.StatusUnauthorized {
		t.Fatalf("after the password only: /me %d, want 401", code)
	}
	code, out := b.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, 0)})
	if code != http.StatusOK || out["method"] != "totp" || out["subject"] != "user-1" {
		t.Fatalf("second step: %d %v", code, out)
	}
	code, me := b.me(t)
	if code != http.StatusOK {
		t.Fatalf("after the second step: /me %d", code)
	}
	if amr := me["amr"].([]any); len(amr) != 3 || amr[0] != "pwd" || amr[1] != "otp" || amr[2] != "mfa" {
		t.Errorf("amr = %v, want [pwd otp mfa]", amr)
	}
	if _, ok := b.cookies[middleware.DefaultCookieName+"-pending"]; ok {
		t.Error("the pending cookie outlived the second step")
	}
}

func TestSecondStepForm(t *testing.T) {
	e := newEnv(t)
	secret, _, _ := e.enrolled(t)
	b := e.browser()
	rec := b.form("/login", url.Values{"email": {email}, "password": {pass}, "next": {"/settings"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login/2fa?next=%2Fsettings" {
		t.Fatalf("form login: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = b.form("/login/2fa", url.Values{"code": {e.wrong(t, secret)}, "next": {"/settings"}})
	if rec.Code != http.StatusUnauthorized || rec.Body.String() != "page second_step invalid_code" {
		t.Fatalf("wrong code: %d %q", rec.Code, rec.Body.String())
	}
	e.mu.Lock()
	last := e.pages[len(e.pages)-1]
	e.mu.Unlock()
	if last.TriesLeft != middleware.DefaultPendingTries-1 || last.Next != "/settings" || last.Message == "" {
		t.Errorf("page %+v: want tries left, next and a message", last)
	}
	rec = b.form("/login/2fa", url.Values{"code": {e.code(t, secret, 0)}, "next": {"/settings"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/settings" {
		t.Fatalf("right code: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = b.form("/login/2fa", url.Values{"code": {e.code(t, secret, 0)}, "next": {"https://evil.example/"}})
	if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Body.String(), "page sign_in_again") {
		t.Errorf("second step without a pending login: %d %q", rec.Code, rec.Body.String())
	}
}

func TestCodeReplayRefused(t *testing.T) {
	e := newEnv(t)
	secret, _, _ := e.enrolled(t)
	code := e.code(t, secret, 0)
	a := e.browser()
	a.login(t)
	if status, out := a.json(t, "/login/2fa", map[string]string{"code": code}); status != http.StatusOK {
		t.Fatalf("first use: %d %v", status, out)
	}
	// Another login within the code's window (an attacker who saw it): refused.
	e.clk.Advance(20 * time.Second)
	b := e.browser()
	b.login(t)
	if status, out := b.json(t, "/login/2fa", map[string]string{"code": code}); status != http.StatusUnauthorized || out["error"] != "code_used" {
		t.Fatalf("replayed code: %d %v, want 401 code_used", status, out)
	}
	if status, _ := b.me(t); status != http.StatusUnauthorized {
		t.Error("a replayed code gave a session")
	}
	// Once a code is accepted, the previous step's code (still in the window) is spent too.
	e.clk.Advance(40 * time.Second)
	older, newer := e.code(t, secret, -1), e.code(t, secret, 0)
	c := e.browser()
	c.login(t)
	if status, out := c.json(t, "/login/2fa", map[string]string{"code": newer}); status != http.StatusOK {
		t.Fatalf("current code: %d %v", status, out)
	}
	d := e.browser()
	d.login(t)
	if status, out := d.json(t, "/login/2fa", map[string]string{"code": older}); status != http.StatusUnauthorized || out["error"] != "code_used" {
		t.Errorf("older code after a newer one: %d %v, want 401 code_used", status, out)
	}
	// A code of the next step (a phone whose clock runs ahead) spends both earlier steps of the
	// window, the oldest included, not just the one before it.
	e.clk.Advance(5 * time.Minute)
	ahead, oldest := e.code(t, secret, 1), e.code(t, secret, -1)
	f := e.browser()
	f.login(t)
	if status, out := f.json(t, "/login/2fa", map[string]string{"code": ahead}); status != http.StatusOK {
		t.Fatalf("next step's code: %d %v", status, out)
	}
	g := e.browser()
	g.login(t)
	if status, out := g.json(t, "/login/2fa", map[string]string{"code": oldest}); status != http.StatusUnauthorized || out["error"] != "code_used" {
		t.Errorf("oldest code of the window after the next step's: %d %v, want 401 code_used", status, out)
	}
}

// TestNearMissCodesRefused checks that the whole code is compared: a code one digit off the
// right one, at any position, is refused.
func TestNearMissCodesRefused(t *testing.T) {
	e := newEnv(t, totp.WithLimiter(middleware.NewMemoryLimiter(100, time.Hour, nil)))
	secret, _, _ := e.enrolled(t)
	right := e.code(t, secret, 0)
	window := []string{e.code(t, secret, -1), right, e.code(t, secret, 1)}
	for i := range right {
		near := []byte(right)
		near[i] = '0' + (near[i]-'0'+1)%10
		if slices.Contains(window, string(near)) {
			continue // another step's code, by chance
		}
		if _, err := e.factor.Check(t.Context(), "user-1", string(near)); !errors.Is(err, totp.ErrInvalidCode) {
			t.Errorf("code with digit %d changed: %v, want ErrInvalidCode", i, err)
		}
	}
	if _, err := e.factor.Check(t.Context(), "user-1", right); err != nil {
		t.Errorf("the right code after near misses: %v", err)
	}
}

// faulty is a single-use store and a limiter that work until down is set, then fail every call.
type faulty struct {
	down    atomic.Bool
	once    middleware.OnceStore
	limiter middleware.Limiter
}

var errDown = errors.New("store down")

func (f *faulty) Use(ctx context.Context, key string, until time.Time) (bool, error) {
	if f.down.Load() {
		return false, errDown
	}
	return f.once.Use(ctx, key, until)
}

func (f *faulty) Hit(ctx context.Context, key middleware.ThrottleKey) (time.Duration, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.limiter.Hit(ctx, key)
}

func (f *faulty) Reset(ctx context.Context, key middleware.ThrottleKey) error {
	if f.down.Load() {
		return errDown
	}
	return f.limiter.Reset(ctx, key)
}

// TestFailsClosed checks that a right code is refused, 503, while the single-use store or the
// limiter is down: accepting it would let a replayed or guessed code through.
func TestFailsClosed(t *testing.T) {
	for _, c := range []struct {
		name     string
		opt      func(*faulty) totp.Option
		recovery bool
	}{
		{"single-use store", func(f *faulty) totp.Option { return totp.WithOnceStore(f) }, false},
		{"limiter, TOTP code", func(f *faulty) totp.Option { return totp.WithLimiter(f) }, false},
		{"limiter, recovery code", func(f *faulty) totp.Option { return totp.WithLimiter(f) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &faulty{}
			e := newEnv(t, c.opt(f))
			f.once, f.limiter = e.sessions.OnceStore(), middleware.NewMemoryLimiter(100, time.Hour, e.clk.Now)
			secret, recovery, _ := e.enrolled(t)
			code := e.code(t, secret, 0)
			if c.recovery {
				code = recovery[0]
			}
			f.down.Store(true)
			b := e.browser()
			b.login(t)
			if status, out := b.json(t, "/login/2fa", map[string]string{"code": code}); status != http.StatusServiceUnavailable || out["error"] != "unavailable" {
				t.Errorf("right code with the %s down: %d %v, want 503 unavailable", c.name, status, out)
			}
			if status, _ := b.me(t); status != http.StatusUnauthorized {
				t.Errorf("a session with the %s down", c.name)
			}
			if _, err := e.factor.Check(t.Context(), "user-1", code); !errors.Is(err, totp.ErrUnavailable) {
				t.Errorf("Check with the %s down: %v, want ErrUnavailable", c.name, err)
			}
		})
	}
}

func TestCodeWindow(t *testing.T) {
	e := newEnv(t)
	secret, _, _ := e.enrolled(t)
	for _, c := range []struct {
		steps int
		ok    bool
	}{{-3, false}, {-2, false}, {2, false}, {-1, true}, {1, true}} {
		e.clk.Advance(5 * time.Minute) // a fresh window each time, and past the throttle
		b := e.browser()
		b.login(t)
		status, out := b.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, c.steps)})
		if (status == http.StatusOK) != c.ok {
			t.Errorf("code %+d steps away: %d %v, want accepted %v", c.steps, status, out, c.ok)
		}
	}
}

func TestSecondStepThrottled(t *testing.T) {
	e := newEnv(t)
	secret, _, _ := e.enrolled(t)
	// Wrong guesses spread over fresh pending logins still count per account.
	for i := range totp.DefaultAttempts {
		b := e.browser()
		b.login(t)
		if status, out := b.json(t, "/login/2fa", map[string]string{"code": e.wrong(t, secret)}); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %v", i+1, status, out)
		}
	}
	b := e.browser()
	b.login(t)
	raw, _ := b.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, 0)})
	if raw != http.StatusTooManyRequests {
		t.Fatalf("right code after %d wrong ones: %d, want 429", totp.DefaultAttempts, raw)
	}
	rec := b.do("POST", "/login/2fa", "application/json", `{"code":"`+e.code(t, secret, 0)+`"}`)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("throttled: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if !slices.Contains(e.eventKinds(), middleware.EventLoginThrottled) {
		t.Errorf("events %v lack %s", e.eventKinds(), middleware.EventLoginThrottled)
	}
	// The window passes: the right code works again.
	e.clk.Advance(totp.DefaultWindow)
	c := e.browser()
	c.login(t)
	if status, out := c.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, 0)}); status != http.StatusOK {
		t.Errorf("after the window: %d %v", status, out)
	}
}

// TestRecoveryCodesThrottled checks that recovery code guesses are throttled per account as
// TOTP codes are: 80 bits are not guessed, but unthrottled tries would still cost nothing.
func TestRecoveryCodesThrottled(t *testing.T) {
	e := newEnv(t)
	_, recovery, _ := e.enrolled(t)
	for i := range totp.DefaultAttempts {
		b := e.browser()
		b.login(t)
		if status, out := b.json(t, "/login/2fa", map[string]string{"code": "0000-0000-0000-000" + string(rune('0'+i))}); status != http.StatusUnauthorized || out["error"] != "invalid_code" {
			t.Fatalf("wrong recovery code %d: %d %v", i+1, status, out)
		}
	}
	b := e.browser()
	b.login(t)
	if status, out := b.json(t, "/login/2fa", map[string]string{"code": recovery[0]}); status != http.StatusTooManyRequests {
		t.Fatalf("right recovery code after %d wrong ones: %d %v, want 429", totp.DefaultAttempts, status, out)
	}
	// The refused code was not used up: it works once the window has passed.
	e.clk.Advance(totp.DefaultWindow)
	c := e.browser()
	c.login(t)
	if status, out := c.json(t, "/login/2fa", map[string]string{"code": recovery[0]}); status != http.StatusOK {
		t.Errorf("after the window: %d %v", status, out)
	}
}

func TestPendingTriesThroughHandler(t *testing.T) {
	e := newEnv(t, totp.WithLimiter(middleware.NewMemoryLimiter(100, time.Hour, nil)))
	secret, _, _ := e.enrolled(t)
	b := e.browser()
	b.login(t)
	// A malformed code costs no try.
	if status, out := b.json(t, "/login/2fa", map[string]string{"code": "12ab"}); status != http.StatusBadRequest || out["error"] != "malformed_code" {
		t.Fatalf("malformed: %d %v", status, out)
	}
	first := b.cookies[middleware.DefaultCookieName+"-pending"]
	for i := 1; i <= middleware.DefaultPendingTries; i++ {
		status, out := b.json(t, "/login/2fa", map[string]string{"code": e.wrong(t, secret)})
		left := middleware.DefaultPendingTries - i
		want := "invalid_code"
		if left == 0 {
			want = "pending_login_exhausted"
		}
		if status != http.StatusUnauthorized || out["error"] != want || out["tries_left"] != float64(left) {
			t.Fatalf("try %d: %d %v, want 401 %s with %d left", i, status, out, want, left)
		}
	}
	if status, out := b.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, 0)}); status != http.StatusUnauthorized || out["error"] != "no_pending_login" {
		t.Errorf("right code after the last try: %d %v", status, out)
	}
	// Replaying the first credential does not buy tries.
	b.cookies[middleware.DefaultCookieName+"-pending"] = first
	if status, out := b.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, 0)}); status != http.StatusConflict || out["error"] != "pending_login_used" {
		t.Errorf("replayed first credential: %d %v", status, out)
	}
	if status, _ := b.me(t); status != http.StatusUnauthorized {
		t.Error("a session after the tries ran out")
	}
}

func TestPendingExpiredThroughHandler(t *testing.T) {
	e := newEnv(t)
	secret, _, _ := e.enrolled(t)
	b := e.browser()
	b.login(t)
	e.clk.Advance(middleware.DefaultPendingLifetime)
	if status, out := b.json(t, "/login/2fa", map[string]string{"code": e.code(t, secret, 0)}); status != http.StatusUnauthorized || out["error"] != "pending_login_expired" {
		t.Errorf("expired pending login: %d %v", status, out)
	}
}

func TestRecoveryCodeLogin(t *testing.T) {
	e := newEnv(t)
	_, recovery, _ := e.enrolled(t)
	b := e.browser()
	b.login(t)
	status, out := b.json(t, "/login/2fa", map[string]string{"code": strings.ToUpper(recovery[3])})
	if status != http.StatusOK || out["method"] != "recovery_code" || out["recovery_codes_left"] != float64(totp.RecoveryCodes-1) {
		t.Fatalf("recovery code: %d %v", status, out)
	}
	if !slices.Contains(e.eventKinds(), totp.EventRecoveryCodeUsed) {
		t.Errorf("events %v lack %s", e.eventKinds(), totp.EventRecoveryCodeUsed)
	}
	c := e.browser()
	c.login(t)
	if status, out := c.json(t, "/login/2fa", map[string]string{"code": recovery[3]}); status != http.StatusUnauthorized || out["error"] != "invalid_code" {
		t.Errorf("the same recovery code again: %d %v, want 401 invalid_code", status, out)
	}
}

func TestParallelSecondStepsOneCode(t *testing.T) {
	e := newEnv(t, totp.WithLimiter(middleware.NewMemoryLimiter(100, time.Hour, nil)))
	secret, _, _ := e.enrolled(t)
	code := e.code(t, secret, 0)
	var browsers []*browser
	for range 8 {
		b := e.browser()
		b.login(t)
		browsers = append(browsers, b)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for _, b := range browsers {
		wg.Go(func() {
			if rec := b.do("POST", "/login/2fa", "application/json", `{"code":"`+code+`"}`); rec.Code == http.StatusOK {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("one code in 8 parallel second steps: %d sessions, want 1", wins.Load())
	}
}

func TestDisable(t *testing.T) {
	e := newEnv(t)
	secret, recovery, b := e.enrolled(t)
	if status, out := b.json(t, "/2fa/disable", map[string]string{"code": e.wrong(t, secret)}); status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d %v", status, out)
	}
	if on, _ := e.factor.Enabled(t.Context(), "user-1"); !on {
		t.Fatal("a wrong code disabled it")
	}
	if status, out := b.json(t, "/2fa/disable", map[string]string{"code": recovery[0]}); status != http.StatusOK || out["enabled"] != false {
		t.Fatalf("disable with a recovery code: %d %v", status, out)
	}
	if on, _ := e.factor.Enabled(t.Context(), "user-1"); on {
		t.Fatal("still enabled")
	}
	c := e.browser()
	if out := c.login(t); out["second_factor_required"] == true {
		t.Error("login still asks for a second factor")
	}
	if status, _ := c.me(t); status != http.StatusOK {
		t.Error("no session after a password login without 2FA")
	}
	if !slices.Contains(e.eventKinds(), totp.EventDisabled) {
		t.Errorf("events %v lack %s", e.eventKinds(), totp.EventDisabled)
	}
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	secret, old, b := e.enrolled(t)
	if status, out := b.json(t, "/2fa/recovery-codes", map[string]string{"code": old[0]}); status != http.StatusBadRequest {
		t.Errorf("regenerate with a recovery code: %d %v, want 400", status, out)
	}
	status, out := b.json(t, "/2fa/recovery-codes", map[string]string{"code": e.code(t, secret, 0)})
	if status != http.StatusOK || len(out["recovery_codes"].([]any)) != totp.RecoveryCodes {
		t.Fatalf("regenerate: %d %v", status, out)
	}
	fresh := out["recovery_codes"].([]any)[0].(string)
	c := e.browser()
	c.login(t)
	if status, _ := c.json(t, "/login/2fa", map[string]string{"code": old[1]}); status != http.StatusUnauthorized {
		t.Errorf("an old recovery code after regeneration: %d, want 401", status)
	}
	if status, out := c.json(t, "/login/2fa", map[string]string{"code": fresh}); status != http.StatusOK {
		t.Errorf("a new recovery code: %d %v", status, out)
	}
}

func TestStepUp(t *testing.T) {
	e := newEnv(t)
	secret, recovery, b := e.enrolled(t)
	_, before := b.me(t)
	e.clk.Advance(10 * time.Minute)
	if rec := b.do("GET", "/sensitive", "", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("old authentication: /sensitive %d, want 401", rec.Code)
	}
	if status, out := b.json(t, "/2fa/step-up", map[string]string{"code": e.wrong(t, secret)}); status != http.StatusUnauthorized {
		t.Fatalf("step-up with a wrong code: %d %v", status, out)
	}
	// A recovery code does not step up (it is for a lost phone, not for a fresh
	// authentication), and is not used up by the attempt.
	if status, out := b.json(t, "/2fa/step-up", map[string]string{"code": recovery[0]}); status != http.StatusBadRequest || out["error"] != "malformed_code" {
		t.Errorf("step-up with a recovery code: %d %v, want 400 malformed_code", status, out)
	}
	if left, err := e.factor.RecoveryCodesLeft(t.Context(), "user-1"); err != nil || left != totp.RecoveryCodes {
		t.Errorf("recovery codes left after a refused step-up: %d, %v; want %d", left, err, totp.RecoveryCodes)
	}
	if rec := b.do("GET", "/sensitive", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("after a refused step-up: /sensitive %d, want 401", rec.Code)
	}
	status, out := b.json(t, "/2fa/step-up", map[string]string{"code": e.code(t, secret, 0)})
	if status != http.StatusOK {
		t.Fatalf("step-up: %d %v", status, out)
	}
	if rec := b.do("GET", "/sensitive", "", ""); rec.Code != http.StatusOK {
		t.Errorf("after step-up: /sensitive %d, want 200", rec.Code)
	}
	_, after := b.me(t)
	if after["sid"] != before["sid"] {
		t.Error("step-up changed the session ID; it re-authenticates the same session")
	}
	if after["auth_time"] == before["auth_time"] {
		t.Error("step-up did not move auth_time")
	}
	if amr := after["amr"].([]any); len(amr) != 1 || amr[0] != "otp" {
		t.Errorf("amr after step-up = %v, want [otp]", amr)
	}
}

func TestHandlersRefuse(t *testing.T) {
	e := newEnv(t)
	secret, _, b := e.enrolled(t)
	cross := func(path string) int {
		r := newRequest("POST", path, `{"code":"`+e.code(t, secret, 0)+`"}`)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		for k, v := range b.cookies {
			r.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		return serve(e.mux, r).Code
	}
	for _, path := range []string{"/login/2fa", "/2fa/enrol", "/2fa/confirm", "/2fa/disable", "/2fa/recovery-codes", "/2fa/step-up"} {
		if code := cross(path); code != http.StatusForbidden {
			t.Errorf("cross-origin POST %s: %d, want 403", path, code)
		}
	}
	for _, path := range []string{"/2fa/enrol", "/2fa/confirm", "/2fa/disable", "/2fa/recovery-codes", "/2fa/step-up"} {
		if rec := e.browser().do("POST", path, "application/json", `{"code":"123456"}`); rec.Code != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d, want 401", path, rec.Code)
		}
	}
	for body, want := range map[string]int{
		`{"code":"123456","code":"654321"}`:            http.StatusBadRequest,
		`{"code":123456}`:                              http.StatusBadRequest,
		`{"code":"1"} trailing`:                        http.StatusBadRequest,
		`not json`:                                     http.StatusBadRequest,
		`{"code":"` + strings.Repeat("1", 5000) + `"}`: http.StatusRequestEntityTooLarge,
	} {
		if rec := b.do("POST", "/2fa/step-up", "application/json", body); rec.Code != want {
			t.Errorf("body %.40q: %d, want %d", body, rec.Code, want)
		}
	}
	if rec := b.do("POST", "/2fa/step-up", "text/plain", "123456"); rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", rec.Code)
	}
	if rec := b.do("GET", "/login/2fa", "", ""); rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound {
		t.Errorf("GET /login/2fa: %d", rec.Code)
	}
}

// TestEventsCarryNoSecrets runs every flow and looks for codes and secrets in the events.
func TestEventsCarryNoSecrets(t *testing.T) {
	e := newEnv(t)
	secret, recovery, b := e.enrolled(t)
	c := e.browser()
	c.login(t)
	wrong := e.wrong(t, secret)
	c.json(t, "/login/2fa", map[string]string{"code": wrong})
	c.json(t, "/login/2fa", map[string]string{"code": recovery[0]})
	b.json(t, "/2fa/disable", map[string]string{"code": wrong})
	e.mu.Lock()
	defer e.mu.Unlock()
	var all strings.Builder
	for _, ev := range e.events {
		all.WriteString(ev.Kind + ev.Method + ev.Reason + string(ev.Subject) + string(ev.SessionID) + ev.Device + ev.Client)
	}
	for _, s := range append([]string{secret.Base32(), wrong, strings.ReplaceAll(recovery[0], "-", "")}, recovery...) {
		if strings.Contains(all.String(), s) {
			t.Errorf("an event carries a secret or code")
		}
	}
	if len(e.events) < 5 {
		t.Errorf("only %d events", len(e.events))
	}
}

// TestUnconfirmedEnrolmentIsNotAFactor checks that an enrolment awaiting its confirming code
// counts for nothing: its codes neither step up, nor disable, nor make recovery codes, and
// the code tried is still good to confirm.
func TestUnconfirmedEnrolmentIsNotAFactor(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(t)
	if status, out := b.json(t, "/2fa/enrol", nil); status != http.StatusOK {
		t.Fatalf("enrol: %d %v", status, out)
	}
	rec, _ := e.store.Get(t.Context(), "user-1")
	code := e.code(t, rec.Secret, 0)
	for _, path := range []string{"/2fa/step-up", "/2fa/disable", "/2fa/recovery-codes"} {
		if status, out := b.json(t, path, map[string]string{"code": code}); status != http.StatusNotFound || out["error"] != "not_enrolled" {
			t.Errorf("POST %s with an unconfirmed enrolment's code: %d %v, want 404 not_enrolled", path, status, out)
		}
	}
	if _, err := e.factor.Check(t.Context(), "user-1", code); !errors.Is(err, totp.ErrNotEnrolled) {
		t.Errorf("Check with an unconfirmed enrolment: %v, want ErrNotEnrolled", err)
	}
	if status, out := b.json(t, "/2fa/confirm", map[string]string{"code": code}); status != http.StatusOK || out["enabled"] != true {
		t.Errorf("confirm after the refused attempts: %d %v", status, out)
	}
}

// hookLimiter runs onHit (once) when a code check counts its try: a request racing the check.
type hookLimiter struct {
	middleware.Limiter
	onHit func()
}

func (h *hookLimiter) Hit(ctx context.Context, key middleware.ThrottleKey) (time.Duration, error) {
	if f := h.onHit; f != nil {
		h.onHit = nil
		f()
	}
	return h.Limiter.Hit(ctx, key)
}

// TestRegenerateAfterConcurrentDisable checks that recovery codes made while the second factor
// is switched off, in another tab, do not switch it on again with the old secret.
func TestRegenerateAfterConcurrentDisable(t *testing.T) {
	h := &hookLimiter{Limiter: middleware.NewMemoryLimiter(100, time.Hour, nil)}
	e := newEnv(t, totp.WithLimiter(h))
	secret, _, _ := e.enrolled(t)
	h.onHit = func() { _ = e.store.Delete(context.Background(), "user-1") }
	if codes, err := e.factor.RegenerateRecoveryCodes(t.Context(), "user-1", e.code(t, secret, 0)); !errors.Is(err, totp.ErrNotEnrolled) || codes != nil {
		t.Errorf("regenerate while disabled meanwhile: %d codes, %v; want ErrNotEnrolled", len(codes), err)
	}
	if on, _ := e.factor.Enabled(t.Context(), "user-1"); on {
		t.Error("regenerating recovery codes switched a disabled second factor on again")
	}
}

// TestNonDefaultParams runs an enrolment and a login with parameters other than the defaults:
// the record's own parameters decide how its codes are checked.
func TestNonDefaultParams(t *testing.T) {
	p := totp.Params{Algorithm: totp.SHA256, Digits: 8, Period: time.Minute}
	e := newEnv(t, totp.WithParams(p))
	b := e.browser()
	b.login(t)
	status, out := b.json(t, "/2fa/enrol", nil)
	if status != http.StatusOK || out["algorithm"] != "SHA256" || out["digits"] != float64(8) || out["period"] != float64(60) {
		t.Fatalf("enrol: %d %v", status, out)
	}
	secret, err := totp.ParseSecret(out["secret"].(string))
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, err := p.Code(secret, e.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	defaults, _ := totp.Params{}.Code(secret, e.clk.Now())
	if status, out := b.json(t, "/2fa/confirm", map[string]string{"code": defaults}); status == http.StatusOK {
		t.Fatalf("confirmed with a code of the default parameters: %v", out)
	}
	if status, out := b.json(t, "/2fa/confirm", map[string]string{"code": code()}); status != http.StatusOK {
		t.Fatalf("confirm: %d %v", status, out)
	}
	e.clk.Advance(time.Minute)
	c := e.browser()
	c.login(t)
	if status, out := c.json(t, "/login/2fa", map[string]string{"code": code()}); status != http.StatusOK || out["method"] != "totp" {
		t.Errorf("second step with an 8-digit SHA-256 code: %d %v", status, out)
	}
}
