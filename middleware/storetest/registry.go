package storetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// TestSessionRegistry checks a [middleware.SessionRegistry] against the contract the
// middleware relies on. newRegistry must return a fresh, empty registry that reads clock.Now;
// it is called once per subtest, except in the one where two [middleware.Sessions] share the
// list, which calls it twice with the same t: return the same registry then, or for a shared
// store two clients of it, as two processes would have.
//
// The rules, one subtest each: a saved entry is listed as saved, with Current false; a save
// replaces the entry with the same ID; the list is ordered by renewal, latest first, ties by
// ID; subjects are kept apart, Delete included; an entry is listed until it expires and not
// after, and one saved expired is not recorded (it neither counts against the bound nor
// replaces a live entry); past the bound the entries renewed longest ago are dropped and
// returned; SeenDevice reports a device once new, then known until its until and not a moment
// longer, per subject, within its bound; concurrent saves are safe and keep the bound; and
// behind two Sessions sharing the registry, a session started on one is listed, and ended by
// ID, on the other.
func TestSessionRegistry(t *testing.T, newRegistry func(t *testing.T, clock *Clock) middleware.SessionRegistry) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, r middleware.SessionRegistry, clock *Clock)
	}{
		{"Save then List", registrySaveList},
		{"Save replaces the entry with its ID", registryReplace},
		{"List order", registryOrder},
		{"subjects are kept apart", registryApart},
		{"entries expire", registryExpire},
		{"the bound drops the oldest", registryBound},
		{"SeenDevice", registrySeenDevice},
		{"SeenDevice bound", registryDeviceBound},
		{"concurrent use", registryConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(start())
			tc.run(t, newRegistry(t, clock), clock)
		})
	}
	t.Run("Sessions: two instances share the list", func(t *testing.T) {
		clock := NewClock(start())
		registrySharedSessions(t, newRegistry(t, clock), newRegistry(t, clock), clock)
	})
}

// entry returns an entry renewed at renewed and expiring an hour later.
func entry(id string, renewed time.Time) middleware.SessionInfo {
	return middleware.SessionInfo{
		ID: token.SessionID(id), Created: renewed.Add(-time.Minute), Renewed: renewed, Expires: renewed.Add(time.Hour),
		Device: "Firefox on Linux", Client: "203.0.113.7",
	}
}

func save(t *testing.T, r middleware.SessionRegistry, sub token.Subject, e middleware.SessionInfo, max int) []token.SessionID {
	t.Helper()
	dropped, err := r.Save(t.Context(), sub, e, max)
	if err != nil {
		t.Fatalf("Save(%q, %q): %v", sub, e.ID, err)
	}
	return dropped
}

func list(t *testing.T, r middleware.SessionRegistry, sub token.Subject) []middleware.SessionInfo {
	t.Helper()
	l, err := r.List(t.Context(), sub)
	if err != nil {
		t.Fatalf("List(%q): %v", sub, err)
	}
	return l
}

func ids(l []middleware.SessionInfo) []token.SessionID {
	out := []token.SessionID{}
	for _, e := range l {
		out = append(out, e.ID)
	}
	return out
}

// sameEntry compares entries as stored: times by instant.
func sameEntry(a, b middleware.SessionInfo) bool {
	return a.ID == b.ID && a.Created.Equal(b.Created) && a.Renewed.Equal(b.Renewed) && a.Expires.Equal(b.Expires) &&
		a.Remember == b.Remember && a.Device == b.Device && a.Client == b.Client && a.Current == b.Current
}

func registrySaveList(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	e := entry("sid-1", clock.Now())
	e.Remember, e.Current = true, true // Current is never stored
	if dropped := save(t, r, "alice", e, 10); len(dropped) != 0 {
		t.Errorf("Save dropped %q under the bound", dropped)
	}
	e.Current = false
	got := list(t, r, "alice")
	if len(got) != 1 || !sameEntry(got[0], e) {
		t.Errorf("List: got %+v, want [%+v]", got, e)
	}
	if got := list(t, r, "nobody"); len(got) != 0 {
		t.Errorf("List of a subject without entries: %+v", got)
	}
}

func registryReplace(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	save(t, r, "alice", entry("sid-1", clock.Now()), 10)
	clock.Advance(time.Minute)
	e := entry("sid-1", clock.Now())
	e.Device, e.Client = "Safari on iPhone", "198.51.100.1"
	save(t, r, "alice", e, 10)
	if got := list(t, r, "alice"); len(got) != 1 || !sameEntry(got[0], e) {
		t.Errorf("after a second Save of sid-1: got %+v, want [%+v]", got, e)
	}
}

func registryOrder(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	now := clock.Now()
	save(t, r, "alice", entry("b", now), 10)
	save(t, r, "alice", entry("c", now.Add(2*time.Second)), 10)
	save(t, r, "alice", entry("a", now), 10)
	save(t, r, "alice", entry("d", now.Add(time.Second)), 10)
	if got, want := ids(list(t, r, "alice")), []token.SessionID{"c", "d", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("order: got %q, want %q", got, want)
	}
}

