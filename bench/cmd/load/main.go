// Command load measures the example application under load on loopback: requests per second
// and latency percentiles of the protected route GET /api/me, first alone ("quiet"), then while
// a flood of failed logins runs ("flood"), to show what the bcrypt concurrency bound does for
// the protected route, and what sharing revocations through Redis costs it.
//
//	go run ./cmd/load                       # builds and starts ../example on a free port
//	go run ./cmd/load -url http://127.0.0.1:8080 -duration 10s
//	go run ./cmd/load -target library -bcrypt-concurrency 1
//	go run ./cmd/load -instances 2 -store mirror # two instances sharing one Redis (started here)
//
// The library target is the example's shape (GET /api/me behind RequireSession, POST /login
// with PasswordAuthenticator) assembled from keycard in a child process of this program, so
// that the bcrypt bound can be chosen; the example app uses password.New's default, GOMAXPROCS.
//
// Every phase is bounded by -duration and -max-requests. The flood logs in to a fresh, unknown
// account on every attempt (as credential stuffing does), so that the per-account throttle
// never answers 429 in bcrypt's place: each attempt costs the server one dummy bcrypt
// comparison at the default cost. Only loopback addresses are accepted.
//
// With -instances, the example is started that many times with one signing key, as servers
// behind a load balancer; the protected and flood clients are spread over them. -store chooses
// where they keep revocations: each in its own memory, in one Redis asked on every request, or
// in one Redis mirrored in each instance's memory. With Redis, each phase also reports the
// commands Redis processed per protected request.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	ctx := context.Background()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type config struct {
	url         string
	target      string
	store       string
	redisURL    string
	instances   int
	bcryptBound int
	serveAddr   string
	exampleDir  string
	duration    time.Duration
	maxRequests int64
	concurrency int
	flood       int
	email       string
	password    string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&cfg.url, "url", "", "base `URL`s of running example apps on loopback, comma-separated (default: build and start -example)")
	fs.StringVar(&cfg.target, "target", "example", "what to start without -url: example (the example app) or library")
	fs.IntVar(&cfg.instances, "instances", 1, "example target: how many instances to start, sharing one key and one Redis; clients are spread over them")
	fs.StringVar(&cfg.store, "store", "memory", "example target: revocations in memory, redis (asked on every request) or mirror (redisstore.Mirror)")
	fs.StringVar(&cfg.redisURL, "redis-url", "", "example target: the Redis of -store redis or mirror (default: start a redis-server)")
	fs.StringVar(&cfg.exampleDir, "example", "../example", "`dir`ectory of the example app's module")
	fs.IntVar(&cfg.bcryptBound, "bcrypt-concurrency", 0, "library target: bcrypt operations at once (0: password.New's default)")
	fs.StringVar(&cfg.serveAddr, "serve", "", "internal: serve the library target on `addr`")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of each phase")
	fs.Int64Var(&cfg.maxRequests, "max-requests", 500_000, "bound on protected requests per phase")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "clients requesting the protected route")
	fs.IntVar(&cfg.flood, "flood", 32, "clients flooding the login with wrong passwords")
	fs.StringVar(&cfg.email, "email", "demo@example.com", "demo account")
	fs.StringVar(&cfg.password, "password", "demo-password", "demo account's password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.serveAddr != "" {
		if err := checkLoopback("http://" + cfg.serveAddr); err != nil {
			return err
		}
		return serve(cfg.serveAddr, cfg.bcryptBound)
	}
	if cfg.concurrency < 1 || cfg.flood < 1 || cfg.duration <= 0 || cfg.maxRequests < 1 || cfg.instances < 1 {
		return errors.New("-concurrency, -flood, -duration, -max-requests and -instances must be positive")
	}

	var bases []string
	var redisAddr string
	if cfg.url != "" {
		bases = strings.Split(cfg.url, ",")
	} else {
		var stop func()
		var err error
		if bases, redisAddr, stop, err = start(ctx, cfg, stdout); err != nil {
			return err
		}
		defer stop()
	}
	for _, base := range bases {
		if err := checkLoopback(base); err != nil {
			return err
		}
	}

	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        cfg.concurrency + cfg.flood + 4,
			MaxIdleConnsPerHost: cfg.concurrency + cfg.flood + 4,
			IdleConnTimeout:     time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cookie, err := login(ctx, client, bases[0], cfg.email, cfg.password)
	if err != nil {
		return err
	}

	// Warm up connections and the verified-token cache.
	if _, err := protected(ctx, client, bases, cookie, cfg.concurrency, time.Second, 20_000, nil); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "target %s (store %s), %d protected clients, phases of %s (at most %d requests)\n\n",
		strings.Join(bases, ", "), cfg.store, cfg.concurrency, cfg.duration, cfg.maxRequests)
	commands := redisCounter(redisAddr)
	quiet, err := protected(ctx, client, bases, cookie, cfg.concurrency, cfg.duration, cfg.maxRequests, nil)
	if err != nil {
		return err
	}
	report(stdout, "quiet", quiet)
	commands(stdout, quiet)

	floodStats := &floodStats{codes: map[int]int64{}}
	flooded, err := protected(ctx, client, bases, cookie, cfg.concurrency, cfg.duration, cfg.maxRequests, func(ctx context.Context, wg *sync.WaitGroup) {
		for i := range cfg.flood {
			wg.Go(func() { floodLogins(ctx, client, bases[i%len(bases)], i, floodStats) })
		}
	})
	if err != nil {
		return err
	}
	report(stdout, fmt.Sprintf("flood (%d login clients)", cfg.flood), flooded)
	commands(stdout, flooded)
	floodStats.report(stdout, flooded.elapsed)
	if quiet.p(0.99) > 0 {
		fmt.Fprintf(stdout, "\np99 under flood / quiet p99: %.1fx; p50: %.1fx; throughput: %.0f%% of quiet\n",
			float64(flooded.p(0.99))/float64(quiet.p(0.99)),
			float64(flooded.p(0.50))/float64(quiet.p(0.50)),
			100*flooded.rps()/quiet.rps())
	}
	return nil
}

