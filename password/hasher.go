package password

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// verifyCostFloor is the lowest cost ceiling Verify applies, whatever the configured cost:
// hashes up to cost 14 (4× the default work) always verify.
const verifyCostFloor = 14

// Hasher hashes and verifies passwords with bcrypt at one configured cost, bounds how many
// bcrypt operations run at once, and pads failed comparisons to one time. Build one with
// [New]. A Hasher's configuration is immutable and it is safe for concurrent use; share one
// per process (its concurrency bound and its timing estimate only hold among the callers
// that share it).
//
// The zero Hasher, and a nil *Hasher, behave like the package's default Hasher — New()
// with no options, built once — and share its concurrency bound with [Hash] and [Verify].
type Hasher struct {
	cost          int
	minLength     int
	maxVerifyCost int
	padCost       int           // a failed comparison ends when one at this cost would (padding.go)
	sem           chan struct{} // one element per running bcrypt operation
	dummy         string        // see dummy.go

	// speed is how fast recent comparisons ran, for the padding: the only state that changes
	// after New, under its own lock.
	speed speed
	// wait is sleep; export_test.go replaces it to observe the padding.
	wait func(ctx context.Context, d time.Duration) error
}

// New returns a Hasher configured by opts; see [WithCost], [WithMinLength],
// [WithConcurrency] and [WithTimingHeadroom] for the defaults. It fails with an error
// matching [ErrInvalidCost] or [ErrInvalidOption] when an option is out of range or nil. New does no bcrypt work (the
// dummy hash for [Hasher.VerifyDummy] is assembled, not computed), so it is fast.
func New(opts ...Option) (*Hasher, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: nil Option", ErrInvalidOption)
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if limit := verifyCeiling(o.cost) - o.cost; o.headroom > limit {
		return nil, fmt.Errorf("%w: timing headroom %d above %d, the most Verify accepts at cost %d (hashes above cost %d are refused)",
			ErrInvalidOption, o.headroom, limit, o.cost, verifyCeiling(o.cost))
	}
	return newHasher(o), nil
}

func newHasher(o options) *Hasher {
	ceiling := verifyCeiling(o.cost)
	headroom := o.headroom
	if headroom < 0 { // not set: the default, within the ceiling
		headroom = min(defaultHeadroom, ceiling-o.cost)
	}
	return &Hasher{
		cost:          o.cost,
		minLength:     o.minLength,
		maxVerifyCost: ceiling,
		padCost:       o.cost + headroom,
		sem:           make(chan struct{}, o.concurrency),
		dummy:         dummyHash(o.cost),
		wait:          sleep,
	}
}

// verifyCeiling is the highest stored cost Verify agrees to compute for a Hasher of cost.
func verifyCeiling(cost int) int { return min(max(cost+2, verifyCostFloor), maxCost) }

// defaultHasher is the Hasher behind the package-level functions and the zero Hasher. It is
// built on first use and never changes.
var defaultHasher = sync.OnceValue(func() *Hasher { return newHasher(defaultOptions()) })

// self returns h, or the default Hasher when h is nil or the zero Hasher.
func (h *Hasher) self() *Hasher {
	if h == nil || h.sem == nil {
		return defaultHasher()
	}
	return h
}

// Cost returns the bcrypt cost h hashes with: [DefaultCost] unless [WithCost] set another.
func (h *Hasher) Cost() int { return h.self().cost }

