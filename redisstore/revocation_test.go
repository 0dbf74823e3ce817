package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// t0 is the tests' fixed start time, with a fraction of a second to catch rounding.
var t0 = time.Date(2030, time.March, 4, 5, 6, 7, 300_000_000, time.UTC)

// revocationStore returns a Store on a Redis of the test's own, with a test clock at t0, and a
// raw client to look at the keys.
func revocationStore(t *testing.T) (*redisstore.Store, *clock, *redis.Client, string) {
	t.Helper()
	client := newClient(t, redisOptions(t))
	clk := newClock(t0)
	s, prefix := newStore(t, client, redisstore.WithClock(clk.Now), redisstore.WithTimeout(5*time.Second)) // generous: these test records, not timeouts
	return s, clk, client, prefix
}

func isRevoked(t *testing.T, s *redisstore.Store, sid token.SessionID, sub token.Subject, authTime time.Time) bool {
	t.Helper()
	got, err := s.IsRevoked(t.Context(), sid, sub, authTime, 0)
	if err != nil {
		t.Fatalf("IsRevoked(%q, %q): %v", sid, sub, err)
	}
	return got
}

// keys lists the keys under prefix.
func keys(t *testing.T, client *redis.Client, prefix string) []string {
	t.Helper()
	got, err := client.Keys(t.Context(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// recordKeys lists the record keys under prefix: every key but the journal, which
// journal_test.go checks.
func recordKeys(t *testing.T, client *redis.Client, prefix string) []string {
	t.Helper()
	var out []string
	for _, k := range keys(t, client, prefix) {
		if k != prefix+"journal" {
			out = append(out, k)
		}
	}
	return out
}

// pttl returns the time to live of key, failing unless it exists and expires.
func pttl(t *testing.T, client *redis.Client, key string) time.Duration {
	t.Helper()
	d, err := client.PTTL(t.Context(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 {
		t.Fatalf("PTTL %s = %v, want an expiry", key, d)
	}
	return d
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()

	t.Run("revoked until until", func(t *testing.T) {
		s, clk, client, prefix := revocationStore(t)
		until := t0.Add(time.Hour)
		if err := s.Revoke(ctx, "sid-1", until); err != nil {
			t.Fatal(err)
		}
		if !isRevoked(t, s, "sid-1", "alice", t0) {
			t.Error("revoked session: got not revoked")
		}
		if isRevoked(t, s, "sid-2", "alice", t0) {
			t.Error("other session: got revoked")
		}
		ks := recordKeys(t, client, prefix)
		if len(ks) != 1 || ks[0] != prefix+"sid:sid-1" {
			t.Fatalf("keys = %q, want [%q]", ks, prefix+"sid:sid-1")
		}
		if d := pttl(t, client, ks[0]); d > time.Hour || d < time.Hour-time.Minute {
			t.Errorf("TTL = %v, want the remaining hour", d)
		}
		clk.Set(until.Add(-time.Millisecond))
		if !isRevoked(t, s, "sid-1", "alice", t0) {
			t.Error("1ms before until: got not revoked")
		}
		clk.Set(until)
		if isRevoked(t, s, "sid-1", "alice", t0) {
			t.Error("at until: got revoked")
		}
	})

	t.Run("past until writes nothing", func(t *testing.T) {
		s, _, client, prefix := revocationStore(t)
		for _, until := range []time.Time{t0, t0.Add(-time.Second), {}} {
			if err := s.Revoke(ctx, "sid-1", until); err != nil {
				t.Errorf("Revoke(until %v): %v", until, err)
			}
		}
		if ks := recordKeys(t, client, prefix); len(ks) != 0 {
			t.Errorf("keys = %q, want none", ks)
		}
	})

	for _, tc := range []struct {
		name   string
		untils []time.Duration
	}{
		{"later until extends", []time.Duration{time.Hour, 2 * time.Hour}},
		{"earlier until does not shorten", []time.Duration{2 * time.Hour, time.Hour}},
		{"past until does not shorten", []time.Duration{2 * time.Hour, -time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk, client, prefix := revocationStore(t)
			for _, d := range tc.untils {
				if err := s.Revoke(ctx, "sid-1", t0.Add(d)); err != nil {
					t.Fatal(err)
				}
			}
			if d := pttl(t, client, prefix+"sid:sid-1"); d < 2*time.Hour-time.Minute {
				t.Errorf("TTL = %v, want about 2h", d)
			}
			clk.Set(t0.Add(90 * time.Minute))
			if !isRevoked(t, s, "sid-1", "alice", t0) {
				t.Error("after 90 minutes: got not revoked, want revoked for 2h")
			}
		})
	}
}

func TestRevokeSubject(t *testing.T) {
	ctx := context.Background()
	cutoff := t0 // 05:06:07.3
	until := t0.Add(time.Hour)

	t.Run("cut-off in whole microseconds", func(t *testing.T) {
		s, clk, _, _ := revocationStore(t)
		if err := s.RevokeSubject(ctx, "alice", cutoff, until); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		for _, tc := range []struct {
			name     string
			sub      token.Subject
			authTime time.Time
			want     bool
		}{
			{"an hour before", "alice", cutoff.Add(-time.Hour), true},
			{"a microsecond before", "alice", cutoff.Truncate(time.Microsecond).Add(-time.Microsecond), true},
			{"at the cut-off (a login right after)", "alice", cutoff, false},
			{"same microsecond, after", "alice", cutoff.Truncate(time.Microsecond).Add(999), false},
			{"next second", "alice", cutoff.Truncate(time.Second).Add(time.Second), false},
			{"an hour after", "alice", cutoff.Add(time.Hour), false},
			{"other subject", "bob", cutoff.Add(-time.Hour), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := isRevoked(t, s, "sid-1", tc.sub, tc.authTime); got != tc.want {
					t.Errorf("IsRevoked(auth_time %v) = %v, want %v", tc.authTime.Format(time.StampMilli), got, tc.want)
				}
			})
		}
		clk.Set(until.Add(-time.Millisecond))
		if !isRevoked(t, s, "sid-1", "alice", cutoff.Add(-time.Millisecond)) {
			t.Error("1ms before until: got not revoked")
		}
		clk.Set(until)
		if isRevoked(t, s, "sid-1", "alice", cutoff.Add(-time.Millisecond)) {
			t.Error("at until: got revoked")
		}
	})

	t.Run("later cut-off wins", func(t *testing.T) {
		for _, order := range [][]time.Duration{{0, time.Minute}, {time.Minute, 0}} {
			s, _, _, _ := revocationStore(t)
			for _, d := range order {
				if err := s.RevokeSubject(ctx, "alice", cutoff.Add(d), until); err != nil {
					t.Fatal(err)
				}
			}
			if !isRevoked(t, s, "sid-1", "alice", cutoff.Add(30*time.Second)) {
				t.Errorf("cut-offs %v: session between them not revoked", order)
			}
		}
	})

	t.Run("later until wins", func(t *testing.T) {
		s, clk, client, prefix := revocationStore(t)
		if err := s.RevokeSubject(ctx, "alice", cutoff, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSubject(ctx, "alice", cutoff.Add(time.Minute), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		ks := recordKeys(t, client, prefix)
		if len(ks) != 1 {
			t.Fatalf("keys = %q, want one", ks)
		}
		if d := pttl(t, client, ks[0]); d < 2*time.Hour-time.Minute {
			t.Errorf("TTL = %v, want about 2h: an update must not shorten it", d)
		}
		clk.Set(t0.Add(90 * time.Minute))
		if !isRevoked(t, s, "sid-1", "alice", cutoff.Add(30*time.Second)) {
			t.Error("after 90 minutes: later cut-off not applied until the later until")
		}
	})

	t.Run("past until writes nothing new", func(t *testing.T) {
		s, _, client, prefix := revocationStore(t)
		if err := s.RevokeSubject(ctx, "alice", cutoff, t0.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if ks := recordKeys(t, client, prefix); len(ks) != 0 {
			t.Errorf("keys = %q, want none", ks)
		}
		if isRevoked(t, s, "sid-1", "alice", cutoff.Add(-time.Hour)) {
			t.Error("got revoked")
		}
	})

	t.Run("past until still raises an existing cut-off", func(t *testing.T) {
		// As MemoryRevocation: the cut-off and the until of a record are kept apart.
		s, _, _, _ := revocationStore(t)
		if err := s.RevokeSubject(ctx, "alice", cutoff, until); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSubject(ctx, "alice", cutoff.Add(time.Minute), t0.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if !isRevoked(t, s, "sid-1", "alice", cutoff.Add(30*time.Second)) {
			t.Error("got not revoked")
		}
	})

	t.Run("subjects are hashed and kept apart", func(t *testing.T) {
		s, _, client, prefix := revocationStore(t)
		subjects := []token.Subject{"alice@example.com", "", "a:b", "{tag}", "sub:x", "ünï\x00code", token.Subject(strings.Repeat("x", 4096))}
		for _, sub := range subjects {
			if err := s.RevokeSubject(ctx, sub, cutoff, until); err != nil {
				t.Fatal(err)
			}
		}
		ks := recordKeys(t, client, prefix)
		if len(ks) != len(subjects) {
			t.Errorf("got %d keys, want one per subject: %d", len(ks), len(subjects))
		}
		for _, k := range ks {
			if !strings.HasPrefix(k, prefix+"sub:") || len(k) != len(prefix)+len("sub:")+64 {
				t.Errorf("key %q: want prefix+\"sub:\"+64 hex digits", k)
			}
			if strings.Contains(k, "alice") {
				t.Errorf("key %q shows the subject", k)
			}
		}
		if isRevoked(t, s, "sid-1", "bob", cutoff.Add(-time.Hour)) {
			t.Error("other subject: got revoked")
		}
	})
}

// TestUnreadableRecords: a record the store cannot read is an error, never "not revoked".
// The records are written by hand, as a bug, a tool, another application sharing the prefix
// or an attacker with write access could leave them.
func TestUnreadableRecords(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		write func(c *redis.Client, sidKey, subKey string) error
	}{
		{"session record not a number", func(c *redis.Client, sidKey, _ string) error {
			return c.Set(ctx, sidKey, "soon", time.Hour).Err()
		}},
		{"session record empty", func(c *redis.Client, sidKey, _ string) error {
			return c.Set(ctx, sidKey, "", time.Hour).Err()
		}},
		{"session record of another type", func(c *redis.Client, sidKey, _ string) error {
			return c.RPush(ctx, sidKey, "1").Err()
		}},
		{"subject record of another type", func(c *redis.Client, _, subKey string) error {
			return c.Set(ctx, subKey, "1", time.Hour).Err()
		}},
		{"subject cut-off not a number", func(c *redis.Client, _, subKey string) error {
			return c.HSet(ctx, subKey, "c", "later", "u", strconv.FormatInt(t0.Add(time.Hour).UnixMilli(), 10)).Err()
		}},
		{"subject until missing", func(c *redis.Client, _, subKey string) error {
			return c.HSet(ctx, subKey, "c", strconv.FormatInt(t0.UnixMicro(), 10)).Err()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, client, prefix := revocationStore(t)
			sum := sha256.Sum256([]byte("alice"))
			if err := tc.write(client, prefix+"sid:sid-1", prefix+"sub:"+hex.EncodeToString(sum[:])); err != nil {
				t.Fatal(err)
			}
			got, err := s.IsRevoked(ctx, "sid-1", "alice", t0.Add(-time.Minute), 0)
			if !errors.Is(err, redisstore.ErrUnavailable) {
				t.Errorf("IsRevoked = %v, %v; want an error wrapping ErrUnavailable", got, err)
			}
		})
	}
}
