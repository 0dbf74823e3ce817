package storetest

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
)

// Limits are the limits [TestLimiter] asks its constructor for.
type Limits struct {
	// Attempts is how many attempts per account and client and window the limiter allows.
	Attempts int
	// ClientAttempts is how many attempts per client and window, across accounts.
	ClientAttempts int
	// Window is how long a window lasts from its key's first attempt.
	Window time.Duration
	// MaxEntries is the bound to set on a limiter that bounds how many entries it holds (as
	// [middleware.LimitEntries] does); a limiter without such a bound ignores it. The suite
	// floods past it.
	MaxEntries int
}

// suiteLimits are the limits the suite runs with: small, so that each rule takes few calls.
func suiteLimits() Limits {
	return Limits{Attempts: 3, ClientAttempts: 10, Window: time.Hour, MaxEntries: 64}
}

// TestLimiter checks a [middleware.Limiter] against the contract the middleware relies on.
// newLimiter must return a fresh, empty limiter with the given limits that reads clock.Now, or,
// if its windows run on a clock of its own, registers [Clock.OnAdvance]; it is called once per
// subtest.
//
// The rules, one subtest each: an account and client get Attempts per window, and a refused
// attempt extends nothing; windows end on time; a client gets ClientAttempts across accounts;
// a refused attempt counts nowhere (not on the account when the budget refuses it, not on the
// budget when the account does); Reset forgets the account and gives back one attempt, never
// more; parallel attempts cannot slip past either limit; a flood of fresh keys never frees a
// live window (a full limiter must refuse with an error instead); and keys are opaque strings,
// kept apart whatever they hold.
func TestLimiter(t *testing.T, newLimiter func(t *testing.T, clock *Clock, limits Limits) middleware.Limiter) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, l middleware.Limiter, clock *Clock, limits Limits)
	}{
		{"an account and client get Attempts per window", accountLimit},
		{"windows end on time", windowsEnd},
		{"a client gets ClientAttempts across accounts", clientBudget},
		{"a refused attempt counts nowhere", refusedCountsNowhere},
		{"Reset forgets the account and gives one attempt back", resetGivesBack},
		{"parallel attempts cannot slip past", limiterParallel},
		{"a flood never frees a live window", floodKeepsWindows},
		{"keys are opaque", opaqueKeys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock, limits := NewClock(start()), suiteLimits()
			tc.run(t, newLimiter(t, clock, limits), clock, limits)
		})
	}
}

func key(client, account string) middleware.ThrottleKey {
	return middleware.ThrottleKey{Client: client, Account: account}
}

// accounts returns n account names starting with name.
func accounts(name string, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = name + "-" + strconv.Itoa(i)
	}
	return s
}

func hit(t *testing.T, l middleware.Limiter, k middleware.ThrottleKey) time.Duration {
	t.Helper()
	d, err := l.Hit(t.Context(), k)
	if err != nil {
		t.Fatalf("Hit(%q): %v", k, err)
	}
	if d < 0 {
		t.Fatalf("Hit(%q) = %v, want zero or a positive wait", k, d)
	}
	return d
}

func reset(t *testing.T, l middleware.Limiter, k middleware.ThrottleKey) {
	t.Helper()
	if err := l.Reset(t.Context(), k); err != nil {
		t.Fatalf("Reset(%q): %v", k, err)
	}
}

// allow fails the test unless every key's attempt is allowed.
func allow(t *testing.T, l middleware.Limiter, what string, keys ...middleware.ThrottleKey) {
	t.Helper()
	for _, k := range keys {
		if d := hit(t, l, k); d != 0 {
			t.Fatalf("%s: Hit(%q) = %v, want allowed", what, k, d)
		}
	}
}

// refuse fails the test unless k's attempt is refused with a wait in (0, max].
func refuse(t *testing.T, l middleware.Limiter, what string, k middleware.ThrottleKey, max time.Duration) time.Duration {
	t.Helper()
	d := hit(t, l, k)
	if d <= 0 || d > max {
		t.Fatalf("%s: Hit(%q) = %v, want refused with a wait in (0, %v]", what, k, d, max)
	}
	return d
}

// budget allows the attempts of client on each account, one each.
func budget(t *testing.T, l middleware.Limiter, what, client string, names []string) {
	t.Helper()
	for _, a := range names {
		allow(t, l, what, key(client, a))
	}
}

