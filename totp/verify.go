package totp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// onceMargin keeps a code's marker past the end of its window, for instances whose clocks
// disagree a little.
const onceMargin = time.Minute

// accountKey is sub's pseudonym in limiter and single-use keys: stores never see a subject,
// which may be an e-mail address.
func accountKey(sub token.Subject) string {
	sum := sha256.Sum256([]byte("keycard totp account\x00" + string(sub)))
	return hex.EncodeToString(sum[:16])
}

// Method says which kind of code a check accepted.
type Method string

// Methods of [Factor.Check].
const (
	MethodTOTP     Method = "totp"
	MethodRecovery Method = "recovery_code"
)

// Check checks code, a TOTP code or a recovery code as the user typed it, against sub's
// enabled second factor: the second step of a login, or a confirmation before disabling. A
// recovery code that passes is used up (removed from the store) and reported with
// EventRecoveryCodeUsed. Errors: [ErrMalformedCode] (no try spent), [ErrNotEnrolled],
// [ErrInvalidCode], [ErrCodeUsed], [ErrThrottled] ([ThrottledError]), [ErrUnavailable], or a
// store failure. Safe for concurrent use.
func (f *Factor[T]) Check(ctx context.Context, sub token.Subject, code string) (Method, error) {
	rec, err := f.enabled(ctx, sub)
	if err != nil {
		return "", err
	}
	return f.check(ctx, sub, rec, code, true)
}

// check is Check on a loaded record; recovery says whether a recovery code is accepted.
func (f *Factor[T]) check(ctx context.Context, sub token.Subject, rec Record, code string, recovery bool) (Method, error) {
	p := rec.Params.withDefaults()
	if c, err := ParseCode(code, p.Digits); err == nil {
		return MethodTOTP, f.verifyTOTP(ctx, sub, rec, c)
	}
	if !recovery {
		return "", fmt.Errorf("%w: want a %d-digit code", ErrMalformedCode, p.Digits)
	}
	c, err := ParseRecoveryCode(code)
	if err != nil {
		return "", err
	}
	return MethodRecovery, f.useRecovery(ctx, sub, c)
}

// verifyTOTP checks a well-formed code against rec's secret: throttled per account, compared in
// constant time over the window, used once.
func (f *Factor[T]) verifyTOTP(ctx context.Context, sub token.Subject, rec Record, code string) error {
	acct := accountKey(sub)
	if err := f.throttle(ctx, throttleKey("totp:"+acct)); err != nil {
		return err
	}
	now := f.sessions.Codec().Now()
	p := rec.Params.withDefaults()
	step, ok := p.match(rec.Secret, code, now, f.cfg.skew)
	if !ok {
		return ErrInvalidCode
	}
	first, err := f.cfg.once.Use(ctx, "totp:"+acct+":"+strconv.FormatUint(step, 10), f.stepEnd(p, step))
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	case !first:
		return ErrCodeUsed
	}
	// Codes of the earlier steps still inside the window are spent too: after a code was
	// accepted, an older one (read over a shoulder, say) must not work (RFC 6238 section 5.2).
	for s := step - uint64(2*f.cfg.skew); s < step; s++ {
		if until := f.stepEnd(p, s); until.After(now) {
			_, _ = f.cfg.once.Use(ctx, "totp:"+acct+":"+strconv.FormatUint(s, 10), until)
		}
	}
	_ = f.cfg.limiter.Reset(ctx, throttleKey("totp:"+acct))
	return nil
}

// stepEnd is when the code of step leaves the window, plus a margin: until then a replay must
// be refused.
func (f *Factor[T]) stepEnd(p Params, step uint64) time.Time {
	secs := int64(p.Period / time.Second)
	return time.Unix((int64(step)+int64(f.cfg.skew)+1)*secs, 0).Add(onceMargin)
}

// useRecovery uses up a recovery code in canonical form.
func (f *Factor[T]) useRecovery(ctx context.Context, sub token.Subject, canonical string) error {
	acct := accountKey(sub)
	if err := f.throttle(ctx, throttleKey("recovery:"+acct)); err != nil {
		return err
	}
	ok, err := f.store.UseRecoveryCode(ctx, sub, HashRecoveryCode(sub, canonical))
	switch {
	case err != nil:
		return fmt.Errorf("totp: store: %w", err)
	case !ok:
		return ErrInvalidCode
	}
	_ = f.cfg.limiter.Reset(ctx, throttleKey("recovery:"+acct))
	f.sessions.Emit(ctx, middleware.Event{Kind: EventRecoveryCodeUsed, Subject: sub, Method: middleware.AMROTP})
	return nil
}

// throttleKey is the limiter key of an account's guesses: the account on both levels, so that
// the count is per account whichever client guesses (a client budget keyed by address would let
// many addresses guess one account, and one keyed by nothing would let one account's guesser
// throttle everyone).
func throttleKey(account string) middleware.ThrottleKey {
	return middleware.ThrottleKey{Client: account, Account: account}
}

// throttle counts one guess under key.
func (f *Factor[T]) throttle(ctx context.Context, key middleware.ThrottleKey) error {
	retry, err := f.cfg.limiter.Hit(ctx, key)
	switch {
	case err != nil:
		return fmt.Errorf("%w: limiter: %w", ErrUnavailable, err)
	case retry > 0:
		return &ThrottledError{RetryAfter: int64((retry + time.Second - 1) / time.Second)}
	}
	return nil
}

// enabled returns sub's record if the second factor is on.
func (f *Factor[T]) enabled(ctx context.Context, sub token.Subject) (Record, error) {
	rec, err := f.store.Get(ctx, sub)
	switch {
	case isNotEnrolled(err):
		return Record{}, ErrNotEnrolled
	case err != nil:
		return Record{}, fmt.Errorf("totp: store: %w", err)
	case !rec.Enabled:
		return Record{}, ErrNotEnrolled
	}
	return rec, nil
}

func isNotEnrolled(err error) bool { return errors.Is(err, ErrNotEnrolled) }
