package redisstore_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// TestMirrorMatchesMemory runs random sequences of revocations, checks and clock steps against
// two mirrors on one prefix: A writes, and both must answer as [middleware.MemoryRevocation]
// does, A at once and B once it has applied the notice. The sequences keep the interface's
// contract: a subject's until is the end of the longest session begun by its cut-off, and only
// live sessions are checked.
func TestMirrorMatchesMemory(t *testing.T) {
	const lifetime = 30 * time.Minute
	opt := redisOptions(t)
	clientA, clientB := newClient(t, opt), newClient(t, opt)
	ctx := t.Context()
	for seed := range uint64(5) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newClock(t0)
			storeA, prefix := newStore(t, clientA, redisstore.WithClock(clk.Now), redisstore.WithTimeout(5*time.Second))
			storeB, err := redisstore.New(clientB, redisstore.WithPrefix(prefix), redisstore.WithClock(clk.Now), redisstore.WithTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			a, b := newMirror(t, storeA), newMirror(t, storeB)
			mem := middleware.NewMemoryRevocation(clk.Now)
			rng := rand.New(rand.NewPCG(seed, 2))
			minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Minute }
			millis := func(n int) time.Duration { return time.Duration(rng.IntN(n)) * time.Millisecond }
			sid := func() token.SessionID { return token.SessionID("sid-" + strconv.Itoa(rng.IntN(4))) }
			sub := func() token.Subject { return token.Subject("sub-" + strconv.Itoa(rng.IntN(3))) }

			var checks, revoked int
			for i := range 200 {
				now := clk.Now()
				switch op := rng.IntN(10); {
				case op < 2:
					id, until := sid(), now.Add(minutes(-10, 40))
					if err := a.Revoke(ctx, id, until); err != nil {
						t.Fatal(err)
					}
					mem.Revoke(ctx, id, until)
				case op < 4:
					who := sub()
					cutoff := now.Add(-minutes(0, 5) - millis(1000))
					until := cutoff.Add(lifetime)
					if err := a.RevokeSubject(ctx, who, cutoff, until); err != nil {
						t.Fatal(err)
					}
					mem.RevokeSubject(ctx, who, cutoff, until)
				case op < 5:
					clk.Add(minutes(0, 15))
				case op < 6:
					id, version, until := sid(), uint64(rng.IntN(4)), now.Add(minutes(-10, 40))
					if err := a.RevokeBefore(ctx, id, version, until); err != nil {
						t.Fatal(err)
					}
					mem.RevokeBefore(ctx, id, version, until)
				default:
					id, who, version := sid(), sub(), uint64(rng.IntN(5))
					authTime := now.Add(-minutes(0, 29) - millis(60_000))
					want, _ := mem.IsRevoked(ctx, id, who, authTime, version)
					check := func(name string, m *redisstore.Mirror) {
						got, err := m.IsRevoked(ctx, id, who, authTime, version)
						if err != nil || got != want {
							t.Fatalf("step %d: %s: IsRevoked(%s, %s, %v, %d) = %v, %v; memory says %v", i, name, id, who, authTime, version, got, err, want)
						}
					}
					check("A", a)
					waitSeq(t, b, journalSeq(t, clientA, prefix))
					check("B", b)
					checks++
					if want {
						revoked++
					}
				}
			}
			if revoked == 0 || revoked == checks {
				t.Errorf("%d of %d checks came out revoked: the sequence tests little", revoked, checks)
			}
			t.Logf("A %+v, B %+v", a.Stats(), b.Stats())
		})
	}
}

