package redisstore_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/keycard-go/keycard/token"
)

// TestMirrorGap breaks the stream of notices: a change without its notice (a notice lost, or a
// write that failed half-way), and notices that skip, repeat, take a sequence number that a real
// change then reuses, or are not the journal's at all. In every case the mirror must not miss a
// revocation past its bound, and must come back in sync.
func TestMirrorGap(t *testing.T) {
	fs := newFaultSetup(t)
	a := fs.a.mirror
	ctx := t.Context()
	journal := fs.prefix + "journal"
	expectRefused(t, a, "first", "", revoke(t, fs.b.mirror, "first").Add(lag))
	epoch := fs.raw.HGet(ctx, journal, "epoch").Val()
	publish := func(t *testing.T, payload string) {
		t.Helper()
		if err := fs.raw.Publish(ctx, journal, payload).Err(); err != nil {
			t.Fatal(err)
		}
	}
	until := func() string { return strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10) }
	resyncs := func() uint64 { return a.Stats().Resyncs }

	t.Run("change without notice", func(t *testing.T) {
		before := resyncs()
		// What Store.write does, minus the PUBLISH.
		u := until()
		pipe := fs.raw.TxPipeline()
		pipe.HSet(ctx, journal, "s:silent", u)
		pipe.HIncrBy(ctx, journal, "seq", 1)
		pipe.Set(ctx, fs.prefix+"sid:silent", u, time.Hour)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		expectRefused(t, a, "silent", "", time.Now().Add(lag))
		waitFor(t, "a resync", func() bool { return resyncs() > before })
		expectRefused(t, a, "silent", "", time.Now()) // from memory now
		expectLive(t, a)
	})

	t.Run("change without notice, then one with", func(t *testing.T) {
		// The next notice arrives before any heartbeat could notice the missing one.
		pipe := fs.raw.TxPipeline()
		u := until()
		pipe.HSet(ctx, journal, "s:silent-2", u)
		pipe.HIncrBy(ctx, journal, "seq", 1)
		pipe.Set(ctx, fs.prefix+"sid:silent-2", u, time.Hour)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		written := time.Now()
		revoke(t, fs.b.mirror, "noticed")
		expectRefused(t, a, "silent-2", "", written.Add(lag))
		expectRefused(t, a, "noticed", "", time.Now())
		expectLive(t, a)
		expectRefused(t, a, "silent-2", "", time.Now())
	})

	t.Run("another change at the mirror's sequence number", func(t *testing.T) {
		// What a restore from an older snapshot leaves once new changes have brought the
		// sequence number back to the mirror's, their notices lost with the connection the
		// restart cut: the same epoch and number, another change. TestMirrorRedisRestartedOlder
		// meets it when the mirror is slow to see its subscription end.
		before := resyncs()
		if err := fs.raw.HSet(ctx, journal, "last", "c0ffee").Err(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a resync", func() bool { return resyncs() > before })
		expectLive(t, a)
		expectRefused(t, a, "after-restore", "", revoke(t, fs.b.mirror, "after-restore").Add(lag))
	})

	for _, tc := range []struct {
		name    string
		payload func(seq int64) string
	}{
		{"skipped", func(seq int64) string { return fmt.Sprintf("%s %d c0ffee %s s:skipped", epoch, seq+5, until()) }},
		{"repeated", func(seq int64) string { return fmt.Sprintf("%s %d c0ffee %s s:repeated", epoch, seq, until()) }},
		{"other epoch", func(seq int64) string { return fmt.Sprintf("0000 %d c0ffee %s s:other", seq+1, until()) }},
		{"malformed", func(int64) string { return "not a notice" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := resyncs()
			publish(t, tc.payload(a.Stats().Seq))
			waitFor(t, "a resync", func() bool { return resyncs() > before })
			expectLive(t, a)
			expectRefused(t, a, sessionID(tc.name), "", revoke(t, fs.b.mirror, sessionID(tc.name)).Add(lag))
		})
	}

	t.Run("forged next notice", func(t *testing.T) {
		// A forged notice with the next sequence number is applied (it can only add a
		// revocation); the real change that then takes that number must not be missed.
		before := resyncs()
		publish(t, fmt.Sprintf("%s %d c0ffee %s s:forged", epoch, a.Stats().Seq+1, until()))
		waitFor(t, "the forged notice applied", func() bool { return mirrorRevoked(t, a, "forged", "", time.Now()) })
		expectRefused(t, a, "real", "", revoke(t, fs.b.mirror, "real").Add(lag))
		waitFor(t, "a resync", func() bool { return resyncs() > before })
		expectLive(t, a)
	})
}

func sessionID(name string) token.SessionID { return token.SessionID("sid-" + name) }
