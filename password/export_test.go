package password

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// This file exists only in test builds: it is the "unexported hook" that lets this
// package's tests use costs below MinCost, and peek at internals.

// WithTestCost is WithCost without the MinCost floor (bcrypt's 4..31), so that tests run in
// milliseconds.
func WithTestCost(cost int) Option {
	return func(o *options) error {
		if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
			return fmt.Errorf("%w: test cost %d", ErrInvalidCost, cost)
		}
		o.cost = cost
		return nil
	}
}

// ParseHash exposes parseHash.
func ParseHash(hash string) (int, error) { return parseHash(hash) }

// HoldSlot takes one of h's concurrency slots until release is called.
func HoldSlot(h *Hasher) (release func()) {
	h.sem <- struct{}{}
	return func() { <-h.sem }
}

// DummyHash returns h's dummy hash.
func DummyHash(h *Hasher) string { return h.dummy }

// Padding exposes padding, Work work and Sleep sleep.
var (
	Padding = padding
	Work    = work
	Sleep   = sleep
)

// OnWait makes f h's wait: f is called instead of sleeping whenever Verify pads a mismatch.
// Set it before h is used.
func OnWait(h *Hasher, f func(ctx context.Context, d time.Duration) error) { h.wait = f }

// TryHoldSlot takes one of h's concurrency slots if one is free.
func TryHoldSlot(h *Hasher) (release func(), ok bool) {
	select {
	case h.sem <- struct{}{}:
		return func() { <-h.sem }, true
	default:
		return nil, false
	}
}

// PadCost returns the cost h pads failed comparisons to.
func PadCost(h *Hasher) int { return h.padCost }
