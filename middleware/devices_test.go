package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

const (
	firefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
	safariIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
	chromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36"
)

// countingRegistry counts the writes that reach a MemoryRegistry.
type countingRegistry struct {
	*middleware.MemoryRegistry
	writes atomic.Int64
}

func (c *countingRegistry) Save(ctx context.Context, sub token.Subject, e middleware.SessionInfo, max int) ([]token.SessionID, error) {
	c.writes.Add(1)
	return c.MemoryRegistry.Save(ctx, sub, e, max)
}

func (c *countingRegistry) Delete(ctx context.Context, sub token.Subject, ids ...token.SessionID) error {
	c.writes.Add(1)
	return c.MemoryRegistry.Delete(ctx, sub, ids...)
}

// deviceFixture is a Sessions with a revocation store, a registry and an event log.
type deviceFixture struct {
	*fixture
	reg    *countingRegistry
	events *eventLog
	mux    *http.ServeMux
}

func newDeviceFixture(t *testing.T, opts ...middleware.Option) *deviceFixture {
	t.Helper()
	var clk *clock
	now := func() time.Time { return clk.Now() }
	reg := &countingRegistry{MemoryRegistry: middleware.NewMemoryRegistry(now)}
	events := &eventLog{}
	f := newRevocationFixture(t, nil, append([]middleware.Option{middleware.WithRegistry(reg), middleware.WithEvents(events.hook)}, opts...)...)
	clk = f.clk
	d := &deviceFixture{fixture: f, reg: reg, events: events, mux: http.NewServeMux()}
	d.mux.Handle("POST /login", f.sessions.LoginHandler(userAuth))
	d.mux.Handle("GET /api/me", f.sessions.RequireSession(protected))
	return d
}

// userAuth signs in "alice@example.com" as user-1 and "bob@example.com" as user-2, any password.
func userAuth(_ context.Context, id string, _ []byte) (token.Subject, User, error) {
	switch id {
	case "alice@example.com":
		return "user-1", alice, nil
	case "bob@example.com":
		return "user-2", User{Email: "bob@example.com"}, nil
	}
	return "", User{}, middleware.ErrBadCredentials
}

// device is one browser: its User-Agent, address and session cookie.
type device struct {
	ua, addr, cookie string
}

func (d *deviceFixture) login(t *testing.T, dev *device, email string, remember bool) {
	t.Helper()
	v := url.Values{"email": {email}, "password": {"pw"}}
	if remember {
		v.Set("remember", "on")
	}
	rec := d.do(dev, formLogin(v))
	c, ok := setCookie(rec)
	if !ok {
		t.Fatalf("login of %s: %d, no cookie", email, rec.Code)
	}
	dev.cookie = c.Value
}

func (d *deviceFixture) do(dev *device, req *http.Request) *httptest.ResponseRecorder {
	req.Header.Set("User-Agent", dev.ua)
	req.RemoteAddr = dev.addr
	if dev.cookie != "" {
		req.Header.Set("Cookie", cookieHeader(dev.cookie))
	}
	rec := serve(d.mux, req)
	if c, ok := setCookie(rec); ok && c.MaxAge >= 0 {
		dev.cookie = c.Value
	}
	return rec
}

func (d *deviceFixture) me(dev *device) int {
	return d.do(dev, httptest.NewRequest("GET", "/api/me", nil)).Code
}

// request is a request from dev, for calling the Sessions methods directly.
func request(dev *device) *http.Request {
	req := httptest.NewRequest("POST", "/sessions", nil)
	req.Header.Set("User-Agent", dev.ua)
	req.RemoteAddr = dev.addr
	req.Header.Set("Cookie", cookieHeader(dev.cookie))
	return req
}

