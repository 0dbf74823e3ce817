package redisstore_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
)

// The tests run against a real Redis: the server named by REDIS_URL when it is set, otherwise a
// redis-server they start on a free loopback port for each test. Without either they skip,
// except under CI=true, where a missing server is a failure: CI installs redis-server.

// testServer is a redis-server process owned by one test. It can be stopped, paused and
// started again on the same port.
type testServer struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	args []string // extra arguments
	cmd  *exec.Cmd
	log  *os.File

	exited chan error // receives the running process's exit
}

// needRedisServer returns the path of redis-server, or skips the test (fails it under CI=true).
func needRedisServer(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err == nil {
		return bin
	}
	const msg = "redis-server is not on PATH: install the redis-server package (or set REDIS_URL for the tests that can use any server)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + "; CI=true requires it")
	}
	tb.Skip(msg)
	return ""
}

// startServer starts a redis-server of its own for tb, with args added to the command line,
// and stops it when tb ends.
func startServer(tb testing.TB, args ...string) *testServer {
	tb.Helper()
	s := &testServer{tb: tb, bin: needRedisServer(tb), dir: tb.TempDir(), args: args}
	var err error
	for range 3 { // a free port can be taken before the server binds it
		s.port, err = freePort()
		if err != nil {
			break
		}
		if err = s.start(); err == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("starting redis-server: %v", err)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns the server's host:port.
func (s *testServer) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Start starts the server again on its port after [testServer.Stop].
func (s *testServer) Start() {
	s.tb.Helper()
	if err := s.start(); err != nil {
		s.tb.Fatalf("restarting redis-server: %v", err)
	}
}

func (s *testServer) start() error {
	log, err := os.Create(filepath.Join(s.dir, "redis-"+strconv.Itoa(s.port)+".log"))
	if err != nil {
		return err
	}
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
	}, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr()) == nil {
			s.cmd, s.log, s.exited = cmd, log, exited
			return nil
		}
		select {
		case err := <-exited:
			log.Close()
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("redis-server exited (%v):\n%s", err, out)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			log.Close()
			return fmt.Errorf("redis-server on port %d did not answer PING", s.port)
		}
	}
}

// ping sends PING to addr and expects PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Stop kills the server and waits until it has gone. Stopping a stopped server does nothing.
func (s *testServer) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill() // SIGKILL also ends a paused process
	<-s.exited
	s.log.Close()
	s.cmd, s.log = nil, nil
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing is answered, as with a
// stalled server or a black-holed network.
func (s *testServer) Pause() {
	s.tb.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.tb.Fatal(err)
	}
}

// Resume undoes [testServer.Pause].
func (s *testServer) Resume() {
	s.tb.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.tb.Fatal(err)
	}
}

// redisOptions returns client options for a Redis the test may use: REDIS_URL's server if set,
// otherwise a server of the test's own.
func redisOptions(tb testing.TB) *redis.Options {
	tb.Helper()
	var opt *redis.Options
	if url := os.Getenv("REDIS_URL"); url != "" {
		var err error
		if opt, err = redis.ParseURL(url); err != nil {
			tb.Fatalf("REDIS_URL: %v", err)
		}
	} else {
		opt = &redis.Options{Addr: startServer(tb).Addr()}
	}
	opt.ContextTimeoutEnabled = true
	return opt
}

// newClient returns a client of its own for opt, closed when tb ends.
func newClient(tb testing.TB, opt *redis.Options) *redis.Client {
	tb.Helper()
	o := *opt
	c := redis.NewClient(&o)
	tb.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a key prefix used by nothing else, so that tests sharing a REDIS_URL
// server do not meet, and deletes its keys when tb ends.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	tb.Helper()
	var b [8]byte
	rand.Read(b[:])
	prefix := "keycard-test:" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// newStore returns a Store on client under a fresh test prefix, with opts applied after it.
func newStore(tb testing.TB, client redis.UniversalClient, opts ...redisstore.Option) (*redisstore.Store, string) {
	tb.Helper()
	prefix := testPrefix(tb, client)
	s, err := redisstore.New(client, append([]redisstore.Option{redisstore.WithPrefix(prefix)}, opts...)...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s, prefix
}

// clock is a settable test clock, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := new(clock)
	c.Set(t)
	return c
}

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
