package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
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
// token already in the verified-token cache, revocation checked in memory or in Redis: what
// sharing logout between servers costs per request.
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
	store, _ := newStore(b, newClient(b, redisOptions(b)))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := middleware.ClaimsFrom[user](r.Context()); !ok || c.Subject == "" {
			w.WriteHeader(http.StatusTeapot)
		}
	})
	for _, bc := range []struct {
		name  string
		store middleware.RevocationStore
	}{
		{"memory", middleware.NewMemoryRevocation(nil)},
		{"redis", store},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sessions, err := middleware.New(codec, middleware.WithRevocation(bc.store))
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
			b.ReportAllocs()
			for b.Loop() {
				w.status = 0
				h.ServeHTTP(w, req)
				if w.status != 0 {
					b.Fatalf("status %d", w.status)
				}
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