// phase is what one measurement of the protected route saw.
type phase struct {
	latencies []time.Duration // sorted
	errors    int64
	kinds     map[string]int // errors by message
	elapsed   time.Duration
}

func (p *phase) rps() float64 { return float64(len(p.latencies)) / p.elapsed.Seconds() }

// p returns the q-quantile latency (nearest rank).
func (p *phase) p(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(p.latencies))+0.5) - 1
	return p.latencies[min(max(i, 0), len(p.latencies)-1)]
}

func report(w io.Writer, name string, p *phase) {
	fmt.Fprintf(w, "%-28s %8.0f req/s  p50 %8s  p90 %8s  p99 %8s  max %8s  (%d requests, %d errors)\n",
		name, p.rps(), round(p.p(0.5)), round(p.p(0.9)), round(p.p(0.99)), round(p.p(1)), len(p.latencies), p.errors)
	for _, kind := range slices.Sorted(maps.Keys(p.kinds)) {
		fmt.Fprintf(w, "%-28s %8d × %s\n", "  error", p.kinds[kind], kind)
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// protected runs clients against GET /api/me for d or until max requests, spread over bases,
// while background (if non-nil) runs other load that stops with the phase.
func protected(ctx context.Context, client *http.Client, bases []string, cookie string, clients int, d time.Duration, max int64, background func(context.Context, *sync.WaitGroup)) (*phase, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var bg sync.WaitGroup
	if background != nil {
		background(ctx, &bg)
		time.Sleep(200 * time.Millisecond) // let the flood reach the bcrypt bound first
	}
	var n, errs atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	kinds := map[string]int{}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		base := bases[i%len(bases)]
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && n.Add(1) <= max {
				t0 := time.Now()
				err := getMe(ctx, client, base, cookie)
				if ctx.Err() != nil {
					break // cut off by the end of the phase: not a measurement
				}
				if err != nil {
					errs.Add(1)
					mu.Lock()
					firstErr = cmp(firstErr, err)
					kinds[err.Error()]++
					mu.Unlock()
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	bg.Wait()
	slices.Sort(all)
	if len(all) == 0 {
		return nil, fmt.Errorf("no protected request succeeded: %v", firstErr)
	}
	return &phase{latencies: all, errors: errs.Load(), kinds: kinds, elapsed: elapsed}, nil
}

// redisCounter returns a function that reports the commands the Redis at addr processed since
// the previous report (or since redisCounter), per protected request of p. Without addr it
// reports nothing.
func redisCounter(addr string) func(io.Writer, *phase) {
	if addr == "" {
		return func(io.Writer, *phase) {}
	}
	last, err := redisCommands(addr)
	return func(w io.Writer, p *phase) {
		n, err2 := redisCommands(addr)
		if err != nil || err2 != nil {
			fmt.Fprintf(w, "%-28s could not read Redis's command count: %v\n", "", cmp(err, err2))
			return
		}
		fmt.Fprintf(w, "%-28s %8d Redis commands, %.3f per protected request\n", "  Redis", n-last-1, float64(n-last-1)/float64(len(p.latencies)))
		last = n
	}
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func getMe(ctx context.Context, client *http.Client, base, cookie string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/me", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/me: status %d", resp.StatusCode)
	}
	return nil
}

// login signs in with the JSON login and returns the Cookie header value carrying the session.
func login(ctx context.Context, client *http.Client, base, email, pw string) (string, error) {
	status, resp, err := postLogin(ctx, client, base, email, pw)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("login as %s: status %d", email, status)
	}
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", errors.New("login: no session cookie in the response")
}

func postLogin(ctx context.Context, client *http.Client, base, email, pw string) (int, *http.Response, error) {
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, pw)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp, nil
}

// floodStats counts the flood's login answers by status.
type floodStats struct {
	mu    sync.Mutex
	codes map[int]int64
	fails int64
}

func (s *floodStats) report(w io.Writer, elapsed time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total int64
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(s.codes)) {
		total += s.codes[code]
		parts = append(parts, fmt.Sprintf("%d×%d", s.codes[code], code))
	}
	fmt.Fprintf(w, "%-28s %8.1f logins/s answered: %s; %d cut off at the end of the phase\n",
		"  the flood itself", float64(total)/elapsed.Seconds(), strings.Join(parts, ", "), s.fails)
}

// floodLogins posts wrong passwords for unknown accounts until ctx ends.
func floodLogins(ctx context.Context, client *http.Client, base string, id int, s *floodStats) {
	for i := 0; ctx.Err() == nil; i++ {
		status, _, err := postLogin(ctx, client, base, fmt.Sprintf("flood-%d-%d@example.com", id, i), "wrong-password-123")
		s.mu.Lock()
		if err != nil {
			s.fails++
		} else {
			s.codes[status]++
		}
		s.mu.Unlock()
	}
}

// checkLoopback refuses to load anything but this machine.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address: this tool only loads the local machine", base)
}
