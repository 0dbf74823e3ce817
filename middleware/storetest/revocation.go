package storetest

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// TestRevocationStore checks a [middleware.RevocationStore] against the contract the
// middleware relies on. newStore must return a fresh, empty store that reads clock.Now (and,
// if its records also expire on a clock of its own, registers [Clock.OnAdvance]); it is called
// once per subtest.
//
// The rules, one subtest each: a revoked session stays revoked until its until, whatever the
// subject and auth_time asked about, and not a millisecond longer; an until that has passed
// revokes nothing; of two untils for one session the later wins, in either order; a subject
// cut-off revokes the sessions that began before it, compared in whole microseconds, until its
// until; of two cut-offs and of two untils for one subject the later wins, independently and in
// either order; sessions, subjects and odd strings are kept apart; concurrent use is safe and
// reads its own writes; behind [middleware.Sessions], a logout and a "log out everywhere"
// hold until the tokens they ended have expired, the verifier's leeway included; and a
// session's version cut-off (RevokeBefore), which [middleware.Sessions.Update] and
// re-authentication rely on: versions below it are revoked and the others not, until its until;
// of two cut-offs the higher version and the later until win, in either order; an expired one
// counts as absent; it is per session and leaves the other records as they are; the largest
// versions compare exactly; concurrent cut-offs keep the highest.
func TestRevocationStore(t *testing.T, newStore func(t *testing.T, clock *Clock) middleware.RevocationStore) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s middleware.RevocationStore, clock *Clock)
	}{
		{"Revoke holds until until", revokeUntil},
		{"Revoke with an until that has passed", revokePast},
		{"Revoke: the later until wins", revokeLaterUntil},
		{"RevokeSubject: cut-off in whole microseconds, until until", subjectCutoff},
		{"RevokeSubject: the later cut-off wins", subjectLaterCutoff},
		{"RevokeSubject: the later until wins", subjectLaterUntil},
		{"RevokeSubject with an until that has passed", subjectPast},
		{"records are kept apart", recordsApart},
		{"concurrent use", revocationConcurrent},
		{"Sessions: a logout holds until the token has expired", logoutHolds},
		{"Sessions: log out everywhere holds until the tokens have expired", endAllHolds},
		{"RevokeBefore: versions below the cut-off, until until", versionsBelow},
		{"RevokeBefore: the higher version and the later until win", versionsLaterWins},
		{"RevokeBefore: an expired cut-off counts as absent", versionsExpired},
		{"RevokeBefore: per session, beside the other records", versionsApart},
		{"RevokeBefore: large versions", versionsLarge},
		{"RevokeBefore: concurrent cut-offs", versionsConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(start())
			tc.run(t, newStore(t, clock), clock)
		})
	}
}

func isRevoked(t *testing.T, s middleware.RevocationStore, sid token.SessionID, sub token.Subject, authTime time.Time) bool {
	t.Helper()
	got, err := s.IsRevoked(t.Context(), sid, sub, authTime, 0)
	if err != nil {
		t.Fatalf("IsRevoked(%q, %q, %v): %v", sid, sub, authTime, err)
	}
	return got
}

func revoke(t *testing.T, s middleware.RevocationStore, sid token.SessionID, until time.Time) {
	t.Helper()
	if err := s.Revoke(t.Context(), sid, until); err != nil {
		t.Fatalf("Revoke(%q, %v): %v", sid, until, err)
	}
}

func revokeSubject(t *testing.T, s middleware.RevocationStore, sub token.Subject, cutoff, until time.Time) {
	t.Helper()
	if err := s.RevokeSubject(t.Context(), sub, cutoff, until); err != nil {
		t.Fatalf("RevokeSubject(%q, %v, %v): %v", sub, cutoff, until, err)
	}
}

// expectRevoked fails the test unless IsRevoked answers want.
func expectRevoked(t *testing.T, s middleware.RevocationStore, what string, sid token.SessionID, sub token.Subject, authTime time.Time, want bool) {
	t.Helper()
	if got := isRevoked(t, s, sid, sub, authTime); got != want {
		t.Errorf("%s: IsRevoked(%q, %q, auth_time %s) = %v, want %v", what, sid, sub, authTime.Format(time.StampMicro), got, want)
	}
}