func accountLimit(t *testing.T, l middleware.Limiter, clock *Clock, limits Limits) {
	k := key("client-1", "account-1")
	for range limits.Attempts {
		allow(t, l, "within the limit", k)
	}
	refuse(t, l, "past the limit", k, limits.Window)
	allow(t, l, "another account of the client", key("client-1", "account-2"))
	allow(t, l, "the account from another client", key("client-2", "client-2/account-1"))
	clock.Advance(limits.Window / 2)
	d := refuse(t, l, "half a window later", k, limits.Window)
	if left := limits.Window / 2; d < left-Tolerance || d > left+Tolerance {
		t.Errorf("half a window later: wait %v, want %v: refused attempts must not extend the window", d, left)
	}
}

func windowsEnd(t *testing.T, l middleware.Limiter, clock *Clock, limits Limits) {
	// The window counts from the first attempt; later ones do not move its end.
	k := key("client-1", "account-1")
	allow(t, l, "the first attempt", k)
	clock.Advance(limits.Window / 2)
	for range limits.Attempts - 1 {
		allow(t, l, "within the limit, half a window later", k)
	}
	clock.Advance(limits.Window/2 - Tolerance)
	refuse(t, l, "shortly before the window ends", k, Tolerance+time.Millisecond)
	clock.Advance(2 * Tolerance)
	for range limits.Attempts {
		allow(t, l, "after the window", k)
	}
	refuse(t, l, "past the limit in the new window", k, limits.Window)
}

func clientBudget(t *testing.T, l middleware.Limiter, clock *Clock, limits Limits) {
	names := accounts("account", limits.ClientAttempts+2)
	budget(t, l, "within the client's budget", "client-1", names[:limits.ClientAttempts])
	refuse(t, l, "a new account past the client's budget", key("client-1", names[limits.ClientAttempts]), limits.Window)
	refuse(t, l, "a known account past the client's budget", key("client-1", names[0]), limits.Window)
	allow(t, l, "another client", key("client-2", names[limits.ClientAttempts]))
	clock.Advance(limits.Window + Tolerance)
	allow(t, l, "after the window", key("client-1", names[limits.ClientAttempts+1]))
}

func refusedCountsNowhere(t *testing.T, l middleware.Limiter, _ *Clock, limits Limits) {
	// Refused by the budget: not counted on the account.
	a := key("client-1", "account-a")
	for range limits.Attempts - 1 {
		allow(t, l, "account a", a)
	}
	others := accounts("other", limits.ClientAttempts-(limits.Attempts-1))
	budget(t, l, "filling the budget", "client-1", others)
	refuse(t, l, "account a, past the budget", a, limits.Window)
	reset(t, l, key("client-1", others[0])) // a success gives one attempt back
	allow(t, l, "account a, its last attempt (the refused one must not have counted)", a)
	refuse(t, l, "account a, past both limits", a, limits.Window)

	// Refused by the account: not counted on the budget.
	b := key("client-2", "account-b")
	for range limits.Attempts {
		allow(t, l, "account b", b)
	}
	for range 5 {
		refuse(t, l, "account b, past its limit", b, limits.Window)
	}
	rest := accounts("more", limits.ClientAttempts-limits.Attempts+1)
	budget(t, l, "the rest of the budget (the refused attempts must not have counted)", "client-2", rest[:len(rest)-1])
	refuse(t, l, "past the budget", key("client-2", rest[len(rest)-1]), limits.Window)
}

func resetGivesBack(t *testing.T, l middleware.Limiter, _ *Clock, limits Limits) {
	// The account's attempts are forgotten.
	a := key("client-1", "account-a")
	for range limits.Attempts {
		allow(t, l, "account a", a)
	}
	reset(t, l, a)
	for range limits.Attempts {
		allow(t, l, "account a after Reset", a)
	}
	refuse(t, l, "account a after Reset, past the limit", a, limits.Window)

	// One attempt goes back to the budget.
	names := accounts("account", limits.ClientAttempts+2)
	budget(t, l, "client 2's budget", "client-2", names[:limits.ClientAttempts])
	reset(t, l, key("client-2", names[limits.ClientAttempts-1]))
	allow(t, l, "client 2 after a successful login", key("client-2", names[limits.ClientAttempts]))
	refuse(t, l, "client 2, past the budget again", key("client-2", names[limits.ClientAttempts+1]), limits.Window)

	// Only one, however many attempts the account had.
	b := key("client-3", "account-b")
	for range limits.Attempts {
		allow(t, l, "account b", b)
	}
	budget(t, l, "client 3's budget", "client-3", names[:limits.ClientAttempts-limits.Attempts])
	reset(t, l, b)
	allow(t, l, "client 3 after a successful login", key("client-3", "new-1"))
	refuse(t, l, "client 3: Reset gave back more than one attempt", key("client-3", "new-2"), limits.Window)

	// Never more than the budget: Resets without attempts give nothing.
	for range 5 {
		reset(t, l, key("client-4", "never-hit"))
	}
	budget(t, l, "client 4's budget", "client-4", names[:limits.ClientAttempts])
	refuse(t, l, "client 4 past its budget after Resets without attempts", key("client-4", names[limits.ClientAttempts]), limits.Window)
}

