package middleware_test

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

// floodPassword is 73 bytes: longer than bcrypt takes, so a real authenticator refuses it
// before any hashing, and an attacker can send tens of thousands of such attempts a second.
var floodPassword = strings.Repeat("x", 73)

// floodLogin posts one login attempt from client with a fresh account name.
func floodLogin(h http.Handler, client string, i int) int {
	req := jsonLogin(`{"email":"flood-` + strconv.Itoa(i) + `@example.com","password":"` + floodPassword + `"}`)
	req.RemoteAddr = client + ":4242"
	return serve(h, req).Code
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestLoginFloodMemoryBounded floods the default limiter (no WithLimiter) from one client,
// each attempt naming a fresh account: what the flood leaves behind must not grow with it.
// Before the per-client budget every attempt left a 15-minute window of its own, about a
// hundred bytes, so one client could grow the process by gigabytes within one window.
func TestLoginFloodMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the login handler")
	}
	const attempts = 20_000
	// The default limiter, and no logger: a captured log would grow with the flood itself.
	s, err := middleware.New(newCodec(t, newClock()))
	if err != nil {
		t.Fatal(err)
	}
	h := s.LoginHandler(fakeAuth)
	codes := map[int]int{}
	for i := range 200 { // warm up: allocate what any login allocates once
		codes[floodLogin(h, "192.0.2.1", -i-1)]++
	}
	before := heapInUse()
	for i := range attempts {
		codes[floodLogin(h, "203.0.113.9", i)]++
	}
	after := heapInUse()
	runtime.KeepAlive(s)

	retained := int64(after) - int64(before)
	perAttempt := float64(retained) / attempts
	t.Logf("%d attempts from one client: answers %v; heap %+d bytes, %.2f bytes per attempt", attempts, codes, retained, perAttempt)
	// The bound: a budget of attempts per client, each leaving at most one window. 10 bytes
	// per attempt is 200 kB over the flood, far above what the budget leaves (about 10 kB)
	// and far below the 2 MB that one window per attempt cost.
	if perAttempt > 10 {
		t.Errorf("%.1f bytes retained per attempt from one client, want a bound that does not grow with the flood", perAttempt)
	}
	if codes[http.StatusTooManyRequests] == 0 {
		t.Errorf("no attempt of the flood was throttled (answers %v)", codes)
	}
	if codes[http.StatusTooManyRequests] < attempts-middleware.DefaultClientAttempts {
		t.Errorf("only %d of %d attempts from one client throttled", codes[http.StatusTooManyRequests], attempts)
	}
}