func revokeUntil(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	expectRevoked(t, s, "before Revoke", "sid-1", "alice", now.Add(-time.Minute), false)
	revoke(t, s, "sid-1", now.Add(time.Hour))
	expectRevoked(t, s, "revoked session", "sid-1", "alice", now.Add(-time.Minute), true)
	expectRevoked(t, s, "revoked session, asked with another subject and auth_time", "sid-1", "bob", now, true)
	expectRevoked(t, s, "another session of the subject", "sid-2", "alice", now.Add(-time.Minute), false)
	clock.Advance(time.Hour - Tolerance)
	expectRevoked(t, s, "shortly before until", "sid-1", "alice", now.Add(-time.Minute), true)
	clock.Advance(Tolerance + time.Millisecond)
	expectRevoked(t, s, "a millisecond after until", "sid-1", "alice", now.Add(-time.Minute), false)
}

func revokePast(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	for i, until := range []time.Time{now, now.Add(-time.Second), {}} {
		sid := token.SessionID("sid-" + strconv.Itoa(i))
		revoke(t, s, sid, until)
		expectRevoked(t, s, "until "+until.Format(time.StampMilli), sid, "alice", now.Add(-time.Minute), false)
	}
}

func revokeLaterUntil(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	orders := [][]time.Duration{
		{time.Hour, 2 * time.Hour},
		{2 * time.Hour, time.Hour},
		{2 * time.Hour, -time.Hour},
		{2 * time.Hour, time.Hour, 90 * time.Minute},
	}
	for i, untils := range orders {
		for _, d := range untils {
			revoke(t, s, token.SessionID("sid-"+strconv.Itoa(i)), now.Add(d))
		}
	}
	check := func(what string, want bool) {
		t.Helper()
		for i, untils := range orders {
			expectRevoked(t, s, what+", untils "+fmtDurations(untils), token.SessionID("sid-"+strconv.Itoa(i)), "alice", now, want)
		}
	}
	clock.Advance(100 * time.Minute)
	check("after 100 minutes", true)
	clock.Advance(20*time.Minute - Tolerance)
	check("shortly before the later until", true)
	clock.Advance(Tolerance + time.Millisecond)
	check("a millisecond after the later until", false)
}

func fmtDurations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

func subjectCutoff(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	cutoff := now.Add(-10 * time.Minute) // with 789 ns past a whole microsecond
	until := now.Add(time.Hour)
	us := cutoff.Truncate(time.Microsecond)
	revokeSubject(t, s, "alice", cutoff, until)
	for _, tc := range []struct {
		name     string
		sub      token.Subject
		authTime time.Time
		want     bool
	}{
		{"began an hour before", "alice", cutoff.Add(-time.Hour), true},
		{"began a microsecond before", "alice", us.Add(-time.Microsecond), true},
		{"began earlier in the cut-off's microsecond", "alice", us, false},
		{"began at the cut-off (a login right after)", "alice", cutoff, false},
		{"began later in the cut-off's microsecond", "alice", us.Add(999), false},
		{"began a second after", "alice", cutoff.Add(time.Second), false},
		{"another subject", "bob", cutoff.Add(-time.Hour), false},
	} {
		expectRevoked(t, s, tc.name, "sid-1", tc.sub, tc.authTime, tc.want)
	}
	clock.Advance(time.Hour - Tolerance)
	expectRevoked(t, s, "shortly before until", "sid-1", "alice", cutoff.Add(-time.Hour), true)
	clock.Advance(Tolerance + time.Millisecond)
	expectRevoked(t, s, "a millisecond after until", "sid-1", "alice", cutoff.Add(-time.Hour), false)
}

func subjectLaterCutoff(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	early, late := now.Add(-10*time.Minute), now.Add(-9*time.Minute)
	until := now.Add(time.Hour)
	revokeSubject(t, s, "alice", early, until)
	revokeSubject(t, s, "alice", late, until)
	revokeSubject(t, s, "bob", late, until)
	revokeSubject(t, s, "bob", early, until) // an earlier cut-off must not replace the later
	for _, sub := range []token.Subject{"alice", "bob"} {
		expectRevoked(t, s, "session between the cut-offs", "sid-1", sub, early.Add(30*time.Second), true)
		expectRevoked(t, s, "session at the later cut-off", "sid-1", sub, late, false)
	}
}

