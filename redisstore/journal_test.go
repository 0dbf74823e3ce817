package redisstore_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
)

// TestJournal checks the journal a store writes for mirrors: one hash under prefix+"journal"
// with an epoch, a sequence number counting changes (not writes that change nothing), one field
// per record merged as the record keys are, exactly for versions past 2^53, and an expiry no
// earlier than its longest-lived record's.
func TestJournal(t *testing.T) {
	client := newClient(t, redisOptions(t))
	clk := newClock(t0)
	s, prefix := newStore(t, client, redisstore.WithClock(clk.Now), redisstore.WithTimeout(5*time.Second))
	ctx := t.Context()
	journal := prefix + "journal"
	field := func(name string) string {
		t.Helper()
		v, err := client.HGet(ctx, journal, name).Result()
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
		return v
	}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Revoke(ctx, "sid-1", t0.Add(2*time.Hour)))
	must(s.Revoke(ctx, "sid-1", t0.Add(time.Hour))) // earlier: no change
	// 2^63+2 then 2^63+1: equal as doubles, so only an exact comparison keeps the higher.
	must(s.RevokeBefore(ctx, "sid-2", 1<<63+2, t0.Add(time.Hour)))
	must(s.RevokeBefore(ctx, "sid-2", 1<<63+1, t0.Add(time.Hour)))
	must(s.RevokeSubject(ctx, "alice", t0, t0.Add(time.Hour)))

	if got := field("seq"); got != "3" {
		t.Errorf("seq = %q, want 3 changes", got)
	}
	if got := field("epoch"); len(got) != 16 {
		t.Errorf("epoch = %q, want 16 hex digits", got)
	}
	for name, want := range map[string]string{
		"s:sid-1": itoa(t0.Add(2 * time.Hour).UnixMilli()),
		"v:sid-2": "9223372036854775810:" + itoa(t0.Add(time.Hour).UnixMilli()),
	} {
		if got := field(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	fields, err := client.HKeys(ctx, journal).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if strings.Contains(f, "alice") {
			t.Errorf("journal field %q shows the subject", f)
		}
	}
	if d := pttl(t, client, journal); d < 2*time.Hour-time.Minute {
		t.Errorf("journal TTL %v, want about 2h, its longest record", d)
	}

	// A mirror reading this journal refuses the versions below 2^63+2 only.
	m := newMirror(t, s)
	for version, want := range map[uint64]bool{1<<63 + 1: true, 1<<63 + 2: false} {
		got, err := m.IsRevoked(ctx, "sid-2", "", t0, version)
		if err != nil || got != want {
			t.Errorf("IsRevoked(version %d) = %v, %v; want %v", version, got, err, want)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
