package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// start builds the target and starts cfg.instances of it, each on a free loopback port, and
// waits until they answer: the example app, all with one random SESSION_SECRET (so that a
// session from one is valid on the others, as behind a load balancer) and, for the redis and
// mirror stores, one Redis (-redis-url, or a redis-server this program starts); or this
// program serving the library target. redisAddr is the Redis whose commands can be counted, if
// any. stop ends them all.
func start(ctx context.Context, cfg config, log io.Writer) (bases []string, redisAddr string, stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	tmp, err := os.MkdirTemp("", "keycard-load-")
	if err != nil {
		return nil, "", nil, err
	}
	stops = append(stops, func() { os.RemoveAll(tmp) })

	var newCmd func(addr string) *exec.Cmd
	switch cfg.target {
	case "example":
		bin := filepath.Join(tmp, "example")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		build.Dir = cfg.exampleDir
		build.Stdout, build.Stderr = log, os.Stderr
		if err := build.Run(); err != nil {
			return nil, "", nil, fmt.Errorf("build the example in %s: %w", cfg.exampleDir, err)
		}
		secret := make([]byte, 48)
		_, _ = rand.Read(secret)
		env := append(os.Environ(), "SESSION_SECRET="+base64.RawStdEncoding.EncodeToString(secret))
		var extra []string
		switch cfg.store {
		case "memory":
		case "redis", "mirror":
			redisURL := cfg.redisURL
			if redisURL == "" {
				addr, stopRedis, err := startRedis(tmp)
				if err != nil {
					return nil, "", nil, err
				}
				stops = append(stops, stopRedis)
				redisURL, redisAddr = "redis://"+addr, addr
			} else if u, err := url.Parse(redisURL); err == nil && u.Scheme == "redis" && u.User == nil {
				redisAddr = u.Host // count commands only on a server without a password
			}
			env = append(env, "REDIS_URL="+redisURL)
			extra = append(extra, fmt.Sprintf("-redis-mirror=%v", cfg.store == "mirror"))
		default:
			return nil, "", nil, fmt.Errorf("-store %q: want memory, redis or mirror", cfg.store)
		}
		newCmd = func(addr string) *exec.Cmd {
			cmd := exec.Command(bin, append([]string{"-addr", addr}, extra...)...)
			cmd.Env = env
			return cmd
		}
	case "library":
		if cfg.instances != 1 || cfg.store != "memory" {
			return nil, "", nil, errors.New("the library target runs one instance with the memory store; use -target example")
		}
		self, err := os.Executable()
		if err != nil {
			return nil, "", nil, err
		}
		newCmd = func(addr string) *exec.Cmd {
			return exec.Command(self, "-serve", addr, "-bcrypt-concurrency", fmt.Sprint(cfg.bcryptBound))
		}
	default:
		return nil, "", nil, fmt.Errorf("-target %q: want example or library", cfg.target)
	}

	for range cfg.instances {
		addr, err := freeAddr()
		if err != nil {
			return nil, "", nil, err
		}
		cmd := newCmd(addr)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, "", nil, err
		}
		stops = append(stops, func() { interrupt(cmd) })
		base := "http://" + addr
		if err := waitAnswer(base); err != nil {
			return nil, "", nil, err
		}
		bases = append(bases, base)
	}
	return bases, redisAddr, stop, nil
}

// freeAddr returns a loopback address with a port free at the time of the call.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// interrupt stops cmd with SIGINT, or kills it after 15s.
func interrupt(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// waitAnswer waits up to 30s for base to answer GET /login.
func waitAnswer(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/login")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the target did not answer on %s: %w", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