func subjectLaterUntil(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	early, late := now.Add(-10*time.Minute), now.Add(-9*time.Minute)
	revokeSubject(t, s, "alice", early, now.Add(2*time.Hour))
	revokeSubject(t, s, "alice", late, now.Add(time.Hour)) // a shorter until must not shorten the record
	revokeSubject(t, s, "bob", late, now.Add(time.Hour))
	revokeSubject(t, s, "bob", early, now.Add(2*time.Hour))
	clock.Advance(90 * time.Minute)
	for _, sub := range []token.Subject{"alice", "bob"} {
		expectRevoked(t, s, "after 90 minutes, session between the cut-offs", "sid-1", sub, early.Add(30*time.Second), true)
	}
	clock.Advance(30*time.Minute + time.Millisecond)
	for _, sub := range []token.Subject{"alice", "bob"} {
		expectRevoked(t, s, "a millisecond after the later until", "sid-1", sub, early.Add(-time.Hour), false)
	}
}

func subjectPast(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	early, late := now.Add(-10*time.Minute), now.Add(-9*time.Minute)
	revokeSubject(t, s, "bob", early, now.Add(-time.Second))
	expectRevoked(t, s, "a record whose until has passed", "sid-1", "bob", early.Add(-time.Hour), false)
	// The cut-off and the until of a record are kept apart: a late call still raises the
	// cut-off of a live record.
	revokeSubject(t, s, "alice", early, now.Add(time.Hour))
	revokeSubject(t, s, "alice", late, now.Add(-time.Second))
	expectRevoked(t, s, "session between the cut-offs", "sid-1", "alice", early.Add(30*time.Second), true)
}

func recordsApart(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now, until := clock.Now(), clock.Now().Add(time.Hour)
	before := now.Add(-time.Minute)
	revoke(t, s, "sid-1", until)
	expectRevoked(t, s, "another session ID", "sid-10", "alice", before, false)
	expectRevoked(t, s, "a session ID that is a prefix", "sid-", "alice", before, false)
	revoked := []token.Subject{"alice@example.com", "", "a:b", "{tag}", "sub:x", "sid:sid-2", "ünï\x00code", token.Subject(strings.Repeat("x", 4096))}
	kept := []token.Subject{"Alice@example.com", "alice@example.com ", "a", "a:b:", "{tag", "tag", "sid-2", "ünï", token.Subject(strings.Repeat("x", 4095))}
	for _, sub := range revoked {
		revokeSubject(t, s, sub, now, until)
	}
	for _, sub := range revoked {
		expectRevoked(t, s, "revoked subject", "sid-2", sub, before, true)
	}
	for _, sub := range kept {
		expectRevoked(t, s, "subject never revoked", "sid-2", sub, before, false)
	}
}

func revocationConcurrent(t *testing.T, s middleware.RevocationStore, clock *Clock) {
	now := clock.Now()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			ctx := t.Context()
			sub := token.Subject("user-" + strconv.Itoa(g))
			for i := range 20 {
				sid := token.SessionID("sid-" + strconv.Itoa(g) + "-" + strconv.Itoa(i))
				if err := s.Revoke(ctx, sid, now.Add(time.Hour)); err != nil {
					t.Error(err)
					return
				}
				if err := s.RevokeSubject(ctx, sub, now.Add(time.Duration(i)*time.Millisecond), now.Add(time.Hour)); err != nil {
					t.Error(err)
					return
				}
				got, err := s.IsRevoked(ctx, sid, "nobody", now, 0)
				if err != nil || !got {
					t.Errorf("IsRevoked(%q) right after Revoke = %v, %v; want true", sid, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for g := range 8 {
		sub := token.Subject("user-" + strconv.Itoa(g))
		expectRevoked(t, s, "session before the last cut-off", "sid-x", sub, now.Add(18*time.Millisecond), true)
		expectRevoked(t, s, "session at the last cut-off", "sid-x", sub, now.Add(19*time.Millisecond), false)
	}
}
