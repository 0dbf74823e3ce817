package redisstore_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// The fault tests break the way a mirror learns of revocations and check the promise: a mirror
// never accepts a revoked session later than its lag bound after the revocation, answers from
// Redis (or refuses, when Redis does not answer) while it cannot vouch for being current, and
// comes back in sync. Every check of the bound compares times on the test's monotonic clock, so
// a slow machine makes the tests take longer, never fail.

// lag is the mirrors' bound in the fault tests: the default, as the README recommends.
const lag = redisstore.DefaultMaxLag

// instance is one application instance: a client, a store and a mirror of its own.
type instance struct {
	client *redis.Client
	store  *redisstore.Store
	mirror *redisstore.Mirror
}

// faultSetup is a redis-server of the test's own and two instances on one prefix: A reaches
// Redis through a proxy the test can cut or stall, B directly.
type faultSetup struct {
	srv    *testServer
	proxy  *proxy
	raw    *redis.Client // the test's own connection, direct
	prefix string
	a, b   instance
}

func newFaultSetup(t *testing.T, args ...string) *faultSetup {
	t.Helper()
	srv := startServer(t, args...)
	fs := &faultSetup{srv: srv, proxy: startProxy(t, srv.Addr())}
	fs.raw = newClient(t, &redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	fs.prefix = testPrefix(t, fs.raw)
	fs.a = newMirrorInstance(t, fs.proxy.Addr(), fs.prefix)
	fs.b = newMirrorInstance(t, srv.Addr(), fs.prefix)
	return fs
}

func newMirrorInstance(t *testing.T, addr, prefix string) instance {
	t.Helper()
	client := newClient(t, &redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	store, err := redisstore.New(client, redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return instance{client: client, store: store, mirror: newMirror(t, store)}
}

// expectRefused polls m about a revoked session until it answers revoked. An answer of "not
// revoked" to a call begun after bound fails the test; errors (refusals while Redis does not
// answer) are allowed on the way.
func expectRefused(t *testing.T, m *redisstore.Mirror, sid token.SessionID, sub token.Subject, bound time.Time) {
	t.Helper()
	authTime := time.Now().Add(-time.Hour)
	give := time.Now().Add(20 * time.Second)
	for {
		asked := time.Now()
		revoked, err := m.IsRevoked(t.Context(), sid, sub, authTime, 0)
		switch {
		case revoked:
			return
		case err == nil && asked.After(bound):
			t.Fatalf("session %q of %q accepted %v past the bound (%+v)", sid, sub, asked.Sub(bound), m.Stats())
		case asked.After(give):
			t.Fatalf("session %q of %q not refused in 20s: %v (%+v)", sid, sub, err, m.Stats())
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// expectFailClosed polls m about a live session until it answers with an error wrapping
// ErrUnavailable: Redis is unreachable and the mirror cannot vouch for being current. A
// "not revoked" to a call begun after bound fails the test.
func expectFailClosed(t *testing.T, m *redisstore.Mirror, bound time.Time) {
	t.Helper()
	give := time.Now().Add(20 * time.Second)
	for {
		asked := time.Now()
		revoked, err := m.IsRevoked(t.Context(), "live-session", "live-user", time.Now(), 0)
		switch {
		case errors.Is(err, redisstore.ErrUnavailable):
			return
		case err != nil || revoked:
			t.Fatalf("live session: %v, %v; want ErrUnavailable", revoked, err)
		case asked.After(bound):
			t.Fatalf("live session accepted from memory %v past the bound while Redis is unreachable (%+v)", asked.Sub(bound), m.Stats())
		case asked.After(give):
			t.Fatalf("still answering in 20s (%+v)", m.Stats())
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// expectLive checks that m, in sync, accepts a live session without asking Redis.
func expectLive(t *testing.T, m *redisstore.Mirror) {
	t.Helper()
	waitSync(t, m)
	before := m.Stats().Fallbacks
	if mirrorRevoked(t, m, "live-session", "live-user", time.Now()) {
		t.Fatal("live session refused")
	}
	if st := m.Stats(); st.Fallbacks != before {
		t.Errorf("in sync, yet asked Redis: %+v", st)
	}
}

// revoke revokes sid through m and returns when it was done. A write that missed the store's
// timeout (a loaded machine) is tried again, as revoking twice is the same as once.
func revoke(t *testing.T, m *redisstore.Mirror, sid token.SessionID) time.Time {
	t.Helper()
	var err error
	for range 20 {
		if err = m.Revoke(t.Context(), sid, time.Now().Add(time.Hour)); err == nil {
			return time.Now()
		}
	}
	t.Fatalf("Revoke(%q): %v", sid, err)
	return time.Time{}
}

// storeRevoked asks Redis itself, through the plain store; a call that missed the store's
// timeout answers false, for waitFor to ask again.
func storeRevoked(t *testing.T, s *redisstore.Store, sid token.SessionID) bool {
	t.Helper()
	got, err := s.IsRevoked(t.Context(), sid, "nobody", time.Now(), 0)
	if err != nil && !errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("Store.IsRevoked(%q): %v", sid, err)
	}
	return got
}

// waitFor polls cond for up to 20s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for give := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(give) {
			t.Fatalf("%s: not within 20s", what)
		}
	}
}

// TestMirrorRedisRestartedEmpty kills Redis and starts it again without its data. While it is
// down the mirrors refuse what they cannot check; when it is back they read the new journal,
// see what Redis forgot and write it back, and follow the changes made since.
func TestMirrorRedisRestartedEmpty(t *testing.T) {
	fs := newFaultSetup(t)
	expectRefused(t, fs.a.mirror, "before", "", revoke(t, fs.b.mirror, "before").Add(lag))
	if err := fs.b.mirror.RevokeBefore(t.Context(), "updated", 3, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := fs.b.mirror.RevokeSubject(t.Context(), "everywhere", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	oldVersion := func(m *redisstore.Mirror) bool {
		got, err := m.IsRevoked(t.Context(), "updated", "", time.Now(), 2)
		return err == nil && got
	}
	waitFor(t, "the version cut-off on A", func() bool { return oldVersion(fs.a.mirror) })

	down := time.Now()
	fs.srv.Stop()
	expectFailClosed(t, fs.a.mirror, down.Add(lag))
	expectRefused(t, fs.a.mirror, "before", "", time.Now()) // from memory, Redis being down

	fs.srv.Start()
	expectRefused(t, fs.a.mirror, "after", "", revoke(t, fs.b.mirror, "after").Add(lag))
	expectLive(t, fs.a.mirror)
	waitFor(t, "the revocation Redis forgot written back", func() bool { return storeRevoked(t, fs.b.store, "before") })
	waitFor(t, "the version and subject cut-offs written back", func() bool {
		v, err1 := fs.b.store.IsRevoked(t.Context(), "updated", "", time.Now(), 2)
		u, err2 := fs.b.store.IsRevoked(t.Context(), "other", "everywhere", time.Now().Add(-time.Minute), 0)
		return err1 == nil && err2 == nil && v && u
	})
	if current, err := fs.a.mirror.IsRevoked(t.Context(), "updated", "", time.Now(), 3); !oldVersion(fs.a.mirror) || current || err != nil {
		t.Errorf("A: the version cut-off no longer holds as it did (current version: %v, %v)", current, err)
	}
	// A mirror counts its repair once its writes are done, a moment after they show in Redis.
	waitFor(t, "a resync and a repair in the stats", func() bool {
		a, b := fs.a.mirror.Stats(), fs.b.mirror.Stats()
		return a.Repairs+b.Repairs > 0 && a.Resyncs >= 2
	})
}

// TestMirrorRedisRestartedOlder restarts Redis from a snapshot older than its last changes, as
// after a crash with RDB persistence: the journal keeps its epoch but goes back in sequence.
func TestMirrorRedisRestartedOlder(t *testing.T) {
	fs := newFaultSetup(t)
	revoke(t, fs.b.mirror, "saved")
	if err := fs.raw.Save(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	lost := revoke(t, fs.b.mirror, "lost") // after the snapshot
	expectRefused(t, fs.a.mirror, "lost", "", lost.Add(lag))

	fs.srv.Stop()
	fs.srv.Start() // loads the snapshot: "lost" is gone from Redis
	expectRefused(t, fs.a.mirror, "after", "", revoke(t, fs.b.mirror, "after").Add(lag))
	expectRefused(t, fs.a.mirror, "lost", "", time.Now())
	expectLive(t, fs.a.mirror)
	waitFor(t, "the revocation lost to the snapshot written back", func() bool { return storeRevoked(t, fs.b.store, "lost") })
	waitFor(t, "a repair in the stats", func() bool { return fs.a.mirror.Stats().Repairs+fs.b.mirror.Stats().Repairs > 0 })
}

// TestMirrorRedisFull makes Redis full with noeviction (maxmemory below the memory in use):
// writes are refused, so no revocation can be made that a mirror could miss, and reads, the
// mirrors' heartbeats, go on.
func TestMirrorRedisFull(t *testing.T) {
	fs := newFaultSetup(t, "--maxmemory-policy", "noeviction")
	expectRefused(t, fs.a.mirror, "before", "", revoke(t, fs.b.mirror, "before").Add(lag))
	junk := fill(t, fs.raw, "junk:", 0, 16)
	used, err := fs.raw.MemoryUsage(t.Context(), junk[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	setMaxMemory(t, fs.raw, int64(len(junk))*used/2) // half what the junk alone takes
	seq := journalSeq(t, fs.raw, fs.prefix)

	err = fs.b.mirror.Revoke(t.Context(), "refused", time.Now().Add(time.Hour))
	if !errors.Is(err, redisstore.ErrUnavailable) || !strings.Contains(err.Error(), "OOM") {
		t.Fatalf("Revoke on a full Redis: %v, want ErrUnavailable with OOM", err)
	}
	if got := journalSeq(t, fs.raw, fs.prefix); got != seq {
		t.Errorf("refused write changed the journal: seq %d -> %d", seq, got)
	}
	time.Sleep(2 * lag) // heartbeats continue on a full server
	expectLive(t, fs.a.mirror)
	expectRefused(t, fs.a.mirror, "before", "", time.Now())
	if mirrorRevoked(t, fs.a.mirror, "refused", "", time.Now()) {
		t.Error("A refuses a session whose revocation Redis refused")
	}

	if err := fs.raw.Del(t.Context(), junk...).Err(); err != nil {
		t.Fatal(err)
	}
	expectRefused(t, fs.a.mirror, "after", "", revoke(t, fs.b.mirror, "after").Add(lag))
	t.Logf("A %+v", fs.a.mirror.Stats())
}

// setMaxMemory sets Redis's maxmemory, in bytes.
func setMaxMemory(t *testing.T, client *redis.Client, bytes int64) {
	t.Helper()
	if err := client.ConfigSet(t.Context(), "maxmemory", strconv.FormatInt(bytes, 10)).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestMirrorJournalEvicted makes Redis full with volatile-ttl eviction, which drops the keys
// closest to expiry first: the journal and the records. The mirrors notice the journal is gone,
// keep refusing what they hold, and write it back once there is room.
func TestMirrorJournalEvicted(t *testing.T) {
	fs := newFaultSetup(t, "--maxmemory-policy", "volatile-ttl")
	expectRefused(t, fs.a.mirror, "before", "", revoke(t, fs.b.mirror, "before").Add(lag))
	junk := fill(t, fs.raw, "junk:", 100*time.Hour, 16) // expires long after the journal
	used, err := fs.raw.MemoryUsage(t.Context(), junk[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	setMaxMemory(t, fs.raw, int64(len(junk))*used/2)
	// Writing makes Redis evict until it fits: the journal and the record go first.
	fill(t, fs.raw, "more:", 100*time.Hour, 1)
	if n := fs.raw.Exists(t.Context(), fs.prefix+"journal", fs.prefix+"sid:before").Val(); n != 0 {
		t.Fatalf("%d of the journal and the record survived eviction; the test proves nothing", n)
	}

	expectRefused(t, fs.a.mirror, "before", "", time.Now())
	setMaxMemory(t, fs.raw, 0) // room again
	waitFor(t, "the evicted revocation written back", func() bool { return storeRevoked(t, fs.b.store, "before") })
	expectRefused(t, fs.a.mirror, "after", "", revoke(t, fs.b.mirror, "after").Add(lag))
	expectLive(t, fs.a.mirror)
	// A mirror counts its repair once its writes are done, a moment after they show in Redis.
	waitFor(t, "a resync and a repair in the stats", func() bool {
		a, b := fs.a.mirror.Stats(), fs.b.mirror.Stats()
		return a.Repairs+b.Repairs > 0 && a.Resyncs >= 2
	})
}

// fill writes n values of 256 KiB under prefix, expiring after ttl (never if zero), and returns
// their keys.
func fill(t *testing.T, client *redis.Client, prefix string, ttl time.Duration, n int) []string {
	t.Helper()
	value := strings.Repeat("x", 256<<10)
	var keys []string
	for i := range n {
		key := prefix + strconv.Itoa(i)
		if err := client.Set(t.Context(), key, value, ttl).Err(); err != nil {
			t.Fatalf("filling Redis: %v", err)
		}
		keys = append(keys, key)
	}
	return keys
}