// Hash returns the bcrypt hash of password at h's cost, as a 60-byte string starting with
// $2a$ (the prefix every bcrypt implementation reads), with a fresh random salt. It refuses
// rather than alter the password:
//   - an empty password: error matching [ErrEmpty] and [ErrTooShort];
//   - fewer characters than the minimum length ([WithMinLength]): [ErrTooShort];
//   - more than [MaxLength] bytes: [ErrTooLong] (bcrypt would silently ignore the rest);
//   - a NUL byte: [ErrInvalidByte] (C implementations would stop reading there).
//
// Bytes are hashed as given: no Unicode normalization is applied.
//
// Hash takes one of h's concurrency slots for the duration of the bcrypt computation. If
// ctx ends first, it returns an error matching [ErrBusy] and ctx.Err(). Once started, a
// bcrypt computation cannot be interrupted: ctx is only consulted before. A nil ctx is
// treated as [context.Background]. Safe for concurrent use.
func (h *Hasher) Hash(ctx context.Context, password []byte) (string, error) {
	h = h.self()
	if err := h.checkNew(password); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	b, err := bcrypt.GenerateFromPassword(password, h.cost)
	if err != nil {
		return "", hashError(err)
	}
	return string(b), nil
}

// Verify reports whether password matches hash: nil on a match, otherwise an error to
// test with [errors.Is]. It never panics, whatever the input.
//
// Password-side refusals all match [ErrMismatch], so "wrong credentials" is one check; they
// also match the reason, and they spend no bcrypt time (the reason depends only on the
// password, never on the account, so this reveals nothing about which accounts exist):
//   - an empty password: [ErrEmpty]; an empty password never verifies;
//   - more than [MaxLength] bytes: [ErrTooLong]. A hash made from such a password by an
//     implementation that truncated silently (bcryptjs, PHP) covers only the first 72
//     bytes, so a match would accept every password sharing those 72 bytes. Applications
//     migrating such users may deliberately pass password[:72], or ask them to reset;
//   - a NUL byte: [ErrInvalidByte].
//
// The minimum length is not enforced, so users whose passwords predate the policy can still
// log in.
//
// Hash-side failures are server problems and do not match ErrMismatch: [ErrMalformedHash]
// (checked before any bcrypt work), and [ErrCostTooHigh] when the hash's cost is above
// max(Cost()+2, 14), which is at least four times the configured work: this stops a corrupt
// or hostile stored value such as cost 31 from occupying a CPU for days, while older hashes
// of a somewhat higher cost still verify. Hashes of a lower cost, down to bcrypt's 4, verify.
//
// Hashes from other implementations verify: $2a$, $2b$ and $2y$ (bcryptjs, PHP, OpenBSD,
// Python's bcrypt ...); $2x$ and $2$ are refused, see [ErrMalformedHash].
//
// Verify waits for a concurrency slot like [Hasher.Hash] and fails with [ErrBusy] when ctx
// ends first. A match returns as soon as bcrypt is done. A mismatch is padded: Verify
// returns [ErrMismatch] when a comparison at Cost() plus the timing headroom (2 by default,
// see [WithTimingHeadroom]) would have ended, estimated from the comparisons made, so a
// wrong password takes the same time whatever the stored hash's cost up to there, and the
// same as [Hasher.VerifyDummy] for a user who does not exist. The padding is a timer, not
// CPU work, and holds no concurrency slot; if ctx ends during it, Verify returns at once
// with an error matching both ErrMismatch and ctx.Err(). Hashes above Cost()+headroom
// (possible below cost 12, where the ceiling of 14 is further away) still take their own,
// longer time. Use [Hasher.NeedsRehash] after a match to upgrade old hashes. A nil ctx is
// treated as [context.Background]. Safe for concurrent use.
func (h *Hasher) Verify(ctx context.Context, hash string, password []byte) error {
	h = h.self()
	if err := checkVerify(password); err != nil {
		return err
	}
	cost, err := parseHash(hash)
	if err != nil {
		return err
	}
	if cost > h.maxVerifyCost {
		return fmt.Errorf("%w: cost %d, limit %d", ErrCostTooHigh, cost, h.maxVerifyCost)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	took, err := h.compare(ctx, hash, password)
	if err != ErrMismatch {
		return err
	}
	return h.pad(ctx, cost, took)
}

// compare runs one bcrypt comparison in a concurrency slot and reports how long it took.
func (h *Hasher) compare(ctx context.Context, hash string, password []byte) (time.Duration, error) {
	if err := h.acquire(ctx); err != nil {
		return 0, err
	}
	defer h.release()
	start := time.Now()
	err := bcrypt.CompareHashAndPassword([]byte(hash), password)
	return time.Since(start), compareError(err)
}

// NeedsRehash reports whether hash should be replaced by a fresh Hash of the password: true
// when its cost differs from h's (lower or higher) or when it is not a bcrypt hash this
// package can read. It is only meaningful after a successful [Hasher.Verify], the one moment
// the application holds the plaintext password to rehash and store. Hash applies today's
// policy, so it may refuse an old password (say [ErrTooShort]); keep the old hash then. It
// does no bcrypt work and is safe for concurrent use.
func (h *Hasher) NeedsRehash(hash string) bool {
	cost, err := parseHash(hash)
	return err != nil || cost != h.self().cost
}

// Hash hashes password with the default Hasher (see [New] with no options:
// cost [DefaultCost], minimum length [DefaultMinLength], concurrency GOMAXPROCS), built once
// on first use. See [Hasher.Hash]. Safe for concurrent use.
func Hash(ctx context.Context, password []byte) (string, error) {
	return defaultHasher().Hash(ctx, password)
}

// Verify checks password against hash with the default Hasher; see [Hash] and
// [Hasher.Verify]. Applications that look users up should use a [Hasher] of their own, for
// [Hasher.VerifyDummy] and [Hasher.NeedsRehash]. Safe for concurrent use.
func Verify(ctx context.Context, hash string, password []byte) error {
	return defaultHasher().Verify(ctx, hash, password)
}

// checkNew applies the password policy for Hash.
func (h *Hasher) checkNew(password []byte) error {
	switch {
	case len(password) == 0:
		return refuse(ErrEmpty, ErrTooShort, "")
	case len(password) > MaxLength:
		return fmt.Errorf("%w: more than %d bytes", ErrTooLong, MaxLength)
	case bytes.IndexByte(password, 0) >= 0:
		return ErrInvalidByte
	case utf8.RuneCount(password) < h.minLength:
		return fmt.Errorf("%w: fewer than %d characters", ErrTooShort, h.minLength)
	}
	return nil
}

// checkVerify refuses passwords that can never verify; every refusal matches ErrMismatch.
func checkVerify(password []byte) error {
	switch {
	case len(password) == 0:
		return refuse(ErrEmpty, ErrMismatch, "")
	case len(password) > MaxLength:
		return refuse(ErrTooLong, ErrMismatch, fmt.Sprintf("more than %d bytes", MaxLength))
	case bytes.IndexByte(password, 0) >= 0:
		return refuse(ErrInvalidByte, ErrMismatch, "")
	}
	return nil
}

// acquire takes a concurrency slot, or fails with ErrBusy once ctx has ended.
func (h *Hasher) acquire(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
	// select picks at random when both cases are ready: do not start work for a caller
	// who has already gone.
	if err := ctx.Err(); err != nil {
		h.release()
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return nil
}

func (h *Hasher) release() { <-h.sem }

// hashError maps an error from bcrypt.GenerateFromPassword to our sentinels. Our own checks
// run first, so none of these is expected.
func hashError(err error) error {
	var costErr bcrypt.InvalidCostError
	switch {
	case errors.Is(err, bcrypt.ErrPasswordTooLong):
		return fmt.Errorf("%w: %w", ErrTooLong, err)
	case errors.As(err, &costErr):
		return fmt.Errorf("%w: %w", ErrInvalidCost, err)
	}
	return fmt.Errorf("password: bcrypt failed: %w", err)
}

// compareError maps an error from bcrypt.CompareHashAndPassword to our sentinels. parseHash
// has already vetted the hash, so anything but a mismatch means x/crypto reads the format
// differently from us: report it as a malformed hash.
func compareError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return ErrMismatch
	case errors.Is(err, bcrypt.ErrPasswordTooLong):
		return refuse(ErrTooLong, ErrMismatch, err.Error())
	}
	return fmt.Errorf("%w: %w", ErrMalformedHash, err)
}