func TestListSessions(t *testing.T) {
	d := newDeviceFixture(t)
	laptop := &device{ua: firefoxLinux, addr: "203.0.113.7:1111"}
	phone := &device{ua: safariIPhone, addr: "198.51.100.9:2222"}
	d.login(t, laptop, "alice@example.com", false)
	d.clk.Advance(time.Minute)
	d.login(t, phone, "alice@example.com", true)
	other := &device{ua: chromeWindows, addr: "192.0.2.1:3333"}
	d.login(t, other, "bob@example.com", false)

	list, err := d.sessions.ListSessions(request(laptop))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("alice's sessions: got %d, want 2: %+v", len(list), list)
	}
	laptopClaims, _ := d.codec.Verify(laptop.cookie)
	phoneClaims, _ := d.codec.Verify(phone.cookie)
	want := []middleware.SessionInfo{
		{ID: phoneClaims.SessionID, Created: start.Add(time.Minute), Renewed: start.Add(time.Minute), Expires: phoneClaims.Expiry,
			Remember: true, Device: "Safari on iPhone", Client: "198.51.100.9"},
		{ID: laptopClaims.SessionID, Created: start, Renewed: start, Expires: laptopClaims.Expiry,
			Device: "Firefox on Linux", Client: "203.0.113.7", Current: true},
	}
	if !slices.Equal(list, want) {
		t.Errorf("list:\n got %+v\nwant %+v", list, want)
	}
	// Without a session there is no list.
	if _, err := d.sessions.ListSessions(httptest.NewRequest("GET", "/", nil)); !errors.Is(err, middleware.ErrNoSession) {
		t.Errorf("without a session: got %v, want ErrNoSession", err)
	}
}

// TestRegistryClientBounded: the client address kept in an entry is cut to 64 bytes, whatever
// WithClientIP returns (a forwarded header's value, say), so that a client cannot grow the list.
func TestRegistryClientBounded(t *testing.T) {
	long := strings.Repeat("203.0.113.7, ", 20)
	d := newDeviceFixture(t, middleware.WithClientIP(func(*http.Request) string { return long }))
	dev := &device{ua: firefoxLinux, addr: "10.0.0.1:1"}
	d.login(t, dev, "alice@example.com", false)
	list, err := d.sessions.ListSessions(request(dev))
	if err != nil || len(list) != 1 || list[0].Client != long[:64] {
		t.Errorf("list: %+v, %v; want one entry with the client cut to 64 bytes", list, err)
	}
}

// TestEndSession: a user ends another of their own sessions by ID, and its next request is
// refused; another user's ID changes nothing.
func TestEndSession(t *testing.T) {
	d := newDeviceFixture(t)
	a := &device{ua: firefoxLinux, addr: "203.0.113.7:1111"}
	b := &device{ua: safariIPhone, addr: "198.51.100.9:2222"}
	mallory := &device{ua: chromeWindows, addr: "192.0.2.1:3333"}
	d.login(t, a, "alice@example.com", false)
	d.login(t, b, "alice@example.com", true)
	d.login(t, mallory, "bob@example.com", false)
	bClaims, _ := d.codec.Verify(b.cookie)
	aClaims, _ := d.codec.Verify(a.cookie)

	// Bob (mallory) cannot end Alice's session, even knowing its ID.
	rec := httptest.NewRecorder()
	if err := d.sessions.EndSession(rec, request(mallory), bClaims.SessionID); !errors.Is(err, middleware.ErrUnknownSession) {
		t.Fatalf("another user's session: got %v, want ErrUnknownSession", err)
	}
	if len(rec.Result().Cookies()) != 0 || d.me(b) != http.StatusOK || d.me(mallory) != http.StatusOK {
		t.Fatal("a refused EndSession changed something")
	}
	if err := d.sessions.EndSession(rec, request(a), "no-such-session"); !errors.Is(err, middleware.ErrUnknownSession) {
		t.Errorf("unknown ID: got %v, want ErrUnknownSession", err)
	}

	d.events.take()
	if err := d.sessions.EndSession(httptest.NewRecorder(), request(a), bClaims.SessionID); err != nil {
		t.Fatal(err)
	}
	if code := d.me(b); code != http.StatusUnauthorized {
		t.Errorf("ended session's next request: got %d, want 401", code)
	}
	if code := d.me(a); code != http.StatusOK {
		t.Errorf("the session that ended the other: got %d, want 200", code)
	}
	list, _ := d.sessions.ListSessions(request(a))
	if len(list) != 1 || list[0].ID != aClaims.SessionID {
		t.Errorf("list after ending: %+v", list)
	}
	if got := d.events.take(); len(got) != 1 || got[0].Kind != middleware.EventSessionRevoked || got[0].Reason != "signed_out_elsewhere" || got[0].SessionID != bClaims.SessionID {
		t.Errorf("events: %+v", got)
	}

	// Ending one's own session by ID is a logout: the cookie is cleared.
	rec = httptest.NewRecorder()
	if err := d.sessions.EndSession(rec, request(a), aClaims.SessionID); err != nil {
		t.Fatal(err)
	}
	if c, ok := setCookie(rec); !ok || c.MaxAge >= 0 {
		t.Error("ending the current session did not clear its cookie")
	}
	if code := d.me(a); code != http.StatusUnauthorized {
		t.Errorf("after ending itself: got %d, want 401", code)
	}
	// b was remembered: its token lasts until the session would have ended, and so must its
	// revocation, well past the token lifetime of a browser session.
	d.clk.Advance(3 * 24 * time.Hour)
	if code := d.me(b); code != http.StatusUnauthorized {
		t.Errorf("remembered session 3 days after it was ended: got %d, want 401", code)
	}
}

