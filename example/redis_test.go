package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
// checked by a mirror and by Redis itself.
func TestRedisStores(t *testing.T) {
	url := startRedis(t)
	for _, mirror := range []bool{true, false} {
		t.Run(fmt.Sprintf("mirror=%v", mirror), func(t *testing.T) {
			stores, err := openRedis(t.Context(), url, mirror, zerolog.Nop())
			if err != nil {
				t.Fatalf("openRedis: %v", err)
			}
			defer stores.close()
			if _, ok := stores.revocation.(*redisstore.Mirror); ok != mirror {
				t.Errorf("revocation store %T, want a mirror: %v", stores.revocation, mirror)
			}

			cfg := testConfig(t)
			cfg.revocation, cfg.limiter = stores.revocation, stores.limiter
			srv := httptest.NewTLSServer(testApp(t, cfg))
			defer srv.Close()
			checkLoginFlow(t, srv)
		})
	}
}

func TestRedisUnreachable(t *testing.T) {
	url := "unix://" + filepath.Join(t.TempDir(), "nobody-listens.sock")
	_, err := openRedis(t.Context(), url, true, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("openRedis with no server: got %v, want a \"does not answer\" error", err)
	}
}
