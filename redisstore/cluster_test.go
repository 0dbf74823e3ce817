package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// startCluster starts a Redis Cluster of three masters without replicas, each serving a third
// of the hash slots, and returns their addresses.
func startCluster(t *testing.T) []string {
	t.Helper()
	const nodes = 3
	var addrs []string
	var clients []*redis.Client
	for range nodes {
		srv := startServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
		addrs = append(addrs, srv.Addr())
		clients = append(clients, newClient(t, &redis.Options{Addr: srv.Addr()}))
	}
	ctx := t.Context()
	const slots = 16384
	for i, c := range clients {
		first, last := i*slots/nodes, (i+1)*slots/nodes-1
		if err := c.ClusterAddSlotsRange(ctx, first, last).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE on %s: %v", addrs[i], err)
		}
	}
	for _, addr := range addrs[1:] {
		host, port, _ := strings.Cut(addr, ":")
		if err := clients[0].ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatalf("CLUSTER MEET %s: %v", addr, err)
		}
	}
	begin := time.Now()
	deadline := time.Now().Add(20 * time.Second)
	for i, c := range clients {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", nodes)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster node %s not ready: %v\n%s", addrs[i], err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("cluster ready after %v", time.Since(begin))
	return addrs
}

// TestCluster runs the store against Redis Cluster: every command touches one key, and the
// revocation check pipelines keys of different slots, so nothing may fail with CROSSSLOT.
func TestCluster(t *testing.T) {
	t.Parallel() // most of its time is spent waiting for the nodes to agree
	addrs := startCluster(t)
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { client.Close() })
	s, err := redisstore.New(client, redisstore.WithTimeout(5*time.Second), redisstore.WithLoginLimit(2, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()

	var crossSlot int // checks whose two keys lie in different slots
	for i := range 30 {
		sid := token.SessionID(fmt.Sprintf("sid-%d", i))
		sub := token.Subject(fmt.Sprintf("user-%d", i))
		if i%3 == 0 {
			if err := s.Revoke(ctx, sid, now.Add(time.Hour)); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
		}
		if i%3 == 1 {
			if err := s.RevokeSubject(ctx, sub, now, now.Add(time.Hour)); err != nil {
				t.Fatalf("RevokeSubject: %v", err)
			}
		}
		got, err := s.IsRevoked(ctx, sid, sub, now.Add(-time.Minute), 0)
		if err != nil {
			t.Fatalf("IsRevoked: %v", err)
		}
		if want := i%3 != 2; got != want {
			t.Errorf("IsRevoked(%s, %s) = %v, want %v", sid, sub, got, want)
		}

		key := middleware.ThrottleKey{Client: fmt.Sprintf("client-%d", i), Account: "login"}
		for j, want := range []bool{false, false, true} {
			d, err := s.Hit(ctx, key)
			if err != nil {
				t.Fatalf("Hit: %v", err)
			}
			if (d > 0) != want {
				t.Errorf("Hit(%s) #%d: retryAfter %v, want blocked %v", key, j+1, d, want)
			}
		}
		if err := s.Reset(ctx, key); err != nil {
			t.Fatalf("Reset: %v", err)
		}

		// The key names as documented in keys.go.
		digest := sha256.Sum256([]byte(sub))
		sidSlot, err1 := client.ClusterKeySlot(ctx, redisstore.DefaultPrefix+"sid:"+string(sid)).Result()
		subSlot, err2 := client.ClusterKeySlot(ctx, redisstore.DefaultPrefix+"sub:"+hex.EncodeToString(digest[:])).Result()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if sidSlot != subSlot {
			crossSlot++
		}
	}
	if crossSlot == 0 {
		t.Error("no check read keys of two slots: the test proves nothing about CROSSSLOT")
	}

	// A client's two limiter keys share a slot whatever braces the prefix holds.
	for _, prefix := range []string{"{app}:", "app{", "a}b{c:", "{"} {
		s, err := redisstore.New(client, redisstore.WithTimeout(5*time.Second), redisstore.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			key := middleware.ThrottleKey{Client: fmt.Sprintf("client-%d}{", i), Account: "login"}
			if _, err := s.Hit(ctx, key); err != nil {
				t.Errorf("prefix %q: Hit: %v", prefix, err)
			}
			if err := s.Reset(ctx, key); err != nil {
				t.Errorf("prefix %q: Reset: %v", prefix, err)
			}
		}
	}
}