// revokeFails is a memory store whose Revoke fails: sessions are checked, none can be ended.
type revokeFails struct{ *middleware.MemoryRevocation }

func (revokeFails) Revoke(context.Context, token.SessionID, time.Time) error { return errStoreDown }

// TestEndSessionStoreDown: when the revocation cannot be recorded, EndSession says so and
// changes nothing: the user must not be told a device was signed out while it still is.
func TestEndSessionStoreDown(t *testing.T) {
	var clk *clock
	store := revokeFails{middleware.NewMemoryRevocation(func() time.Time { return clk.Now() })}
	d := newDeviceFixture(t, middleware.WithRevocation(store))
	clk = d.clk
	a := &device{ua: firefoxLinux, addr: "203.0.113.7:1111"}
	b := &device{ua: safariIPhone, addr: "198.51.100.9:2222"}
	d.login(t, a, "alice@example.com", false)
	d.login(t, b, "alice@example.com", false)
	bClaims, _ := d.codec.Verify(b.cookie)
	d.events.take()
	if err := d.sessions.EndSession(httptest.NewRecorder(), request(a), bClaims.SessionID); !errors.Is(err, errStoreDown) {
		t.Errorf("EndSession with the store down: got %v, want the store's error", err)
	}
	if n, err := d.sessions.EndOtherSessions(request(a)); n != 0 || !errors.Is(err, errStoreDown) {
		t.Errorf("EndOtherSessions with the store down: %d, %v; want 0 and the store's error", n, err)
	}
	if list, _ := d.sessions.ListSessions(request(a)); len(list) != 2 {
		t.Errorf("list after a failed EndSession: %+v, want both sessions", list)
	}
	for _, e := range d.events.take() {
		if e.Kind == middleware.EventSessionRevoked {
			t.Errorf("a session.revoked event for a revocation that failed: %+v", e)
		}
	}
}

// TestEndAllClearsList: EndAll takes the sessions it ends off the list, and keeps one that
// began in the same microsecond, which it does not end.
func TestEndAllClearsList(t *testing.T) {
	d := newDeviceFixture(t)
	old := &device{ua: firefoxLinux, addr: "10.0.0.1:1"}
	d.login(t, old, "alice@example.com", false)
	d.clk.Advance(time.Second)
	fresh := &device{ua: safariIPhone, addr: "10.0.0.2:1"}
	d.login(t, fresh, "alice@example.com", false)
	if err := d.sessions.EndAll(context.Background(), "user-1"); err != nil {
		t.Fatal(err)
	}
	freshClaims, _ := d.codec.Verify(fresh.cookie)
	list, err := d.sessions.ListSessions(request(fresh))
	if err != nil || len(list) != 1 || list[0].ID != freshClaims.SessionID {
		t.Errorf("list after EndAll: %+v, %v; want only the session begun with it", list, err)
	}
	if d.me(old) != http.StatusUnauthorized || d.me(fresh) != http.StatusOK {
		t.Error("EndAll ended the wrong sessions")
	}
}

