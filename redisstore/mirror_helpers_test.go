package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// newMirror starts a mirror of store, stopped when t ends, and waits until it is current.
func newMirror(t testing.TB, store *redisstore.Store, opts ...redisstore.MirrorOption) *redisstore.Mirror {
	t.Helper()
	m, err := redisstore.NewMirror(store, opts...)
	if err != nil {
		t.Fatalf("NewMirror: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	waitSync(t, m)
	return m
}

// waitSync waits until m answers from memory, failing the test after 10s.
func waitSync(t testing.TB, m *redisstore.Mirror) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitSync(ctx); err != nil {
		t.Fatalf("mirror not in sync after 10s: %v (%+v)", err, m.Stats())
	}
}

func mirrorRevoked(t *testing.T, m *redisstore.Mirror, sid token.SessionID, sub token.Subject, authTime time.Time) bool {
	t.Helper()
	got, err := m.IsRevoked(t.Context(), sid, sub, authTime, 0)
	if err != nil {
		t.Fatalf("IsRevoked(%q, %q): %v", sid, sub, err)
	}
	return got
}

// journalSeq reads the journal's sequence number from Redis.
func journalSeq(t *testing.T, client redis.UniversalClient, prefix string) int64 {
	t.Helper()
	seq, err := client.HGet(t.Context(), prefix+"journal", "seq").Int64()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	return seq
}

// waitSeq waits until m has applied the journal's change seq.
func waitSeq(t *testing.T, m *redisstore.Mirror, seq int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for m.Stats().Seq < seq {
		if time.Now().After(deadline) {
			t.Fatalf("mirror did not apply change %d in 10s: %+v", seq, m.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

// commandCounter is a go-redis hook that counts the commands a client sends, by name.
type commandCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func countCommands(client *redis.Client) *commandCounter {
	c := &commandCounter{counts: map[string]int{}}
	client.AddHook(c)
	return c
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.add(cmd)
		}
		return next(ctx, cmds)
	}
}

func (c *commandCounter) add(cmd redis.Cmder) {
	c.mu.Lock()
	c.counts[strings.ToLower(cmd.Name())]++
	c.mu.Unlock()
}

// take returns the counts since the last take and starts again from zero.
func (c *commandCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.counts
	c.counts = map[string]int{}
	return got
}
