package middleware

import (
	"context"
	"time"

	"github.com/keycard-go/keycard/token"
)

// A SessionRegistry keeps the list of each subject's active sessions, for a "where you are
// signed in" page ([Sessions.ListSessions]) and for ending one of them or all others
// ([Sessions.EndSession], [Sessions.EndOtherSessions]). It also remembers the devices a subject
// signed in from, for [EventNewDevice].
//
// The middleware writes to it only when a session starts, is renewed, updated or ended, never on
// an ordinary request: a signed-in request costs no registry round trip. Its entries are not
// what makes a session valid (the token and the revocation store are): a session missing from
// the list still works, and ending one revokes it through the [RevocationStore].
//
// Implementations must be safe for concurrent use, keep at most the given number of entries
// per subject, and forget entries once they expire, so that storage never grows without bound.
// [MemoryRegistry] serves one process; the redisstore module shares the list between processes.
// Every implementation should pass the conformance suite in middleware/storetest.
type SessionRegistry interface {
	// Save records e as an entry of sub, replacing the entry with the same ID, until
	// e.Expires. When sub then has more than max entries, the ones renewed longest ago are
	// dropped and their IDs returned, so that the caller can revoke them. Save ignores
	// e.Current; an entry that has expired already is not recorded. max below 1 counts as 1.
	Save(ctx context.Context, sub token.Subject, e SessionInfo, max int) (dropped []token.SessionID, err error)

	// List returns sub's entries that have not expired, the most recently renewed first, with
	// Current false. A subject without entries gets an empty list and no error.
	List(ctx context.Context, sub token.Subject) ([]SessionInfo, error)

	// Delete removes sub's entries with the given IDs. IDs without an entry of sub, including
	// another subject's, are ignored.
	Delete(ctx context.Context, sub token.Subject, ids ...token.SessionID) error

	// SeenDevice records that sub signed in from device (an opaque string) and reports whether
	// it had been recorded before and not forgotten. The record is kept until until; a subject
	// keeps at most max devices, forgetting the ones recorded longest ago.
	SeenDevice(ctx context.Context, sub token.Subject, device string, until time.Time, max int) (seen bool, err error)
}

// SessionInfo is one entry of a [SessionRegistry]: a session as its owner sees it in a list of
// signed-in devices. Device and Client come from the client's request at the last write; show
// them, but decide nothing on them.
type SessionInfo struct {
	ID       token.SessionID `json:"id"`
	Created  time.Time       `json:"created"`  // when the session began (its token's SessionStart)
	Renewed  time.Time       `json:"renewed"`  // when its latest token was issued: login, renewal or update
	Expires  time.Time       `json:"expires"`  // when its latest token expires, and the entry with it
	Remember bool            `json:"remember"` // "remember me" was chosen
	Device   string          `json:"device"`   // [DeviceName] of the User-Agent, such as "Firefox on Linux"
	Client   string          `json:"client"`   // the client address, as [WithClientIP] reports it
	Current  bool            `json:"current"`  // set by [Sessions.ListSessions] for the request's own session
}
