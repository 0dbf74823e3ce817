package redisstore_test

import (
	"context"
	"testing"
	"time"

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
				got, err := s.IsRevoked(ctx, bc.sid, "alice", now)
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
				if _, err := s.IsRevoked(ctx, "live", "alice", now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
