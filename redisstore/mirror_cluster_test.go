package redisstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// TestMirrorCluster runs two mirrors on Redis Cluster, each instance with a cluster client of
// its own: the journal is one key, so its script runs on one shard, and each mirror subscribes
// on that shard's master. Revocations made on either are refused on the other within the lag
// bound, and the plain store still finds them under their own keys, on other shards.
func TestMirrorCluster(t *testing.T) {
	t.Parallel() // most of its time is spent waiting for the nodes to agree
	addrs := startCluster(t)
	newCluster := func() *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
		t.Cleanup(func() { c.Close() })
		return c
	}
	var mirrors [2]*redisstore.Mirror
	var stores [2]*redisstore.Store
	for i := range mirrors {
		s, err := redisstore.New(newCluster(), redisstore.WithPrefix("cluster:"), redisstore.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		stores[i], mirrors[i] = s, newMirror(t, s)
	}
	ctx := t.Context()
	for i := range 20 {
		from, to := mirrors[i%2], mirrors[1-i%2]
		sid := token.SessionID(fmt.Sprintf("sid-%d", i))
		sub := token.Subject(fmt.Sprintf("user-%d", i))
		var err error
		if i%4 < 2 {
			err = from.Revoke(ctx, sid, time.Now().Add(time.Hour))
		} else {
			err = from.RevokeSubject(ctx, sub, time.Now(), time.Now().Add(time.Hour))
		}
		if err != nil {
			t.Fatal(err)
		}
		expectRefused(t, to, sid, sub, time.Now().Add(lag))
		got, err := stores[1-i%2].IsRevoked(ctx, sid, sub, time.Now().Add(-time.Minute), 0)
		if err != nil || !got {
			t.Errorf("%s: Store.IsRevoked = %v, %v; want revoked", sid, got, err)
		}
	}
	for i, m := range mirrors {
		expectLive(t, m)
		if st := m.Stats(); st.Seq != 20 {
			t.Errorf("mirror %d: %+v, want 20 changes applied", i, st)
		}
	}
}
