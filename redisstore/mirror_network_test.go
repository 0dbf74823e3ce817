package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/keycard-go/keycard/redisstore"
)

// TestMirrorConnectionCut resets every connection of instance A, and keeps A from reaching
// Redis while B revokes: A refuses what it cannot check, and once it is back it has the
// revocation it had no notice of.
func TestMirrorConnectionCut(t *testing.T) {
	fs := newFaultSetup(t)

	t.Run("cut", func(t *testing.T) {
		fs.proxy.Cut()
		expectRefused(t, fs.a.mirror, "during-reconnect", "", revoke(t, fs.b.mirror, "during-reconnect").Add(lag))
		expectLive(t, fs.a.mirror)
	})

	t.Run("cut and unreachable", func(t *testing.T) {
		cut := time.Now()
		fs.proxy.Stall() // new connections get nowhere
		fs.proxy.Cut()
		expectFailClosed(t, fs.a.mirror, cut.Add(lag))
		revoked := revoke(t, fs.b.mirror, "while-away")
		expectFailClosed(t, fs.a.mirror, revoked)
		fs.proxy.Unstall()
		expectRefused(t, fs.a.mirror, "while-away", "", time.Now())
		expectLive(t, fs.a.mirror)
	})

	if st := fs.a.mirror.Stats(); st.Resyncs < 3 {
		t.Errorf("A: %+v, want a resync after each cut", st)
	}
}

// TestMirrorPartition stalls A's connections without closing them, a partition neither side
// notices: A keeps answering from memory only up to its lag bound, then asks Redis, which it
// cannot reach, and refuses. Once the network is back it catches up.
func TestMirrorPartition(t *testing.T) {
	fs := newFaultSetup(t)
	stalled := time.Now()
	fs.proxy.Stall()
	// Logged out on B while A hears nothing: A may not accept it past the bound.
	expectFailClosed(t, fs.a.mirror, stalled.Add(lag))
	revoke(t, fs.b.mirror, "partitioned")
	expectFailClosed(t, fs.a.mirror, stalled.Add(lag))
	_, err := fs.a.mirror.IsRevoked(t.Context(), "partitioned", "", time.Now(), 0)
	if !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("revoked session during the partition: err %v, want ErrUnavailable", err)
	}
	fs.proxy.Unstall()
	expectRefused(t, fs.a.mirror, "partitioned", "", time.Now())
	expectLive(t, fs.a.mirror)
	if st := fs.a.mirror.Stats(); st.Fallbacks == 0 {
		t.Errorf("A: %+v, want it to have asked Redis during the partition", st)
	}
}

// TestMirrorServerStopped freezes Redis (SIGSTOP): connections stay open and nothing answers.
// Both instances stop answering from memory within the lag bound and refuse; a revocation
// attempted meanwhile fails, and may still take effect when Redis resumes: once it has, both
// refuse it within the bound.
func TestMirrorServerStopped(t *testing.T) {
	fs := newFaultSetup(t)
	paused := time.Now()
	fs.srv.Pause()
	expectFailClosed(t, fs.a.mirror, paused.Add(lag))
	expectFailClosed(t, fs.b.mirror, paused.Add(lag))
	if err := fs.b.mirror.Revoke(t.Context(), "during-pause", time.Now().Add(time.Hour)); !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Revoke on a stopped Redis: %v, want ErrUnavailable", err)
	}
	fs.srv.Resume()
	waitSync(t, fs.a.mirror)
	waitSync(t, fs.b.mirror)

	// The journal write may have reached Redis before the timeout, and then runs when Redis
	// resumes; if it is there now, A must refuse it within the bound.
	if seen := time.Now(); journalSeq(t, fs.raw, fs.prefix) > 0 {
		expectRefused(t, fs.a.mirror, "during-pause", "", seen.Add(lag))
	} else {
		t.Log("the revocation that timed out never ran")
	}
	expectRefused(t, fs.a.mirror, "after", "", revoke(t, fs.b.mirror, "after").Add(lag))
	expectLive(t, fs.a.mirror)
	expectLive(t, fs.b.mirror)
}
