package password

import "errors"

// Sentinel errors. Match them with [errors.Is]: returned errors often wrap a sentinel with
// details for operators (never the password, never the hash), and a refusal on Verify
// matches two sentinels at once (see [Hasher.Verify]). Errors from x/crypto/bcrypt are never
// returned bare but wrapped under the sentinel that applies. The one exception cannot occur
// with input this package has checked (x/crypto failing to hash a valid password at a
// valid cost); it would read "password: bcrypt failed: ...".
var (
	// ErrMismatch means the password does not match the hash. On Verify it is the answer for
	// every password-side refusal too (empty, too long, NUL byte), so
	// errors.Is(err, ErrMismatch) alone separates "wrong credentials" (respond 401) from
	// server-side problems such as [ErrMalformedHash], [ErrCostTooHigh] or [ErrBusy].
	ErrMismatch = errors.New("password: mismatch")

	// ErrMalformedHash means the stored hash is not a bcrypt hash this package reads: not
	// exactly 60 bytes; a prefix other than $2a$, $2b$ or $2y$; a cost that is not two decimal
	// digits in 4..31; a missing '$' after the cost; a byte outside bcrypt's base64 alphabet
	// (./A-Za-z0-9), which includes every non-ASCII byte. Two bcrypt variants are refused on
	// purpose: $2x$ marks hashes made by PHP's crypt_blowfish before its 2011 fix
	// (CVE-2011-2483), a different and weaker function for bytes ≥ 0x80 that Go does not
	// compute, and $2$, the 1997 format, omits the terminating NUL from the key, which Go's
	// bcrypt always includes; those users must reset their passwords. ErrMalformedHash points
	// at corrupt or foreign data in the user store, not at the user: respond 500 and alert.
	ErrMalformedHash = errors.New("password: malformed hash")

	// ErrCostTooHigh means a well-formed stored hash has a cost above what Verify agrees to
	// spend (see [Hasher.Verify]): a corrupt or hostile value such as cost 31 would otherwise
	// occupy a CPU for days. Respond 500; raise the limit with [WithCost] if such hashes are
	// legitimate.
	ErrCostTooHigh = errors.New("password: hash cost above verification limit")

	// ErrTooLong means the password has more than [MaxLength] bytes. Hash refuses rather than
	// truncate; Verify refuses too (and the error also matches [ErrMismatch]), because such a
	// password could only ever match a hash of its first 72 bytes.
	ErrTooLong = errors.New("password: too long")

	// ErrTooShort means the password has fewer characters than the minimum length (default
	// [DefaultMinLength], see [WithMinLength]). Only Hash enforces it: Verify still compares a
	// short password, so users whose passwords predate the policy can log in.
	ErrTooShort = errors.New("password: too short")

	// ErrEmpty means the password is empty. An empty password never verifies: Verify returns
	// an error matching both ErrEmpty and [ErrMismatch] without spending any bcrypt time;
	// Hash returns one matching both ErrEmpty and [ErrTooShort].
	ErrEmpty = errors.New("password: empty")

	// ErrInvalidByte means the password contains a NUL byte. C implementations of bcrypt
	// (OpenBSD, PHP, glibc's crypt) stop reading at the first NUL, Go's does not, so such a
	// password would hash differently in each: Hash refuses it, and Verify refuses it with an
	// error that also matches [ErrMismatch].
	ErrInvalidByte = errors.New("password: contains a NUL byte")

	// ErrBusy means the context ended while waiting for a free bcrypt slot (see
	// [WithConcurrency]). The error also wraps ctx.Err(), so errors.Is(err,
	// context.DeadlineExceeded) holds when a deadline expired. Respond 503.
	ErrBusy = errors.New("password: busy")

	// ErrInvalidCost is returned by [New] when [WithCost] is given a cost outside
	// [MinCost]..31.
	ErrInvalidCost = errors.New("password: invalid cost")

	// ErrInvalidOption is returned by [New] for a nil [Option] or an out-of-range
	// [WithMinLength], [WithConcurrency] or [WithTimingHeadroom] value.
	ErrInvalidOption = errors.New("password: invalid option")
)

// refusal is an error that matches several sentinels with errors.Is under one message, for
// example [ErrEmpty] and [ErrMismatch] when Verify refuses an empty password.
type refusal struct {
	msg  string
	errs []error
}

func (e *refusal) Error() string   { return e.msg }
func (e *refusal) Unwrap() []error { return e.errs }

// refuse returns a refusal matching reason and also, with the message of reason followed by
// detail (if any).
func refuse(reason, also error, detail string) error {
	msg := reason.Error()
	if detail != "" {
		msg += ": " + detail
	}
	return &refusal{msg: msg, errs: []error{reason, also}}
}
