package password

import (
	"context"
	"sync"
	"time"
)

// Why failed comparisons are padded.
//
// A comparison costs what the stored hash's cost says: against a hash of the hasher's cost
// 12, a wrong password takes as long as VerifyDummy, but against a cost-10 hash (a bcryptjs
// import, or any hash made before a cost raise and not yet upgraded, which only happens
// after a successful login) it takes a quarter of that, and against cost 13 twice as long.
// The difference tells an attacker which accounts exist. So every mismatch, VerifyDummy's
// included, ends no sooner than a comparison at the padding cost (the hasher's cost plus
// the headroom, see [WithTimingHeadroom]) would.
//
// That time is estimated from the comparisons actually made, this one included: the Hasher
// fits wall time against bcrypt's work (key expansions) over its recent comparisons by
// least squares through the origin (speed), and a failure ends at the fitted rate times the
// padding cost's work. So a slow or loaded machine slows the estimate with the comparisons,
// with no calibration at start-up, and every failure below the padding cost ends at the
// same estimated instant whatever its own cost. Least squares weights each comparison by
// its work squared, so long comparisons set the rate: on a busy CPU a short one (a cost-4
// legacy hash) runs within one time slice at full speed while a long one shares the CPU,
// and scaling the short one up undershoots. Extrapolating from the one comparison made
// measured 2.6x apart on 2 shared cores; a work-weighted average of rates, 1.4x; the fit,
// within 1.15x (TestMismatchTiming).
//
// The wait is a timer, not CPU work, and no concurrency slot is held during it; a context
// that ends cuts it short. A stall can only lengthen it so far: the wait ends at most
// padStretch times the padding cost's time at the fastest rate measured.

// padStretch bounds a padded failure to this many times the padding cost's time at the
// fastest rate measured.
const padStretch = 8

// padDecay is how much of the history each new comparison keeps: the fit follows roughly
// the last ten comparisons.
const padDecay = 0.9

// work is bcrypt's cost in key expansions: two per round (key, then salt), 2^cost
// rounds, and one salted expansion to set up.
func work(cost int) float64 { return float64(uint64(2)<<uint(cost) + 1) }

// padding returns how long to wait after a comparison at cost that took took, so that it
// ends when one at target would at rate (ns per key expansion; 0 when nothing is known,
// and then the comparison's own rate), and at most padStretch times target's time at the
// fastest rate seen.
func padding(took time.Duration, cost, target int, rate, fastest float64) time.Duration {
	if rate <= 0 {
		rate = float64(took) / work(cost)
	}
	want := rate * work(target)
	if limit := padStretch * fastest * work(target); fastest > 0 && want > limit {
		want = limit
	}
	return max(0, time.Duration(want)-took)
}

// speed is a Hasher's record of how fast its comparisons ran. Safe for concurrent use; the
// zero value has seen none.
type speed struct {
	mu      sync.Mutex
	tw, ww  float64 // decayed sums of time·work and work² (ns and key expansions)
	fastest float64 // the lowest ns per key expansion seen
}

// observe records a comparison at cost that took took and returns the fitted and the
// fastest rate in ns per key expansion, this comparison included.
func (s *speed) observe(took time.Duration, cost int) (rate, fastest float64) {
	w := work(cost)
	r := float64(took) / w
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tw = s.tw*padDecay + float64(took)*w
	s.ww = s.ww*padDecay + w*w
	if s.fastest == 0 || r < s.fastest {
		s.fastest = r
	}
	return s.tw / s.ww, s.fastest
}

// pad is the end of a failed comparison at cost that took took: it waits out the padding
// (see above) and returns ErrMismatch, or, when ctx ends first, an error matching both
// ErrMismatch and ctx.Err(). The caller holds no concurrency slot.
func (h *Hasher) pad(ctx context.Context, cost int, took time.Duration) error {
	rate, fastest := h.speed.observe(took, cost)
	d := padding(took, cost, h.padCost, rate, fastest)
	if d <= 0 {
		return ErrMismatch
	}
	if err := h.wait(ctx, d); err != nil {
		return refuse(ErrMismatch, err, "wait cut short: "+err.Error())
	}
	return ErrMismatch
}

// sleep waits for d, or until ctx ends and then returns ctx.Err(). It is [Hasher]'s
// wait, which tests replace to observe the padding.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