func limiterParallel(t *testing.T, l middleware.Limiter, _ *Clock, limits Limits) {
	count := func(keys func(i int) middleware.ThrottleKey) int {
		var (
			wg      sync.WaitGroup
			allowed atomic.Int32
		)
		for i := range 3 * limits.ClientAttempts {
			wg.Go(func() {
				d, err := l.Hit(t.Context(), keys(i))
				if err != nil {
					t.Error(err)
				}
				if err == nil && d == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		return int(allowed.Load())
	}
	if got := count(func(int) middleware.ThrottleKey { return key("client-1", "account") }); got != limits.Attempts {
		t.Errorf("parallel attempts on one account: %d allowed, want %d", got, limits.Attempts)
	}
	if got := count(func(i int) middleware.ThrottleKey { return key("client-2", "account-"+strconv.Itoa(i)) }); got != limits.ClientAttempts {
		t.Errorf("parallel attempts of one client on fresh accounts: %d allowed, want %d", got, limits.ClientAttempts)
	}
}

func floodKeepsWindows(t *testing.T, l middleware.Limiter, clock *Clock, limits Limits) {
	victim := key("victim-client", "victim-account")
	for range limits.Attempts {
		allow(t, l, "the attacker's guesses on the victim", victim)
	}
	refuse(t, l, "the victim's account before the flood", victim, limits.Window)
	var refused int
	for i := range 4 * limits.MaxEntries {
		d, err := l.Hit(t.Context(), key("flood-"+strconv.Itoa(i/2), "account-"+strconv.Itoa(i)))
		if err != nil || d > 0 {
			refused++
		}
	}
	t.Logf("%d of %d flood attempts refused", refused, 4*limits.MaxEntries)
	if d, err := l.Hit(t.Context(), victim); err == nil && d == 0 {
		t.Fatal("the victim's account after the flood: allowed; a full limiter must refuse new keys, never forget a live window")
	}
	clock.Advance(limits.Window + Tolerance)
	allow(t, l, "a new client once the flood's windows have ended", key("late-client", "late-account"))
}

func opaqueKeys(t *testing.T, l middleware.Limiter, _ *Clock, limits Limits) {
	long := strings.Repeat("c", 1000)
	// Account names one account of one client (the middleware derives it from both), so no
	// two keys here share one.
	keys := []middleware.ThrottleKey{
		key("a", "b:c"), key("a:b", "c"), key("a", "b"), key("{x}", "{x}"), key("{x}:", "x"),
		key("{", "}"), key("}", "{"), key("é", long), key(long, "é"), key("a\x00b", "\x00"),
	}
	for range limits.Attempts {
		allow(t, l, "key 0", keys[0])
	}
	refuse(t, l, "key 0 past the limit", keys[0], limits.Window)
	allow(t, l, "another key, once key 0 is exhausted", keys[1:]...)
	// Each key has had one attempt: each gets the rest of its own, whatever came before.
	for i, k := range keys[1:] {
		for range limits.Attempts - 1 {
			allow(t, l, "key "+strconv.Itoa(i+1), k)
		}
		refuse(t, l, "key "+strconv.Itoa(i+1)+" past the limit", k, limits.Window)
	}
	// Budgets are kept apart too.
	budget(t, l, "client {y}", "{y}", accounts("{y}", limits.ClientAttempts))
	refuse(t, l, "client {y} past its budget", key("{y}", "{y}-more"), limits.Window)
	allow(t, l, `client "{y}:" once "{y}" is past its budget`, key("{y}:", "{y}:-1"))
	allow(t, l, `client "y" once "{y}" is past its budget`, key("y", "y-1"))
}
