package redisstore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// floodPassword is 73 bytes: longer than bcrypt takes, so a real authenticator refuses it
// before any hashing and a client can send tens of thousands of attempts a second.
var floodPassword = strings.Repeat("x", 73)

// usedMemory returns Redis's used_memory, in bytes.
func usedMemory(t *testing.T, client *redis.Client) int64 {
	t.Helper()
	info, err := client.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no used_memory in INFO memory:\n%s", info)
	return 0
}

// footprint counts the keys starting with prefix and the bytes Redis says they take.
func footprint(t *testing.T, client *redis.Client, prefix string) (keys int, bytes int64) {
	t.Helper()
	ctx := context.Background()
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		n, err := client.MemoryUsage(ctx, iter.Val()).Result()
		if errors.Is(err, redis.Nil) { // expired or evicted since SCAN
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		keys++
		bytes += n
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys, bytes
}

// floodApp is one application instance whose revocations and login counts share one Redis
// (the configuration most deployments start with): the handlers of http_test.go, and the
// session middleware to call in-process for the flood.
func floodApp(t *testing.T, client redis.UniversalClient) http.Handler {
	t.Helper()
	// A generous timeout: a loaded test machine must not turn slow answers into 503s.
	store, err := redisstore.New(client, redisstore.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return instanceHandler(t, store, store)
}

// instanceHandler is the mux of newInstance for the given stores.
func instanceHandler(t *testing.T, revocation middleware.RevocationStore, limiter middleware.Limiter, opts ...middleware.Option) http.Handler {
	t.Helper()
	key, err := token.NewHMACKey("k1", token.HS256, httpSecret)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := token.New[user](keys)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(codec, append([]middleware.Option{
		middleware.WithRevocation(revocation),
		middleware.WithLimiter(limiter),
		middleware.WithUnauthorizedHandler(reason),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(authenticate))
	mux.Handle("POST /logout", sessions.LogoutHandler())
	mux.Handle("GET /me", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFrom[user](r.Context())
		w.Write([]byte("hello " + claims.Payload.Name))
	})))
	return mux
}

// flood posts n login attempts from the one address client, each naming a fresh account,
// from a few goroutines, and counts the answers by status.
func flood(h http.Handler, client string, n int) map[int]int {
	return floodFrom(h, n, func(req *http.Request, _ int64) { req.RemoteAddr = client + ":4242" })
}

// floodFrom is flood with each request's client set by from.
func floodFrom(h http.Handler, n int, from func(req *http.Request, i int64)) map[int]int {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := `{"email":"flood-` + strconv.FormatInt(i, 10) + `@example.com","password":"` + floodPassword + `"}`
				req := httptest.NewRequest("POST", "https://app.example/login", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				from(req, i)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				mu.Lock()
				codes[rec.Code]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return codes
}

// TestFloodFromOneClient floods a Redis with a memory limit, shared by revocations and login
// counts, from one client naming a fresh account on every attempt, under both policies a
// deployment may run: noeviction, where a full Redis refuses writes, and volatile-lru, where it
// evicts keys with an expiry, revocations included. Either way, what one client can make the
// limiter hold is bounded, so the flood fills nothing: earlier logouts still hold, a new logout
// still revokes, and the demo user can still log in.
//
// Before the per-client budget, every attempt left a counter of its own: about 8,400 attempts
// filled 1 MB (16,800 filled 2 MB); then, under noeviction, logins and logouts answered 503 while the copied cookie
// kept working, and under volatile-lru the earlier revocations were evicted.
func TestFloodFromOneClient(t *testing.T) {
	const (
		attempts = 15_000
		headroom = 1 << 20 // maxmemory above what the server uses before the flood
		earlier  = 20      // sessions logged out before the flood
	)
	for _, policy := range []string{"noeviction", "volatile-lru"} {
		t.Run(policy, func(t *testing.T) {
			srv := startServer(t, "--maxmemory-policy", policy)
			client := newClient(t, &redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true, PoolSize: 8})
			h := floodApp(t, client)
			web := httptest.NewTLSServer(h)
			t.Cleanup(web.Close)

			// Earlier sessions of the demo user, logged out before the flood: their cookies
			// were copied.
			var copies []*http.Cookie
			for range earlier {
				b := newBrowser(t, web)
				if status := b.login(web, aliceEmail, alicePassword); status != http.StatusOK {
					t.Fatalf("login before the flood: %d", status)
				}
				copies = append(copies, b.sessionCookie(web))
				if status, _ := b.do("POST", web, "/logout", "", nil); status != http.StatusNoContent {
					t.Fatalf("logout before the flood: %d", status)
				}
			}
			flood(h, "198.51.100.1", 200) // open the pool's connections, load the scripts

			base := usedMemory(t, client)
			if err := client.ConfigSet(t.Context(), "maxmemory", strconv.FormatInt(base+headroom, 10)).Err(); err != nil {
				t.Fatal(err)
			}
			codes := flood(h, "203.0.113.9", attempts)
			grown := usedMemory(t, client) - base
			limiterKeys, limiterBytes := footprint(t, client, redisstore.DefaultPrefix+"hit:")
			t.Logf("%s: %d attempts from one client: answers %v; used_memory %+d bytes; maxmemory %d; "+
				"limiter keys of both clients %d, %d bytes (MEMORY USAGE)",
				policy, attempts, codes, grown, base+headroom, limiterKeys, limiterBytes)
			if perClient := 2*middleware.DefaultClientAttempts + 1; limiterKeys > 2*perClient {
				t.Errorf("two clients made Redis hold %d limiter keys, want at most %d", limiterKeys, 2*perClient)
			}

			for i, c := range copies {
				b := newBrowser(t, web)
				status, body := b.do("GET", web, "/me", "", c)
				expect(t, "earlier logout #"+strconv.Itoa(i+1)+" after the flood", status, body, http.StatusUnauthorized, "revoked")
			}
			b := newBrowser(t, web)
			if status := b.login(web, aliceEmail, alicePassword); status != http.StatusOK {
				t.Fatalf("demo user's login after the flood: %d, want 200", status)
			}
			stolen := b.sessionCookie(web)
			status, _ := b.do("POST", web, "/logout", "", nil)
			expect(t, "logout after the flood", status, "", http.StatusNoContent, "")
			status, body := b.do("GET", web, "/me", "", stolen)
			expect(t, "copy of the cookie logged out after the flood", status, body, http.StatusUnauthorized, "revoked")

			if codes[http.StatusTooManyRequests] < attempts-middleware.DefaultClientAttempts {
				t.Errorf("%d of %d attempts from one client throttled", codes[http.StatusTooManyRequests], attempts)
			}
		})
	}
}

// TestFloodFromManyClients floods the login limiter from as many clients as it takes to fill
// a Redis with a memory limit, each client naming one fresh account (the per-client budget
// cannot help here). With the limiter on a Redis of its own (WithLimiterClient), the flood
// fills only that one: logins fail closed with 503 while it is full, but revocations, on the
// other Redis, are untouched: earlier logouts hold and a new logout still revokes.
func TestFloodFromManyClients(t *testing.T) {
	const (
		attempts = 12_000
		headroom = 1 << 20
	)
	revocations := newClient(t, &redis.Options{Addr: startServer(t, "--maxmemory-policy", "noeviction").Addr(), ContextTimeoutEnabled: true})
	limits := newClient(t, &redis.Options{Addr: startServer(t, "--maxmemory-policy", "noeviction").Addr(), ContextTimeoutEnabled: true, PoolSize: 8})
	store, err := redisstore.New(revocations, redisstore.WithLimiterClient(limits), redisstore.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	h := instanceHandler(t, store, store, middleware.WithClientIP(func(r *http.Request) string {
		return r.Header.Get("X-Test-Client") // one address per attempt, as from a botnet
	}))
	web := httptest.NewTLSServer(h)
	t.Cleanup(web.Close)

	before := newBrowser(t, web) // logged out before the flood
	if status := before.login(web, aliceEmail, alicePassword); status != http.StatusOK {
		t.Fatalf("login before the flood: %d", status)
	}
	copied := before.sessionCookie(web)
	if status, _ := before.do("POST", web, "/logout", "", nil); status != http.StatusNoContent {
		t.Fatalf("logout before the flood: %d", status)
	}
	during := newBrowser(t, web) // signed in before the flood, logs out after it
	if status := during.login(web, aliceEmail, alicePassword); status != http.StatusOK {
		t.Fatalf("second login before the flood: %d", status)
	}

	base := usedMemory(t, limits)
	if err := limits.ConfigSet(t.Context(), "maxmemory", strconv.FormatInt(base+headroom, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	codes := floodFrom(h, attempts, func(req *http.Request, i int64) {
		req.Header.Set("X-Test-Client", "bot-"+strconv.FormatInt(i, 10))
	})
	revocationKeys, _ := revocations.DBSize(t.Context()).Result()
	limiterKeys, _ := limits.DBSize(t.Context()).Result()
	t.Logf("%d attempts from %d clients: answers %v; limiter Redis %d keys, revocation Redis %d keys",
		attempts, attempts, codes, limiterKeys, revocationKeys)
	if codes[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("the flood did not fill the limiter's Redis (answers %v): the test proves nothing", codes)
	}
	if codes[http.StatusOK] != 0 {
		t.Errorf("%d flood attempts logged in", codes[http.StatusOK])
	}

	status, body := during.do("GET", web, "/me", "", copied)
	expect(t, "copy of the cookie logged out before the flood", status, body, http.StatusUnauthorized, "revoked")
	stolen := during.sessionCookie(web)
	status, body = during.do("GET", web, "/me", "", nil)
	expect(t, "session begun before the flood", status, body, http.StatusOK, "hello Alice")
	status, _ = during.do("POST", web, "/logout", "", nil)
	expect(t, "logout while the limiter is full", status, "", http.StatusNoContent, "")
	status, body = during.do("GET", web, "/me", "", stolen)
	expect(t, "copy of the cookie logged out after the flood", status, body, http.StatusUnauthorized, "revoked")
	if status := newBrowser(t, web).login(web, aliceEmail, alicePassword); status != http.StatusServiceUnavailable {
		t.Errorf("login while the limiter is full: %d, want 503 (fail closed)", status)
	}
}
