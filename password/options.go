package password

import (
	"fmt"
	"runtime"

	"golang.org/x/crypto/bcrypt"
)

const (
	// DefaultCost is the bcrypt cost (log2 of the key-expansion rounds) a [Hasher] uses
	// unless [WithCost] says otherwise: roughly 0.2 CPU-seconds per Hash or Verify on a
	// current server core (190 ms measured on an AMD EPYC). Each step up doubles the work.
	DefaultCost = 12

	// MinCost is the lowest cost [WithCost] accepts. bcrypt itself goes down to 4, which only
	// tests may use.
	MinCost = 10

	// MaxLength is the number of password bytes bcrypt reads. Longer passwords are refused
	// with [ErrTooLong], never silently truncated.
	MaxLength = 72

	// DefaultMinLength is the minimum password length, in characters, that Hash enforces
	// unless [WithMinLength] says otherwise (NIST SP 800-63B's minimum for user-chosen
	// passwords).
	DefaultMinLength = 8
)

// maxCost is the highest cost bcrypt supports.
const maxCost = bcrypt.MaxCost

// options is what the [Option] functions configure; [New] turns it into a [Hasher].
type options struct {
	cost        int
	minLength   int
	concurrency int
	headroom    int // -1: defaultHeadroom, lowered to fit the verification ceiling
}

// defaultHeadroom is the timing headroom unless [WithTimingHeadroom] says otherwise.
const defaultHeadroom = 2

func defaultOptions() options {
	return options{
		cost:        DefaultCost,
		minLength:   DefaultMinLength,
		concurrency: runtime.GOMAXPROCS(0),
		headroom:    -1,
	}
}

// Option configures a [Hasher] in [New]. An Option returns an error when its argument is
// out of range, and New then fails. When an Option is given twice, the last one wins.
type Option func(*options) error

// WithCost sets the bcrypt cost for Hash and VerifyDummy, and the cost NeedsRehash compares
// stored hashes against. The default is [DefaultCost]; cost must be in [MinCost]..31, or New
// fails with an error matching [ErrInvalidCost]. Raising the cost also raises the highest
// cost Verify accepts (see [Hasher.Verify]).
func WithCost(cost int) Option {
	return func(o *options) error {
		if cost < MinCost || cost > maxCost {
			return fmt.Errorf("%w: %d outside %d..%d", ErrInvalidCost, cost, MinCost, maxCost)
		}
		o.cost = cost
		return nil
	}
}

// WithMinLength sets the minimum password length Hash enforces, counted in Unicode code
// points as NIST SP 800-63B asks (each invalid UTF-8 byte counts as one). The default is
// [DefaultMinLength]; n must be in 1..[MaxLength], or New fails with an error matching
// [ErrInvalidOption]. Verify does not enforce it. Note that the maximum, [MaxLength], is in
// bytes: a password of n non-ASCII characters may be too long for bcrypt.
func WithMinLength(n int) Option {
	return func(o *options) error {
		if n < 1 || n > MaxLength {
			return fmt.Errorf("%w: minimum length %d outside 1..%d", ErrInvalidOption, n, MaxLength)
		}
		o.minLength = n
		return nil
	}
}

// WithConcurrency sets how many bcrypt operations (Hash, Verify, VerifyDummy) of one
// [Hasher] may run at once; further callers wait for a free slot until their context ends
// (see [ErrBusy]). The default is runtime.GOMAXPROCS(0), read once in New. n must be at
// least 1, or New fails with an error matching [ErrInvalidOption]. A value below the number
// of CPUs leaves CPU time for the rest of the server during a flood of logins.
//
// The bound only sheds load if waiting callers give up: pass the request's context (with a
// deadline, such as the server's timeout) to Hash and Verify. With [context.Background] a
// caller waits as long as it takes.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("%w: concurrency %d, want at least 1", ErrInvalidOption, n)
		}
		o.concurrency = n
		return nil
	}
}

// WithTimingHeadroom sets how many cost steps above the Hasher's cost a stored hash may be
// and still fail a login in the same time as an unknown account. Verify pads every
// mismatch (VerifyDummy's included), in wall time, to the time a comparison at Cost()+n
// would take, so that a wrong password against a stored hash of any cost up to Cost()+n
// and [Hasher.VerifyDummy] end together; see [Hasher.Verify]. The default is 2, which
// covers every hash Verify accepts at the default cost (lowered if the ceiling is nearer,
// as at cost 30 or 31). n must be in 0..max(Cost()+2, 14)-Cost(), since hashes above that
// ceiling are refused unread ([ErrCostTooHigh]); otherwise New fails with an error matching
// [ErrInvalidOption].
//
// Each step doubles the wall time of a failed login (not its CPU time: the padding is a
// timer and holds no concurrency slot). With 0, a Hasher still pads mismatches against
// older, cheaper hashes up to its own cost.
func WithTimingHeadroom(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("%w: timing headroom %d, want at least 0", ErrInvalidOption, n)
		}
		o.headroom = n
		return nil
	}
}
