package middleware

import (
	"context"
	"sync"
	"time"
)

// DefaultLimiterEntries is how many entries a [MemoryLimiter] holds at most unless
// [LimitEntries] says otherwise: about 10 MB at about 100 bytes an entry.
const DefaultLimiterEntries = 100_000

// MemoryLimiter is a fixed-window [Limiter] held in the memory of one process. Each client may
// make a budget of attempts per window across all accounts ([LimitClientAttempts], default
// [DefaultClientAttempts]), and each account and client pair max; every window counts from its
// key's first attempt. Its zero value is not usable; create one with [NewMemoryLimiter]. It is
// safe for concurrent use.
//
// Its memory is bounded twice. One client holds at most 2×budget+1 entries (the windows it
// opened in its current and its previous budget window, and its own), whatever it sends, since
// the budget is checked before an account's window is made. All clients together hold at most
// [LimitEntries] entries (default [DefaultLimiterEntries], about 100 bytes each). When it is
// full, an attempt that needs a new entry is refused with [ErrLimiterFull] (the login handler
// answers 503) rather than make room: forgetting a live window would give whoever owns it a
// fresh allowance of guesses, so a flood can never reset a victim's count. Attempts under
// existing windows go on as before, and expired windows are swept to make room.
//
// So an attacker holding N client addresses (IPv6 makes many /64s cheap) can make it hold
// about N×(2×budget+1) entries; once that reaches the bound, logins from clients that have no
// window yet fail with 503 until windows expire, one window after the flood stops. That is the
// price of never forgetting a count; bound the login path at the network too, or see
// [WithClientIP] for coarser client identities.
type MemoryLimiter struct {
	max, budget, maxEntries int
	window                  time.Duration
	now                     func() time.Time

	mu        sync.Mutex
	accounts  map[string]fixedWindow
	clients   map[string]fixedWindow
	nextSweep int64 // Unix ns: the next periodic sweep
	lastFull  int64 // Unix ns: the last sweep made because the limiter was full
}

// fixedWindow is one key's window: hits counted until ends (Unix ns).
type fixedWindow struct {
	hits int64
	ends int64
}

// A LimiterOption configures a [MemoryLimiter] in [NewMemoryLimiter].
type LimiterOption func(*MemoryLimiter)

// LimitClientAttempts sets how many failed attempts one client may make per window across
// all accounts. Default [DefaultClientAttempts]; values below 1 keep it. Raise it when many
// users share one address (a large NAT) and fail often; a client's state stays bounded by it.
func LimitClientAttempts(n int) LimiterOption {
	return func(l *MemoryLimiter) {
		if n >= 1 {
			l.budget = n
		}
	}
}

// LimitEntries bounds how many entries (one per client and one per account and client) the
// limiter holds. Default [DefaultLimiterEntries]; values below 1 keep it. See [MemoryLimiter]
// for what happens when it is full.
func LimitEntries(n int) LimiterOption {
	return func(l *MemoryLimiter) {
		if n >= 1 {
			l.maxEntries = n
		}
	}
}

// NewMemoryLimiter returns a limiter that allows max attempts per account and client in each
// window. max and window must be positive; values below 1 fall back to [DefaultLoginAttempts]
// and [DefaultLoginWindow]. now is the clock; nil means [time.Now].
func NewMemoryLimiter(max int, window time.Duration, now func() time.Time, opts ...LimiterOption) *MemoryLimiter {
	if max < 1 {
		max = DefaultLoginAttempts
	}
	if window <= 0 {
		window = DefaultLoginWindow
	}
	if now == nil {
		now = time.Now
	}
	l := &MemoryLimiter{
		max: max, budget: DefaultClientAttempts, maxEntries: DefaultLimiterEntries,
		window: window, now: now,
		accounts: make(map[string]fixedWindow), clients: make(map[string]fixedWindow),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(l)
		}
	}
	return l
}

// Hit implements [Limiter]. It fails only with [ErrLimiterFull].
func (l *MemoryLimiter) Hit(_ context.Context, key ThrottleKey) (time.Duration, error) {
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now >= l.nextSweep {
		l.sweepLocked(now)
	}
	acct, acctOK := live(l.accounts, key.Account, now)
	client, clientOK := live(l.clients, key.Client, now)
	var wait int64
	if acctOK && acct.hits >= int64(l.max) {
		wait = acct.ends - now
	}
	if clientOK && client.hits >= int64(l.budget) {
		wait = max(wait, client.ends-now)
	}
	if wait > 0 {
		return time.Duration(wait), nil
	}
	if l.missing(key)+len(l.accounts)+len(l.clients) > l.maxEntries {
		// Full: reclaim expired windows, at most once a second, and never a live one.
		if now-l.lastFull >= int64(time.Second) {
			l.lastFull = now
			l.sweepLocked(now)
		}
		if l.missing(key)+len(l.accounts)+len(l.clients) > l.maxEntries {
			return 0, ErrLimiterFull
		}
	}
	l.accounts[key.Account] = l.count(acct, acctOK, now)
	l.clients[key.Client] = l.count(client, clientOK, now)
	return 0, nil
}

// live returns the window of k in m, if there is one that has not ended.
func live(m map[string]fixedWindow, k string, now int64) (fixedWindow, bool) {
	w, ok := m[k]
	return w, ok && now < w.ends
}

// count returns w with one more hit, or a new window if w is not live.
func (l *MemoryLimiter) count(w fixedWindow, ok bool, now int64) fixedWindow {
	if !ok {
		return fixedWindow{hits: 1, ends: now + int64(l.window)}
	}
	w.hits++
	return w
}

// missing reports how many of key's two entries the limiter does not hold yet.
func (l *MemoryLimiter) missing(key ThrottleKey) int {
	n := 0
	if _, ok := l.accounts[key.Account]; !ok {
		n++
	}
	if _, ok := l.clients[key.Client]; !ok {
		n++
	}
	return n
}

// Reset implements [Limiter]. It never fails.
func (l *MemoryLimiter) Reset(_ context.Context, key ThrottleKey) error {
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.accounts, key.Account)
	if w, ok := live(l.clients, key.Client, now); ok && w.hits > 1 {
		w.hits--
		l.clients[key.Client] = w
	} else {
		delete(l.clients, key.Client)
	}
	return nil
}

// sweepLocked drops ended windows and schedules the next periodic sweep, a minute or a window
// later, whichever comes first. l.mu must be held.
func (l *MemoryLimiter) sweepLocked(now int64) {
	l.nextSweep = now + int64(min(l.window, time.Minute))
	for _, m := range []map[string]fixedWindow{l.accounts, l.clients} {
		for k, w := range m {
			if now >= w.ends {
				delete(m, k)
			}
		}
	}
}

// Len reports how many entries the limiter holds, ended windows not yet swept included. It is
// meant for tests and metrics.
func (l *MemoryLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accounts) + len(l.clients)
}