func registryApart(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	now := clock.Now()
	subs := []token.Subject{"alice", "alice2", "ALICE", "al:ice", "", "bob\x00", "élise"}
	for i, sub := range subs {
		save(t, r, sub, entry("sid-"+strconv.Itoa(i), now), 10)
	}
	for i, sub := range subs {
		if got := ids(list(t, r, sub)); !slices.Equal(got, []token.SessionID{token.SessionID("sid-" + strconv.Itoa(i))}) {
			t.Errorf("List(%q): got %q", sub, got)
		}
	}
	// Deleting alice's session under another subject does nothing.
	if err := r.Delete(t.Context(), "bob\x00", "sid-0"); err != nil {
		t.Fatal(err)
	}
	if got := list(t, r, "alice"); len(got) != 1 {
		t.Errorf("Delete under another subject removed alice's session")
	}
	if err := r.Delete(t.Context(), "alice", "sid-0", "never-saved"); err != nil {
		t.Fatal(err)
	}
	if got := list(t, r, "alice"); len(got) != 0 {
		t.Errorf("after Delete: %+v", got)
	}
	if err := r.Delete(t.Context(), "alice"); err != nil {
		t.Errorf("Delete without IDs: %v", err)
	}
}

func registryExpire(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	now := clock.Now()
	short := entry("short", now)
	short.Expires = now.Add(10 * time.Minute)
	save(t, r, "alice", short, 10)
	save(t, r, "alice", entry("long", now), 10)
	stale := entry("stale", now)
	stale.Expires = now
	save(t, r, "alice", stale, 10)
	if got := ids(list(t, r, "alice")); len(got) != 2 || slices.Contains(got, "stale") {
		t.Errorf("an entry saved expired is listed: %q", got)
	}
	// Nor does it count against the bound: it must not push a live session out (which the
	// middleware would then revoke).
	if dropped := save(t, r, "alice", stale, 2); len(dropped) != 0 {
		t.Errorf("an entry saved expired at the bound dropped %q", dropped)
	}
	// Nor does it replace a live entry of its ID.
	gone := entry("long", now)
	gone.Expires = now
	save(t, r, "alice", gone, 10)
	if got := ids(list(t, r, "alice")); len(got) != 2 {
		t.Errorf("an entry saved expired replaced a live one: %q", got)
	}
	clock.Advance(10*time.Minute - time.Millisecond)
	if got := ids(list(t, r, "alice")); len(got) != 2 {
		t.Errorf("a millisecond before expiry: %q", got)
	}
	clock.Advance(time.Millisecond)
	if got := ids(list(t, r, "alice")); !slices.Equal(got, []token.SessionID{"long"}) {
		t.Errorf("at expiry: got %q, want [long]", got)
	}
	clock.Advance(time.Hour)
	if got := list(t, r, "alice"); len(got) != 0 {
		t.Errorf("after every entry expired: %+v", got)
	}
}

func registryBound(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	now := clock.Now()
	for i := range 3 {
		if dropped := save(t, r, "alice", entry("s"+strconv.Itoa(i), now.Add(time.Duration(i)*time.Second)), 3); len(dropped) != 0 {
			t.Fatalf("dropped %q within the bound", dropped)
		}
	}
	save(t, r, "bob", entry("bob-1", now), 3)
	// A renewal of the oldest makes s1 the oldest.
	save(t, r, "alice", entry("s0", now.Add(5*time.Second)), 3)
	dropped := save(t, r, "alice", entry("s3", now.Add(6*time.Second)), 3)
	if !slices.Equal(dropped, []token.SessionID{"s1"}) {
		t.Errorf("past the bound: dropped %q, want [s1]", dropped)
	}
	if got, want := ids(list(t, r, "alice")), []token.SessionID{"s3", "s0", "s2"}; !slices.Equal(got, want) {
		t.Errorf("after the bound: %q, want %q", got, want)
	}
	// A smaller bound drops several at once.
	dropped = save(t, r, "alice", entry("s4", now.Add(7*time.Second)), 1)
	slices.Sort(dropped)
	if !slices.Equal(dropped, []token.SessionID{"s0", "s2", "s3"}) {
		t.Errorf("bound 1: dropped %q, want [s0 s2 s3]", dropped)
	}
	if got := ids(list(t, r, "bob")); len(got) != 1 {
		t.Errorf("alice's bound touched bob: %q", got)
	}
}

func seenDevice(t *testing.T, r middleware.SessionRegistry, sub token.Subject, device string, until time.Time, max int) bool {
	t.Helper()
	seen, err := r.SeenDevice(t.Context(), sub, device, until, max)
	if err != nil {
		t.Fatalf("SeenDevice(%q, %q): %v", sub, device, err)
	}
	return seen
}

