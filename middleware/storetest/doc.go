// Package storetest checks implementations of the middleware's store interfaces against the
// contract the middleware relies on, in the spirit of [testing/fstest]: each Test function
// takes a constructor and runs every rule as a subtest, on a fresh store each.
//
//   - [TestRevocationStore] checks a [middleware.RevocationStore], also behind
//     [middleware.Sessions]: a logged-out token stays refused until it has expired, the
//     verifier's leeway included, and a session's version cut-off refuses its older tokens.
//   - [TestLimiter] checks a [middleware.Limiter]: both limits, refusals that count nowhere,
//     Reset, atomicity, and that a flood never frees a live window.
//   - [TestSessionRegistry] checks a [middleware.SessionRegistry]: entries as saved, ordered,
//     apart per subject, expiring, bounded, known devices, and two [middleware.Sessions]
//     sharing one list.
//   - [TestOnceStore] checks a [middleware.OnceStore]: one first use per key, markers kept
//     exactly until their until and forgotten after, opaque keys, invalid markers refused,
//     exactly one first among parallel uses.
//
// The keycard middleware runs them on its memory stores and the redisstore module on Redis, so
// that two implementations cannot drift apart; a store of your own should run them too.
//
// Time is a [Clock] the suite moves. A store reads it through the function it is given; a
// store whose records also expire on a clock of its own (Redis key expiry runs on the server)
// registers [Clock.OnAdvance] to let the same time pass there. Since such a clock keeps
// running while the suite does, the suite checks when windows end and records expire to within
// [Tolerance]; answers computed from the clock it passes (revocation untils and cut-offs) are
// checked to the millisecond and the microsecond.
package storetest
