package totp

import (
	"context"
	"fmt"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// Kinds of the events a [Factor] reports through [middleware.Sessions.Emit]. A wrong or
// throttled second step of a login is reported as [middleware.EventLoginFailed] or
// [middleware.EventLoginThrottled] with Method "otp".
const (
	EventEnabled                  = "totp.enabled"
	EventDisabled                 = "totp.disabled"
	EventRecoveryCodeUsed         = "totp.recovery_code_used"
	EventRecoveryCodesRegenerated = "totp.recovery_codes_regenerated"
	EventFailed                   = "totp.failed" // a wrong code to confirm, disable or step up; Reason says why
)

// Begin starts an enrolment for sub: a fresh secret, stored not yet enabled, and the [Key] to
// show as a QR code, labelled with the issuer ([WithIssuer]) and account. Beginning again
// replaces an enrolment that was not confirmed. It fails with [ErrEnabled] when the second
// factor is on already.
func (f *Factor[T]) Begin(ctx context.Context, sub token.Subject, account string) (*Key, error) {
	if err := checkLabels(f.cfg.issuer, account); err != nil {
		return nil, fmt.Errorf("totp: account name: %w", err)
	}
	rec, err := f.store.Get(ctx, sub)
	switch {
	case err == nil && rec.Enabled:
		return nil, ErrEnabled
	case err != nil && !isNotEnrolled(err):
		return nil, fmt.Errorf("totp: store: %w", err)
	}
	rec = Record{Secret: GenerateSecret(), Params: f.cfg.params.withDefaults()}
	if err := f.store.Put(ctx, sub, rec); err != nil {
		return nil, fmt.Errorf("totp: store: %w", err)
	}
	return &Key{Issuer: f.cfg.issuer, Account: account, Secret: rec.Secret, Params: rec.Params}, nil
}

// Enrolment returns sub's enrolment that awaits confirmation, to show its QR code again. It
// fails with [ErrNotEnrolled] when there is none and [ErrEnabled] when it is confirmed already
// (the secret is never shown again then).
func (f *Factor[T]) Enrolment(ctx context.Context, sub token.Subject, account string) (*Key, error) {
	rec, err := f.store.Get(ctx, sub)
	switch {
	case isNotEnrolled(err):
		return nil, ErrNotEnrolled
	case err != nil:
		return nil, fmt.Errorf("totp: store: %w", err)
	case rec.Enabled:
		return nil, ErrEnabled
	}
	return &Key{Issuer: f.cfg.issuer, Account: account, Secret: rec.Secret, Params: rec.Params}, nil
}

// Confirm switches sub's enrolment on with its first valid code, and returns the ten recovery
// codes to show the user once (only their hashes are stored). Errors: [ErrNotEnrolled] without
// an enrolment, [ErrEnabled] when it is on already, and those of a code check.
func (f *Factor[T]) Confirm(ctx context.Context, sub token.Subject, code string) ([]string, error) {
	rec, err := f.store.Get(ctx, sub)
	switch {
	case isNotEnrolled(err):
		return nil, ErrNotEnrolled
	case err != nil:
		return nil, fmt.Errorf("totp: store: %w", err)
	case rec.Enabled:
		return nil, ErrEnabled
	}
	if _, err := f.check(ctx, sub, rec, code, false); err != nil {
		return nil, err
	}
	codes, hashes := NewRecoveryCodes(sub, RecoveryCodes)
	rec.Enabled, rec.RecoveryHashes = true, hashes
	if err := f.store.Put(ctx, sub, rec); err != nil {
		return nil, fmt.Errorf("totp: store: %w", err)
	}
	f.sessions.Emit(ctx, middleware.Event{Kind: EventEnabled, Subject: sub, Method: middleware.AMROTP})
	return codes, nil
}

// Disable switches sub's second factor off, given a valid TOTP code or recovery code, and
// forgets its secret and recovery codes. Errors are those of [Factor.Check].
func (f *Factor[T]) Disable(ctx context.Context, sub token.Subject, code string) error {
	if _, err := f.Check(ctx, sub, code); err != nil {
		return err
	}
	if err := f.store.Delete(ctx, sub); err != nil {
		return fmt.Errorf("totp: store: %w", err)
	}
	f.sessions.Emit(ctx, middleware.Event{Kind: EventDisabled, Subject: sub, Method: middleware.AMROTP})
	return nil
}

// RegenerateRecoveryCodes replaces all of sub's recovery codes with ten new ones, given a
// valid TOTP code (not a recovery code), and returns them to show once. Errors are those of
// [Factor.Check].
func (f *Factor[T]) RegenerateRecoveryCodes(ctx context.Context, sub token.Subject, code string) ([]string, error) {
	rec, err := f.enabled(ctx, sub)
	if err != nil {
		return nil, err
	}
	if _, err := f.check(ctx, sub, rec, code, false); err != nil {
		return nil, err
	}
	// Read again: a recovery code used meanwhile must not come back.
	if rec, err = f.enabled(ctx, sub); err != nil {
		return nil, err
	}
	codes, hashes := NewRecoveryCodes(sub, RecoveryCodes)
	rec.RecoveryHashes = hashes
	if err := f.store.Put(ctx, sub, rec); err != nil {
		return nil, fmt.Errorf("totp: store: %w", err)
	}
	f.sessions.Emit(ctx, middleware.Event{Kind: EventRecoveryCodesRegenerated, Subject: sub, Method: middleware.AMROTP})
	return codes, nil
}

// RecoveryCodesLeft reports how many unused recovery codes sub has.
func (f *Factor[T]) RecoveryCodesLeft(ctx context.Context, sub token.Subject) (int, error) {
	rec, err := f.enabled(ctx, sub)
	if err != nil {
		return 0, err
	}
	return len(rec.RecoveryHashes), nil
}

// Enabled reports whether sub's second factor is on.
func (f *Factor[T]) Enabled(ctx context.Context, sub token.Subject) (bool, error) {
	return Required(f.store)(ctx, sub)
}
