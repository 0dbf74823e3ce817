package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// BenchmarkIsRevoked measures the revocation check every request makes, against a real
// redis-server on loopback: one round trip for both records.
func BenchmarkIsRevoked(b *testing.B) {
	client := newClient(b, redisOptions(b))
	s, _ := newStore(b, client)
	ctx := context.Background()
	now := time.Now()
	if err := s.Revoke(ctx, "revoked", now.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	if err := s.RevokeSubject(ctx, "alice", now.Add(-time.Hour), now.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		sid  token.SessionID
		want bool
	}{
		{"live", "live", false},
		{"revoked", "revoked", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.IsRevoked(ctx, bc.sid, "alice", now, 0)
				if err != nil || got != bc.want {
					b.Fatalf("IsRevoked = %v, %v; want %v", got, err, bc.want)
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.IsRevoked(ctx, "live", "alice", now, 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkWarmRequest is a signed-in user's protected request through RequireSession, with the
// token already in the verified-token cache, revocation checked in memory, in Redis, or by a
// Mirror of Redis (the configuration the README recommends): what sharing logout between
// servers costs per request. Each store holds the same revocations: 1,000 other sessions and
// 100 other users' "log out everywhere", plus one of the requesting user's from before this
// session began.
func BenchmarkWarmRequest(b *testing.B) {
	key, err := token.NewHMACKey("k1", token.HS256, httpSecret)
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := token.NewKeySet(key)
	codec, err := token.New[user](keys)
	if err != nil {
		b.Fatal(err)
	}
	client := newClient(b, redisOptions(b))
	store, _ := newStore(b, client)
	mirror, err := redisstore.NewMirror(store)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mirror.Close() })
	memory := middleware.NewMemoryRevocation(nil)
	ctx := context.Background()
	now := time.Now()
	// A loaded machine can make a write miss the store's timeout: try again.
	retry := func(write func() error) {
		var err error
		for range 10 {
			if err = write(); !errors.Is(err, redisstore.ErrUnavailable) {
				break
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, s := range []middleware.RevocationStore{memory, store} {
		for i := range 1000 {
			retry(func() error { return s.Revoke(ctx, token.SessionID(fmt.Sprintf("other-%d", i)), now.Add(time.Hour)) })
		}
		for i := range 100 {
			retry(func() error {
				return s.RevokeSubject(ctx, token.Subject(fmt.Sprintf("user-%d", i+2)), now, now.Add(time.Hour))
			})
		}
		retry(func() error { return s.RevokeSubject(ctx, "user-1", now.Add(-time.Hour), now.Add(time.Hour)) })
	}
	waitSync(b, mirror)
	if st := mirror.Stats(); st.Sessions != 1000 || st.Subjects != 101 {
		b.Fatalf("mirror holds %+v, want 1000 sessions and 101 subjects", st)
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := middleware.ClaimsFrom[user](r.Context()); !ok || c.Subject == "" {
			w.WriteHeader(http.StatusTeapot)
		}
	})
	for _, bc := range []struct {
		name  string
		store middleware.RevocationStore
	}{
		{"memory", memory},
		{"redis", store},
		{"mirror", mirror},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// A store that does not answer in time (a loaded machine) is counted, not fatal;
			// any other refusal is a wrong answer.
			var unavailable int
			var wrong error
			refused := func(w http.ResponseWriter, _ *http.Request, err error) {
				if errors.Is(err, middleware.ErrStoreUnavailable) {
					unavailable++
				} else {
					wrong = err
				}
				w.WriteHeader(http.StatusUnauthorized)
			}
			sessions, err := middleware.New(codec, middleware.WithRevocation(bc.store), middleware.WithUnauthorizedHandler(refused))
			if err != nil {
				b.Fatal(err)
			}
			raw, _, err := codec.Issue("user-1", user{Name: "Alice"})
			if err != nil {
				b.Fatal(err)
			}
			h := sessions.RequireSession(handler)
			req := httptest.NewRequest("GET", "/me", nil)
			req.Header.Set("Cookie", sessions.CookieName()+"="+raw)
			w := &discard{header: http.Header{}}
			before := mirror.Stats().Fallbacks
			b.ReportAllocs()
			for b.Loop() {
				w.status = 0
				h.ServeHTTP(w, req)
				if w.status != 0 && wrong != nil {
					b.Fatalf("status %d: %v", w.status, wrong)
				}
			}
			b.ReportMetric(float64(unavailable)/float64(b.N), "unavailable/op")
			if bc.name == "mirror" {
				b.ReportMetric(float64(mirror.Stats().Fallbacks-before)/float64(b.N), "redis/op")
			}
		})
	}
}

// discard is a ResponseWriter that remembers only an explicit status.
type discard struct {
	header http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(status int)      { d.status = status }
