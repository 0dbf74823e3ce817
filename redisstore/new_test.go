package redisstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
)

func TestNew(t *testing.T) {
	// New does not contact Redis: nothing listens on this address.
	good := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { good.Close() })
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { cluster.Close() })
	noDeadlines := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { noDeadlines.Close() })
	noDeadlinesCluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { noDeadlinesCluster.Close() })

	for _, tc := range []struct {
		name    string
		client  redis.UniversalClient
		opts    []redisstore.Option
		wantErr string
	}{
		{"defaults", good, nil, ""},
		{"cluster", cluster, nil, ""},
		{"all options", good, []redisstore.Option{
			redisstore.WithPrefix("app:"), redisstore.WithTimeout(time.Second),
			redisstore.WithLoginLimit(10, time.Minute), redisstore.WithClock(time.Now),
			redisstore.WithClientLimit(50), redisstore.WithLimiterClient(cluster),
		}, ""},
		{"prefix with a hash tag", good, []redisstore.Option{redisstore.WithPrefix("{app}:")}, ""},
		{"prefix with an open brace", good, []redisstore.Option{redisstore.WithPrefix("app{")}, ""},
		{"prefix with an empty hash tag", good, []redisstore.Option{redisstore.WithPrefix("app{}:")}, "empty Cluster hash tag"},
		{"zero client limit", good, []redisstore.Option{redisstore.WithClientLimit(0)}, "below 1"},
		{"nil limiter client", good, []redisstore.Option{redisstore.WithLimiterClient(nil)}, "limiter client: redisstore: nil redis client"},
		{"limiter client ignoring deadlines", good, []redisstore.Option{redisstore.WithLimiterClient(noDeadlines)}, "ContextTimeoutEnabled"},
		{"nil client", nil, nil, "nil redis client"},
		{"nil *redis.Client", (*redis.Client)(nil), nil, "nil redis client"},
		{"context timeouts disabled", noDeadlines, nil, "ContextTimeoutEnabled"},
		{"context timeouts disabled, cluster", noDeadlinesCluster, nil, "ContextTimeoutEnabled"},
		{"nil option", good, []redisstore.Option{nil}, "nil option"},
		{"empty prefix", good, []redisstore.Option{redisstore.WithPrefix("")}, "empty key prefix"},
		{"zero timeout", good, []redisstore.Option{redisstore.WithTimeout(0)}, "not positive"},
		{"negative timeout", good, []redisstore.Option{redisstore.WithTimeout(-time.Second)}, "not positive"},
		{"zero attempts", good, []redisstore.Option{redisstore.WithLoginLimit(0, time.Minute)}, "below 1"},
		{"window below 1ms", good, []redisstore.Option{redisstore.WithLoginLimit(5, time.Microsecond)}, "below 1ms"},
		{"nil clock", good, []redisstore.Option{redisstore.WithClock(nil)}, "nil clock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redisstore.New(tc.client, tc.opts...)
			if tc.wantErr == "" {
				if err != nil || s == nil {
					t.Fatalf("New = %v, %v; want a store", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tc.wantErr)
			}
			if s != nil {
				t.Error("New returned a store with its error")
			}
		})
	}
}

// TestPrefix checks that every key lands under the prefix, the default one included. It
// writes under the default prefix, so it uses a server of its own even when REDIS_URL is set.
func TestPrefix(t *testing.T) {
	client := newClient(t, &redis.Options{Addr: startServer(t).Addr(), ContextTimeoutEnabled: true})
	for _, prefix := range []string{redisstore.DefaultPrefix, "app:"} {
		t.Run(prefix, func(t *testing.T) {
			var opts []redisstore.Option
			if prefix != redisstore.DefaultPrefix {
				opts = append(opts, redisstore.WithPrefix(prefix))
			}
			s, err := redisstore.New(client, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			now := time.Now()
			if err := s.Revoke(ctx, "x", now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := s.RevokeSubject(ctx, "y", now, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Hit(ctx, middleware.ThrottleKey{Client: "z", Account: "w"}); err != nil {
				t.Fatal(err)
			}
			// A session, a subject, the journal of both revocations and two counters.
			if got := keys(t, client, prefix); len(got) != 5 {
				t.Errorf("keys under %q = %q, want 5", prefix, got)
			}
			if all := keys(t, client, ""); len(all) != 5 {
				t.Errorf("keys = %q, want only the 5 under %q", all, prefix)
			}
			if err := client.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