// TestMirrorSteadyState checks that a current mirror answers checks without any Redis command:
// the only commands are its heartbeats, whose number depends on time, not on requests.
func TestMirrorSteadyState(t *testing.T) {
	client := newClient(t, redisOptions(t))
	counter := countCommands(client)
	store, _ := newStore(t, client, redisstore.WithTimeout(5*time.Second))
	// A long lag, so that a loaded machine delaying a heartbeat cannot make the mirror ask
	// Redis: the test counts commands, not time.
	const maxLag = 20 * time.Second
	m := newMirror(t, store, redisstore.WithMaxLag(maxLag))
	ctx := t.Context()
	now := time.Now()
	for i := range 100 {
		if err := m.Revoke(ctx, token.SessionID("revoked-"+strconv.Itoa(i)), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.RevokeSubject(ctx, "bob", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitSync(t, m)
	counter.take()

	const checks = 20_000
	start := time.Now()
	for i := range checks {
		sid := token.SessionID("live-" + strconv.Itoa(i))
		want := i%4 == 0
		if want {
			sid = token.SessionID("revoked-" + strconv.Itoa(i%100))
		}
		if got := mirrorRevoked(t, m, sid, "alice", now); got != want {
			t.Fatalf("IsRevoked(%s) = %v, want %v", sid, got, want)
		}
		if !mirrorRevoked(t, m, "live", "bob", now.Add(-time.Minute)) {
			t.Fatal("session of bob before the cut-off: not revoked")
		}
	}
	elapsed := time.Since(start)
	got := counter.take()
	beats := got["hmget"]
	delete(got, "hmget")
	if len(got) != 0 {
		t.Errorf("%d checks sent commands %v, want none but heartbeats", 2*checks, got)
	}
	if max := int(elapsed/(maxLag/4)) + 2; beats > max {
		t.Errorf("%d heartbeats in %v, want at most %d", beats, elapsed, max)
	}
	if st := m.Stats(); st.Fallbacks != 0 {
		t.Errorf("%+v: want no fallback", st)
	}
	t.Logf("%d checks in %v, %d heartbeats", 2*checks, elapsed, beats)
}

// TestMirrorPropagation plays two instances sharing one redis-server: a logout on one must be
// refused on the other within 100ms at p99, and never accepted after the mirror's lag bound.
func TestMirrorPropagation(t *testing.T) {
	opt := redisOptions(t)
	clientA, clientB := newClient(t, opt), newClient(t, opt)
	// Writes may take long on a loaded machine; the bound checked is the mirrors'.
	storeA, prefix := newStore(t, clientA, redisstore.WithTimeout(5*time.Second))
	storeB, err := redisstore.New(clientB, redisstore.WithPrefix(prefix), redisstore.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	a, b := newMirror(t, storeA), newMirror(t, storeB)
	ctx := t.Context()

	const rounds = 200
	var latencies, fromStart []time.Duration
	for i := range rounds {
		from, to := a, b
		if i%2 == 1 {
			from, to = b, a
		}
		sid := token.SessionID(fmt.Sprintf("sid-%d", i))
		sub := token.Subject(fmt.Sprintf("user-%d", i))
		if mirrorRevoked(t, to, sid, sub, time.Now()) {
			t.Fatalf("round %d: revoked before the logout", i)
		}
		var err error
		start := time.Now()
		if i%4 < 2 {
			err = from.Revoke(ctx, sid, time.Now().Add(time.Hour))
		} else {
			err = from.RevokeSubject(ctx, sub, time.Now(), time.Now().Add(time.Hour))
		}
		if err != nil {
			t.Fatal(err)
		}
		done := time.Now()
		authTime := done.Add(-time.Minute)
		for {
			asked := time.Now()
			revoked, err := to.IsRevoked(ctx, sid, sub, authTime, 0)
			if err != nil || revoked {
				latencies = append(latencies, asked.Sub(done))
				fromStart = append(fromStart, asked.Sub(start))
				break
			}
			if asked.Sub(done) > redisstore.DefaultMaxLag {
				t.Fatalf("round %d: still accepted %v after the logout, past the lag bound %v", i, asked.Sub(done), redisstore.DefaultMaxLag)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}
	slices.Sort(latencies)
	slices.Sort(fromStart)
	pct := func(d []time.Duration, q float64) time.Duration { return d[int(q*float64(len(d)-1))] }
	p99 := pct(latencies, 0.99)
	t.Logf("logout on one instance refused on the other, %d rounds: after the logout returned p50 %v, p99 %v, max %v; "+
		"after it began p50 %v, p99 %v", rounds, pct(latencies, 0.5), p99, pct(latencies, 1), pct(fromStart, 0.5), pct(fromStart, 0.99))
	if p99 > 100*time.Millisecond {
		t.Errorf("p99 %v, want at most 100ms", p99)
	}
	t.Logf("A %+v, B %+v", a.Stats(), b.Stats())
}

// TestMirrorReadsOwnWrites checks that the instance that revokes refuses at once, before the
// notice comes back.
func TestMirrorReadsOwnWrites(t *testing.T) {
	client := newClient(t, redisOptions(t))
	store, _ := newStore(t, client, redisstore.WithTimeout(5*time.Second))
	m := newMirror(t, store)
	ctx := t.Context()
	now := time.Now()
	for i := range 50 {
		sid := token.SessionID("sid-" + strconv.Itoa(i))
		if err := m.Revoke(ctx, sid, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !mirrorRevoked(t, m, sid, "alice", now) {
			t.Fatalf("%s: not revoked right after Revoke returned", sid)
		}
		sub := token.Subject("user-" + strconv.Itoa(i))
		if err := m.RevokeSubject(ctx, sub, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !mirrorRevoked(t, m, "other", sub, now.Add(-time.Second)) {
			t.Fatalf("%s: not revoked right after RevokeSubject returned", sub)
		}
	}
}