func registrySeenDevice(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	until := clock.Now().Add(time.Hour)
	if seenDevice(t, r, "alice", "laptop", until, 10) {
		t.Error("first sign-in from the laptop: seen")
	}
	if !seenDevice(t, r, "alice", "laptop", until, 10) {
		t.Error("second sign-in from the laptop: not seen")
	}
	if seenDevice(t, r, "bob", "laptop", until, 10) || seenDevice(t, r, "alice", "phone", until, 10) {
		t.Error("another subject's or another device's sign-in counted as seen")
	}
	// A later until extends the record; an earlier one does not shorten it.
	seenDevice(t, r, "alice", "laptop", until.Add(time.Hour), 10)
	seenDevice(t, r, "alice", "laptop", until, 10)
	clock.Advance(90 * time.Minute)
	if !seenDevice(t, r, "alice", "laptop", until.Add(time.Hour), 10) {
		t.Error("within the extended until: not seen")
	}
	clock.Advance(31 * time.Minute)
	if seenDevice(t, r, "alice", "laptop", clock.Now().Add(time.Hour), 10) {
		t.Error("after its until: still seen")
	}
	if seenDevice(t, r, "alice", "kiosk", clock.Now(), 10) || seenDevice(t, r, "alice", "kiosk", clock.Now().Add(time.Hour), 10) {
		t.Error("a device recorded with an until that has passed counts as seen")
	}
	// Seconds after its until, before any periodic clean-up could have run, a record is gone too.
	seenDevice(t, r, "alice", "tablet", clock.Now().Add(10*time.Second), 10)
	clock.Advance(11 * time.Second)
	if seenDevice(t, r, "alice", "tablet", clock.Now().Add(time.Hour), 10) {
		t.Error("11 s after its until (10 s): still seen")
	}
}

func registryDeviceBound(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	// Devices first seen in the reverse order of their names and of their untils, so that
	// neither decides which one is forgotten.
	now := clock.Now()
	for i, name := range []string{"d2", "d1", "d0"} {
		seenDevice(t, r, "alice", name, now.Add(time.Duration(3-i)*time.Hour), 3)
		clock.Advance(time.Second)
	}
	seenDevice(t, r, "alice", "d3", now.Add(time.Hour), 3) // forgets d2, first seen longest ago
	if !seenDevice(t, r, "alice", "d1", now.Add(time.Hour), 3) {
		t.Error("d1 was forgotten, want d2 forgotten first")
	}
	if seenDevice(t, r, "alice", "d2", now.Add(time.Hour), 3) {
		t.Error("d2 still known past the bound")
	}
}

func registryConcurrent(t *testing.T, r middleware.SessionRegistry, clock *Clock) {
	const workers, each, bound = 8, 10, 5
	now := clock.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := entry(fmt.Sprintf("w%d-%d", w, i), now.Add(time.Duration(i)*time.Millisecond))
				if _, err := r.Save(t.Context(), "alice", e, bound); err != nil {
					errs <- err
				}
				if _, err := r.SeenDevice(t.Context(), "alice", fmt.Sprintf("d%d", w), now.Add(time.Hour), bound); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := list(t, r, "alice"); len(got) != bound {
		t.Errorf("after %d concurrent saves: %d entries, want the bound %d", workers*each, len(got), bound)
	}
}

// user is the payload of the shared-sessions subtest.
type user struct {
	Name string `json:"name"`
}

func registrySharedSessions(t *testing.T, ra, rb middleware.SessionRegistry, clock *Clock) {
	key, err := token.NewHMACKey("k1", token.HS256, []byte("storetest-registry-secret-32byte"))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.NewKeySet(key)
	codec, err := token.New[user](keys, token.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	revocation := middleware.NewMemoryRevocation(clock.Now)
	a, err := middleware.New(codec, middleware.WithRegistry(ra), middleware.WithRevocation(revocation))
	if err != nil {
		t.Fatal(err)
	}
	b, err := middleware.New(codec, middleware.WithRegistry(rb), middleware.WithRevocation(revocation))
	if err != nil {
		t.Fatal(err)
	}
	startOn := func(s *middleware.Sessions[user], ua string) string {
		req := httptest.NewRequest("POST", "/login", nil)
		req.Header.Set("User-Agent", ua)
		rec := httptest.NewRecorder()
		if _, err := s.Start(rec, req, "alice", user{Name: "Alice"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range rec.Result().Cookies() {
			return c.Name + "=" + c.Value
		}
		t.Fatal("Start set no cookie")
		return ""
	}
	on := func(cookie string) *http.Request {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie)
		return req
	}
	laptop := startOn(a, "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0")
	clock.Advance(time.Second)
	phone := startOn(b, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")
	l, err := b.ListSessions(on(phone))
	if err != nil || len(l) != 2 || !l[0].Current || l[0].Device != "Safari on iPhone" || l[1].Device != "Firefox on Linux" {
		t.Fatalf("the phone's list on instance b: %+v, %v", l, err)
	}
	if err := b.EndSession(httptest.NewRecorder(), on(phone), l[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Current(on(laptop)); err == nil {
		t.Error("the laptop's session, ended on instance b, still works on instance a")
	}
	if l, err := a.ListSessions(on(phone)); err != nil || len(l) != 1 {
		t.Errorf("instance a's list after the end: %+v, %v", l, err)
	}
}
