package passkey

import (
	"context"
	"strconv"
	"testing"
	"time"
)

func TestMemoryOnce(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMemoryOnce(func() time.Time { return now })
	ctx := context.Background()
	use := func(key string, until time.Time) bool {
		t.Helper()
		first, err := m.Use(ctx, key, until)
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	if !use("a", now.Add(time.Minute)) {
		t.Error("first use of a: not first")
	}
	if use("a", now.Add(time.Minute)) {
		t.Error("second use of a: first again")
	}
	if !use("b", now.Add(time.Minute)) {
		t.Error("first use of b: not first")
	}
	now = now.Add(2 * time.Minute)
	if !use("a", now.Add(time.Minute)) {
		t.Error("a after its marker expired: not first")
	}
	if len(m.until) != 1 {
		t.Errorf("expired markers kept: %d entries, want 1", len(m.until))
	}
}

func TestMemoryOnceBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMemoryOnce(func() time.Time { return now })
	for i := range maxOnceMarkers {
		m.until[strconv.Itoa(i)] = now.Add(time.Hour)
	}
	if _, err := m.Use(context.Background(), "new", now.Add(time.Minute)); err == nil {
		t.Fatal("a full marker set accepted a new marker")
	}
	now = now.Add(2 * time.Hour)
	if first, err := m.Use(context.Background(), "new", now.Add(time.Minute)); err != nil || !first {
		t.Fatalf("after the markers expired: %v, %v", first, err)
	}
}
