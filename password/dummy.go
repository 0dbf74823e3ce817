package password

import (
	"context"
	"fmt"
)

// dummySaltAndHash is the salt and hash part (53 characters) of the dummy hash. Its value
// does not matter: it only has to be well-formed so that comparing against it costs
// exactly what comparing against a real hash of the same cost costs. It was taken from a
// bcrypt hash of a random password that nobody kept.
const dummySaltAndHash = "LAA08p.JGdD/GRTSqHfZj.6oiypyHXrEtceDHs2MaGcgqvKrza2aW"

// dummyHash returns a well-formed bcrypt hash at cost. No bcrypt work is needed to build it,
// which keeps [New] fast.
func dummyHash(cost int) string {
	return fmt.Sprintf("$2a$%02d$%s", cost, dummySaltAndHash)
}

// VerifyDummy spends the time of one [Hasher.Verify] of password against a hash of h's
// cost, and never reports a match. Call it when the user being logged in does not exist, so
// that the response time does not reveal which accounts exist:
//
//	u, ok := users.Lookup(email)
//	if !ok {
//		return h.VerifyDummy(ctx, password) // always an error
//	}
//	return h.Verify(ctx, u.Hash, password)
//
// It runs the very code path of Verify, including its fast refusals and the padding of a
// mismatch, so its result and its time match what Verify takes for a wrong password against
// a stored hash of any cost up to Cost() plus the timing headroom ([WithTimingHeadroom]):
// [ErrMismatch], or an error matching both ErrMismatch and the reason (ErrEmpty,
// ErrTooLong, ErrInvalidByte), or [ErrBusy] when ctx ends before a concurrency slot is
// free, or an error matching ErrMismatch and ctx.Err() when ctx ends during the padding. It
// never returns nil. Safe for concurrent use.
func (h *Hasher) VerifyDummy(ctx context.Context, password []byte) error {
	h = h.self()
	if err := h.Verify(ctx, h.dummy, password); err != nil {
		return err
	}
	// Some password hashes to the dummy: astronomically unlikely, and still not a user.
	return ErrMismatch
}
