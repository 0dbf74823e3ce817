package main

import (
	"net/http"
	"net/http/httptest"
	urlpkg "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/redisstore"
)

// startRedis starts a redis-server of its own on a Unix socket and returns its REDIS_URL. It
// skips when redis-server is missing, except under CI=true.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		const msg = "redis-server not found: install it (apt-get install redis-server) to test REDIS_URL"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return "unix://" + sock
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not create its socket")
		}
	}
}

// TestRedisStores runs the login flow with revocation and throttling in Redis, revocations
// checked by a mirror and by Redis itself, and with the login counters in a Redis of their own
// (REDIS_LIMITER_URL), where they must all go.
func TestRedisStores(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mirror, apart bool
	}{
		{"mirror", true, false},
		{"no mirror", false, false},
		{"limiter apart", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, limiterURL := startRedis(t), ""
			if tc.apart {
				limiterURL = startRedis(t)
			}
			stores, err := openRedis(t.Context(), url, limiterURL, tc.mirror, zerolog.Nop())
			if err != nil {
				t.Fatalf("openRedis: %v", err)
			}
			defer stores.close()
			if _, ok := stores.revocation.(*redisstore.Mirror); ok != tc.mirror {
				t.Errorf("revocation store %T, want a mirror: %v", stores.revocation, tc.mirror)
			}

			cfg := testConfig(t)
			cfg.revocation, cfg.limiter = stores.revocation, stores.limiter
			srv := httptest.NewTLSServer(testApp(t, cfg))
			defer srv.Close()
			checkLoginFlow(t, srv)
			if resp, _ := newBrowserClient(t, srv).do("POST", "/login", html, urlpkg.Values{"email": {demoEmail}, "password": {"not the password"}}); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d, want 401", resp.StatusCode)
			}

			revocationCounters := countKeys(t, url, "*hit:*")
			if !tc.apart {
				if revocationCounters == 0 {
					t.Error("no login counter in Redis after a failed login")
				}
				return
			}
			if revocationCounters != 0 {
				t.Errorf("%d login counters in the revocations' Redis, want them all in the limiter's", revocationCounters)
			}
			if countKeys(t, limiterURL, "*hit:*") == 0 {
				t.Error("no login counter in the limiter's Redis after a failed login")
			}
		})
	}
}

// countKeys counts the keys matching pattern in the Redis at rawURL.
func countKeys(t *testing.T, rawURL, pattern string) int {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	keys, err := client.Keys(t.Context(), pattern).Result()
	if err != nil {
		t.Fatalf("KEYS %s: %v", pattern, err)
	}
	return len(keys)
}

func TestRedisUnreachable(t *testing.T) {
	nobody := "unix://" + filepath.Join(t.TempDir(), "nobody-listens.sock")
	for _, tc := range []struct {
		name, url, limiterURL, want string
	}{
		{"revocations", nobody, "", "REDIS_URL: Redis at"},
		{"limiter", startRedis(t), nobody, "REDIS_LIMITER_URL: Redis at"},
		{"limiter URL malformed", startRedis(t), "http://user:hunter2@localhost", "REDIS_LIMITER_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openRedis(t.Context(), tc.url, tc.limiterURL, true, zerolog.Nop())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("openRedis: got %v, want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error quotes the URL's password: %v", err)
			}
		})
	}
}
