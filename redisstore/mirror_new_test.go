package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/redisstore"
)

func TestNewMirror(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	store, err := redisstore.New(client)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		store *redisstore.Store
		opts  []redisstore.MirrorOption
		want  string // part of the error; empty for success
	}{
		{"defaults", store, nil, ""},
		{"nil store", nil, nil, "nil store"},
		{"nil option", store, []redisstore.MirrorOption{nil}, "nil mirror option"},
		{"lag too short", store, []redisstore.MirrorOption{redisstore.WithMaxLag(9 * time.Millisecond)}, "below 10ms"},
		{"shortest lag", store, []redisstore.MirrorOption{redisstore.WithMaxLag(10 * time.Millisecond)}, ""},
		{"logger", store, []redisstore.MirrorOption{redisstore.WithMirrorLogger(zerolog.Nop())}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := redisstore.NewMirror(tc.store, tc.opts...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("NewMirror: %v", err)
				}
				m.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewMirror: err %v, want one saying %q", err, tc.want)
			}
			if m != nil {
				t.Error("NewMirror returned a mirror with its error")
			}
		})
	}
}

// TestMirrorUnreachable starts a mirror with Redis down: it does not block, and fails closed.
func TestMirrorUnreachable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	store, _ := redisstore.New(client)
	m, err := redisstore.NewMirror(store)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	revoked, err := m.IsRevoked(t.Context(), "sid", "sub", time.Now(), 0)
	if revoked || !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("IsRevoked = %v, %v; want false and ErrUnavailable", revoked, err)
	}
	if err := m.Revoke(t.Context(), "sid", time.Now().Add(time.Hour)); !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Revoke: %v, want ErrUnavailable", err)
	}
	if mirrorRevoked := m.Stats().Sessions; mirrorRevoked != 0 {
		t.Errorf("a failed Revoke left %d records in the mirror", mirrorRevoked)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := m.WaitSync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitSync: %v, want the context's deadline", err)
	}
}

func TestMirrorClose(t *testing.T) {
	client := newClient(t, redisOptions(t))
	store, _ := newStore(t, client, redisstore.WithTimeout(5*time.Second))
	m := newMirror(t, store)
	if err := m.Revoke(t.Context(), "sid-1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if st := m.Stats(); st.Current {
		t.Errorf("closed mirror: %+v, want not current", st)
	}
	if !mirrorRevoked(t, m, "sid-1", "", time.Now()) || mirrorRevoked(t, m, "sid-2", "", time.Now()) {
		t.Error("closed mirror answers wrongly")
	}
	if st := m.Stats(); st.Fallbacks != 1 {
		t.Errorf("closed mirror: %+v, want the live session checked in Redis", st)
	}
	if err := m.WaitSync(t.Context()); err == nil {
		t.Error("WaitSync on a closed mirror: nil error")
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, for a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMirrorLogs checks that a mirror reports losing sync, reading the journal and writing back
// what Redis lost, and never logs a session ID or a subject.
func TestMirrorLogs(t *testing.T) {
	srv := startServer(t)
	client := newClient(t, &redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	store, _ := newStore(t, client, redisstore.WithTimeout(5*time.Second))
	var logs syncBuffer
	m := newMirror(t, store, redisstore.WithMirrorLogger(zerolog.New(&logs)))
	if err := m.Revoke(t.Context(), "secret-session-id", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := m.RevokeSubject(t.Context(), "secret@example.com", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	srv.Start()
	waitFor(t, "records written back", func() bool { return m.Stats().Repairs >= 2 })
	got := logs.String()
	for _, event := range []string{"mirror_synced", "mirror_lost_sync", "mirror_repaired"} {
		if !strings.Contains(got, `"event":"`+event+`"`) {
			t.Errorf("no %s in the logs:\n%s", event, got)
		}
	}
	for _, secret := range []string{"secret-session-id", "secret@example.com", "secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("the logs show %q:\n%s", secret, got)
		}
	}
}
