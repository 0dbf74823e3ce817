package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// The rules of a session's version cut-off, run by [TestRevocationStore].

func revokeBefore(t *testing.T, s middleware.RevocationStore, sid token.SessionID, version uint64, until time.Time) {
	t.Helper()
	if err := s.RevokeBefore(t.Context(), sid, version, until); err != nil {
		t.Fatalf("RevokeBefore(%q, %d, %v): %v", sid, version, until, err)
	}
}

// versionRevoked asks about a token of sid at version, of a session that began an hour ago.
func versionRevoked(t *testing.T, s middleware.RevocationStore, clock *Clock, sid token.SessionID, version uint64) bool {
	t.Helper()
	got, err := s.IsRevoked(t.Context(), sid, "alice", clock.Now().Add(-time.Hour), version)
	if err != nil {
		t.Fatalf("IsRevoked(%q, version %d): %v", sid, version, err)
	}
	return got
}

func expectVersions(t *testing.T, s middleware.RevocationStore, clock *Clock, what string, sid token.SessionID, want map[uint64]bool) {
	t.Helper()
	for v, w := range want {
		if got := versionRevoked(t, s, clock, sid, v); got != w {
			t.Errorf("%s: version %d revoked %v, want %v", what, v, got, w)
		}
	}
}

func versionsBelow(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	until := clock.Now().Add(time.Hour)
	revokeBefore(t, s, "sid-1", 3, until)
	expectVersions(t, s, clock, "cut-off at 3", "sid-1", map[uint64]bool{0: true, 2: true, 3: false, 4: false})
	// Before until the suite allows for a store whose records expire on its own clock; after
	// it, untils count to the millisecond (Redis rounds them up to one).
	clock.Advance(time.Hour - Tolerance)
	expectVersions(t, s, clock, "shortly before until", "sid-1", map[uint64]bool{2: true})
	clock.Advance(Tolerance + time.Millisecond)
	expectVersions(t, s, clock, "a millisecond after until", "sid-1", map[uint64]bool{0: false, 2: false})
	revokeBefore(t, s, "sid-2", 5, clock.Now().Add(-time.Millisecond))
	expectVersions(t, s, clock, "until that has passed", "sid-2", map[uint64]bool{0: false})
}

func versionsLaterWins(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	for i, calls := range [][2]struct {
		v uint64
		d time.Duration
	}{
		{{2, 2 * time.Hour}, {5, time.Hour}},
		{{5, time.Hour}, {2, 2 * time.Hour}},
	} {
		sid := token.SessionID([]string{"sid-a", "sid-b"}[i])
		for _, c := range calls {
			revokeBefore(t, s, sid, c.v, now.Add(c.d))
		}
		expectVersions(t, s, clock, "both recorded", sid, map[uint64]bool{4: true, 5: false})
	}
	clock.Advance(90 * time.Minute)
	for _, sid := range []token.SessionID{"sid-a", "sid-b"} {
		expectVersions(t, s, clock, "past the earlier until", sid, map[uint64]bool{4: true, 5: false})
	}
}

func versionsExpired(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	revokeBefore(t, s, "sid-1", 9, clock.Now().Add(time.Minute))
	clock.Advance(2 * time.Minute)
	revokeBefore(t, s, "sid-1", 2, clock.Now().Add(time.Hour))
	expectVersions(t, s, clock, "a new cut-off after an expired one", "sid-1", map[uint64]bool{1: true, 2: false, 8: false})
}

func versionsApart(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	revokeBefore(t, s, "sid-1", 3, now.Add(time.Hour))
	expectVersions(t, s, clock, "another session", "sid-2", map[uint64]bool{0: false})
	expectVersions(t, s, clock, "a session whose ID extends it", "sid-10", map[uint64]bool{0: false})
	// A whole-session revocation covers every version, cut-off or not.
	if err := s.Revoke(t.Context(), "sid-1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	expectVersions(t, s, clock, "revoked session", "sid-1", map[uint64]bool{3: true, 100: true})
	// A subject cut-off still applies to versions above a session's cut-off.
	revokeBefore(t, s, "sid-3", 1, now.Add(time.Hour))
	if err := s.RevokeSubject(t.Context(), "alice", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	expectVersions(t, s, clock, "subject revoked", "sid-3", map[uint64]bool{1: true, 7: true})
	got, err := s.IsRevoked(t.Context(), "sid-3", "alice", now.Add(time.Second), 1)
	if err != nil || got {
		t.Errorf("a session that began after the subject cut-off, at a valid version: revoked %v (%v)", got, err)
	}
}

func versionsLarge(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	const big = 1<<63 + 1
	revokeBefore(t, s, "sid-1", big, clock.Now().Add(time.Hour))
	expectVersions(t, s, clock, "cut-off at 2^63+1", "sid-1", map[uint64]bool{1 << 63: true, big: false, 1<<64 - 1: false})
}

func versionsConcurrent(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	until := clock.Now().Add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for v := range uint64(40) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RevokeBefore(t.Context(), "sid-1", v, until); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	expectVersions(t, s, clock, "after 40 concurrent cut-offs", "sid-1", map[uint64]bool{38: true, 39: false})
}
