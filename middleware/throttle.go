package middleware

import (
	"context"
	"sync"
	"time"
)

// Limiter throttles login attempts. The login handler calls Hit before it checks a password,
// under a key derived from the account name and the client's address (hashed: a Limiter never
// sees an e-mail address or an IP in the clear), and Reset after a successful login.
//
// Implementations must be safe for concurrent use, must count atomically (parallel attempts
// must not all slip through one check), and must forget keys once their window has passed.
// [MemoryLimiter] serves one process; the redisstore module shares counts between processes.
type Limiter interface {
	// Hit records one attempt under key. It returns zero when the attempt may proceed, or how
	// long the caller must wait before the next attempt may.
	Hit(ctx context.Context, key string) (retryAfter time.Duration, err error)

	// Reset forgets the attempts under key, after a successful login.
	Reset(ctx context.Context, key string) error
}

// Default login throttling: 5 attempts per account and client in 15 minutes. With bcrypt in the
// way this keeps an online guessing attack at 480 guesses per day per account and address.
const (
	DefaultLoginAttempts = 5
	DefaultLoginWindow   = 15 * time.Minute
)

// MemoryLimiter is a fixed-window [Limiter] held in the memory of one process: at most max hits
// per key in each window, counted from the key's first hit. Its zero value is not usable; create
// one with [NewMemoryLimiter]. It is safe for concurrent use, and expired keys are swept on
// writes, so memory stays proportional to the keys seen within one window.
type MemoryLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	windows   map[string]*fixedWindow
	nextSweep time.Time
}

type fixedWindow struct {
	hits int
	ends time.Time
}

// NewMemoryLimiter returns a limiter that allows max attempts per key in each window. max and
// window must be positive; values below 1 fall back to [DefaultLoginAttempts] and
// [DefaultLoginWindow]. now is the clock; nil means [time.Now].
func NewMemoryLimiter(max int, window time.Duration, now func() time.Time) *MemoryLimiter {
	if max < 1 {
		max = DefaultLoginAttempts
	}
	if window <= 0 {
		window = DefaultLoginWindow
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{max: max, window: window, now: now, windows: make(map[string]*fixedWindow)}
}

// Hit implements [Limiter]. It never fails.
func (l *MemoryLimiter) Hit(_ context.Context, key string) (time.Duration, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	w, ok := l.windows[key]
	if !ok || !now.Before(w.ends) {
		w = &fixedWindow{ends: now.Add(l.window)}
		l.windows[key] = w
	}
	if w.hits >= l.max {
		return w.ends.Sub(now), nil
	}
	w.hits++
	return 0, nil
}

// Reset implements [Limiter]. It never fails.
func (l *MemoryLimiter) Reset(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.windows, key)
	return nil
}

func (l *MemoryLimiter) sweepLocked(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(l.window)
	for k, w := range l.windows {
		if !now.Before(w.ends) {
			delete(l.windows, k)
		}
	}
}
