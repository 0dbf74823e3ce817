package middleware_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/middleware/storetest"
)

func TestMemoryOnceConformance(t *testing.T) {
	storetest.TestOnceStore(t, func(_ *testing.T, clock *storetest.Clock) middleware.OnceStore {
		return middleware.NewMemoryOnce(clock.Now)
	})
}

func TestMemoryOnceBounded(t *testing.T) {
	clk := newClock()
	s := middleware.NewMemoryOnceSize(clk.Now, 3)
	ctx := t.Context()
	for i := range 3 {
		if first, err := s.Use(ctx, "k"+strconv.Itoa(i), clk.Now().Add(time.Duration(i+1)*time.Minute)); !first || err != nil {
			t.Fatalf("Use %d = %v, %v", i, first, err)
		}
	}
	// Full of live markers: refuse, never forget one early.
	if first, err := s.Use(ctx, "k3", clk.Now().Add(time.Minute)); first || !errors.Is(err, middleware.ErrOnceFull) {
		t.Fatalf("full store: Use = %v, %v; want false, ErrOnceFull", first, err)
	}
	if first, _ := s.Use(ctx, "k0", clk.Now().Add(time.Minute)); first {
		t.Fatal("full store forgot a live marker")
	}
	// The earliest marker expires: its room is free again, and only its.
	clk.Advance(time.Minute)
	if first, err := s.Use(ctx, "k3", clk.Now().Add(time.Minute)); !first || err != nil {
		t.Fatalf("after one expiry: Use = %v, %v; want true", first, err)
	}
	if got := s.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	if first, _ := s.Use(ctx, "k1", clk.Now().Add(time.Minute)); first {
		t.Error("a live marker was dropped")
	}
	// Everything expires: the store empties on the next write.
	clk.Advance(time.Hour)
	if first, err := s.Use(ctx, "fresh", clk.Now().Add(time.Minute)); !first || err != nil {
		t.Fatalf("after all expired: Use = %v, %v", first, err)
	}
	if got := s.Len(); got != 1 {
		t.Errorf("Len after expiry = %d, want 1", got)
	}
}

// TestMemoryOnceDefaultSize: a bound below 1 means the default, not a store that refuses
// every marker (which would fail every second step closed).
func TestMemoryOnceDefaultSize(t *testing.T) {
	clk := newClock()
	for _, max := range []int{0, -1} {
		s := middleware.NewMemoryOnceSize(clk.Now, max)
		if first, err := s.Use(t.Context(), "k", clk.Now().Add(time.Minute)); !first || err != nil {
			t.Errorf("NewMemoryOnceSize(%d): Use = %v, %v; want true", max, first, err)
		}
	}
}
