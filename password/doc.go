// Package password hashes and verifies user passwords with bcrypt, with safe defaults and a
// bound on concurrent work.
//
// Security model. Only bcrypt hashes are stored; plaintext passwords are never kept, logged
// or put in errors, and neither are hashes. Hashing refuses rather than alters: passwords
// longer than bcrypt's 72 bytes, shorter than a minimum (8 characters by default), empty, or
// containing a NUL byte are rejected with sentinel errors, never truncated. Stored hashes are
// untrusted input: they are parsed strictly before any bcrypt work, and a cost ceiling stops
// a corrupt value from burning CPU for days. Hashes written by other implementations ($2a$,
// $2b$, $2y$: bcryptjs, PHP, OpenBSD) verify, so users migrate without a reset. Timing does
// not reveal who has an account: [Hasher.VerifyDummy] compares against a dummy hash when
// the user does not exist, and every mismatch is padded, in wall time, to what a comparison
// two costs above the hasher's takes, so a wrong password against an older or costlier
// stored hash ends when an unknown user's attempt does (see [Hasher.Verify]). A flood of
// logins cannot pile up: each [Hasher] runs at most a fixed number of bcrypt operations at
// once, and callers whose context ends while waiting get [ErrBusy] instead of queueing
// forever.
//
// Typical use: build one [Hasher] with [New] at start-up and share it. On registration call
// [Hasher.Hash]; on login call [Hasher.Verify] (or [Hasher.VerifyDummy] when the user does
// not exist), treat errors.Is(err, [ErrMismatch]) as wrong credentials, and after a match
// store a new hash when [Hasher.NeedsRehash] says so. The package-level [Hash] and [Verify]
// use a default Hasher for simple programs.
package password