func TestEndOtherSessions(t *testing.T) {
	d := newDeviceFixture(t)
	devs := []*device{{ua: firefoxLinux, addr: "10.0.0.1:1"}, {ua: safariIPhone, addr: "10.0.0.2:1"}, {ua: chromeWindows, addr: "10.0.0.3:1"}}
	for _, dev := range devs {
		d.login(t, dev, "alice@example.com", false)
	}
	bob := &device{ua: firefoxLinux, addr: "10.0.0.9:1"}
	d.login(t, bob, "bob@example.com", false)
	n, err := d.sessions.EndOtherSessions(request(devs[1]))
	if err != nil || n != 2 {
		t.Fatalf("EndOtherSessions: %d, %v; want 2", n, err)
	}
	for i, want := range []int{401, 200, 401} {
		if got := d.me(devs[i]); got != want {
			t.Errorf("device %d: got %d, want %d", i, got, want)
		}
	}
	if d.me(bob) != http.StatusOK {
		t.Error("another user's session was ended")
	}
}

// TestRegistryWrites: the registry is written at login, renewal, update and logout, never on
// an ordinary request.
func TestRegistryWrites(t *testing.T) {
	d := newDeviceFixture(t)
	dev := &device{ua: firefoxLinux, addr: "203.0.113.7:1"}
	d.login(t, dev, "alice@example.com", false)
	if got := d.reg.writes.Load(); got != 1 {
		t.Fatalf("after login: %d writes, want 1", got)
	}
	for range 50 {
		if d.me(dev) != http.StatusOK {
			t.Fatal("request refused")
		}
	}
	if got := d.reg.writes.Load(); got != 1 {
		t.Errorf("after 50 ordinary requests: %d writes, want still 1", got)
	}
	d.clk.Advance(d.codec.Lifetime() * 3 / 4)
	d.me(dev) // renews
	d.me(dev) // the renewed token: nothing to do
	if got := d.reg.writes.Load(); got != 2 {
		t.Errorf("after a renewal: %d writes, want 2", got)
	}
	list, _ := d.sessions.ListSessions(request(dev))
	if len(list) != 1 || !list[0].Renewed.Equal(d.clk.Now()) || !list[0].Created.Equal(start) {
		t.Errorf("after renewal: %+v", list)
	}
	if _, err := d.sessions.Update(httptest.NewRecorder(), request(dev), User{Email: "new@example.com"}); err != nil {
		t.Fatal(err)
	}
	if got := d.reg.writes.Load(); got != 3 {
		t.Errorf("after an update: %d writes, want 3", got)
	}
	logout := request(dev)
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	serve(d.sessions.LogoutHandler(), logout)
	if got := d.reg.writes.Load(); got != 4 {
		t.Errorf("after logout: %d writes, want 4", got)
	}
	if n := d.reg.Len(); n != 1 { // only the device record remains
		t.Errorf("after logout the registry holds %d records, want 1 (the known device)", n)
	}
}

// TestMaxSessions: past the per-subject bound, a new login ends the session renewed longest ago.
func TestMaxSessions(t *testing.T) {
	d := newDeviceFixture(t, middleware.WithMaxSessions(2))
	devs := []*device{{ua: firefoxLinux, addr: "10.0.0.1:1"}, {ua: safariIPhone, addr: "10.0.0.2:1"}, {ua: chromeWindows, addr: "10.0.0.3:1"}}
	for _, dev := range devs {
		d.login(t, dev, "alice@example.com", false)
		d.clk.Advance(time.Second)
	}
	for i, want := range []int{401, 200, 200} {
		if got := d.me(devs[i]); got != want {
			t.Errorf("device %d: got %d, want %d", i, got, want)
		}
	}
	var limit int
	for _, e := range d.events.take() {
		if e.Kind == middleware.EventSessionRevoked && e.Reason == "limit" {
			limit++
		}
	}
	if limit != 1 {
		t.Errorf("%d session.revoked events with reason limit, want 1", limit)
	}
	if _, err := middleware.New(d.codec, middleware.WithMaxSessions(0)); err == nil {
		t.Error("WithMaxSessions(0) accepted")
	}
}

// TestRegistryExpires: an entry leaves the list when its token expires, and the memory
// registry forgets it.
func TestRegistryExpires(t *testing.T) {
	d := newDeviceFixture(t)
	idle := &device{ua: firefoxLinux, addr: "10.0.0.1:1"}
	active := &device{ua: safariIPhone, addr: "10.0.0.2:1"}
	d.login(t, idle, "alice@example.com", false)
	d.login(t, active, "alice@example.com", false)
	for range 3 {
		d.clk.Advance(d.codec.Lifetime() * 3 / 4)
		d.me(active) // renewed each time; idle is not
	}
	list, err := d.sessions.ListSessions(request(active))
	if err != nil || len(list) != 1 || !list[0].Current {
		t.Fatalf("after the idle session's token expired: %+v, %v", list, err)
	}
	d.clk.Advance(d.codec.Lifetime() + time.Minute)
	_, _ = d.reg.Save(context.Background(), "sweep", middleware.SessionInfo{ID: "x", Expires: d.clk.Now().Add(time.Second)}, 1)
	if n := d.reg.Len(); n != 1+2 { // the sweep trigger and alice's two known devices
		t.Errorf("registry holds %d records after every session expired, want 3", n)
	}
}

// TestNewDeviceEvent: the first sign-in from a device (browser, system and address) reports
// device.new; signing in again from it does not.
func TestNewDeviceEvent(t *testing.T) {
	d := newDeviceFixture(t)
	count := func() int {
		n := 0
		for _, e := range d.events.take() {
			if e.Kind == middleware.EventNewDevice {
				n++
				if e.Subject != "user-1" || e.Device == "" || e.Client == "" {
					t.Errorf("device.new event %+v", e)
				}
			}
		}
		return n
	}
	laptop := &device{ua: firefoxLinux, addr: "203.0.113.7:1111"}
	d.login(t, laptop, "alice@example.com", false)
	if n := count(); n != 1 {
		t.Errorf("first sign-in: %d device.new events, want 1", n)
	}
	laptop.cookie = ""
	d.login(t, laptop, "alice@example.com", false)
	if n := count(); n != 0 {
		t.Errorf("the same device again: %d device.new events, want 0", n)
	}
	d.login(t, laptop, "alice@example.com", false) // a re-authentication: no new sign-in
	d.login(t, &device{ua: chromeWindows, addr: "203.0.113.7:1"}, "alice@example.com", false)
	if n := count(); n != 1 {
		t.Errorf("another browser: %d device.new events, want 1", n)
	}
}

func TestDeviceListNeedsStores(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	if _, err := f.sessions.ListSessions(req); err == nil {
		t.Error("ListSessions without a registry: no error")
	}
	// The registry reads the fixture's clock: on the wall clock, the entries of tokens issued at
	// the fixed start would have expired, and EndSession would fail for that reason instead.
	var clk *clock
	reg := middleware.NewMemoryRegistry(func() time.Time { return clk.Now() })
	g := newFixture(t, middleware.WithRegistry(reg))
	clk = g.clk
	a := &device{ua: firefoxLinux, addr: "10.0.0.1:1"}
	b := &device{ua: firefoxLinux, addr: "10.0.0.2:1"}
	for _, dev := range []*device{a, b} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("User-Agent", dev.ua)
		req.RemoteAddr = dev.addr
		if _, err := g.sessions.Start(rec, req, "user-1", alice); err != nil {
			t.Fatal(err)
		}
		c, _ := setCookie(rec)
		dev.cookie = c.Value
	}
	bc, _ := g.codec.Verify(b.cookie)
	err := g.sessions.EndSession(httptest.NewRecorder(), request(a), bc.SessionID)
	if err == nil || errors.Is(err, middleware.ErrUnknownSession) {
		t.Errorf("EndSession of another device without a revocation store: got %v, want an error that says so", err)
	}
	if list, _ := g.sessions.ListSessions(request(a)); len(list) != 2 {
		t.Errorf("list after the refused EndSession: %+v, want both sessions", list)
	}
	// Without a store, a logout still takes the session off the list.
	logout := request(a)
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	serve(g.sessions.LogoutHandler(), logout)
	if list, _ := reg.List(context.Background(), "user-1"); len(list) != 1 || list[0].ID != bc.SessionID {
		t.Errorf("list after a logout without a revocation store: %+v, want only the other device", list)
	}
}
