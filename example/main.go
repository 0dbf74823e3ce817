// Command example is a small web application using keycard sessions: a login page, a
// protected dashboard, a JSON endpoint and logout.
//
//	go run ./example                       # http://localhost:8080, demo@example.com / demo-password
//	go run ./example -demo-idp             # and "Sign in with Demo IdP", an OpenID provider in process
//	SESSION_SECRET=$(openssl rand -base64 32) go run ./example -addr localhost:9000
//	go run ./example -oidc-issuer https://accounts.google.com -oidc-client-id ID  # OIDC_CLIENT_SECRET=...
//
// Environment:
//
//	SESSION_SECRET  the HS256 signing key, used as is; at least 32 bytes. Without it a random
//	                key is made at start-up, and sessions do not survive a restart.
//	REDIS_URL       redis://[user:password@]host:port/db: keep revocations, login
//	                throttling and the session list in Redis, shared by every instance,
//	                instead of in memory. Revocation checks are answered from a mirror of
//	                Redis in memory (-redis-mirror=false asks Redis on every request instead).
//	REDIS_LIMITER_URL  with REDIS_URL: keep the login counters in this Redis instead, so that
//	                a login flood can never fill the Redis that holds the revocations.
//	OIDC_CLIENT_SECRET  the client secret of -oidc-issuer, when -oidc-client-secret is not given
//	                (a secret on the command line shows in the process list).
package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/oidc"
	"github.com/keycard-go/keycard/token"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

// Server timeouts: a slow or idle client cannot hold a connection for long.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
)

// minSecretLen is the shortest SESSION_SECRET accepted: HS256 needs a 256-bit key.
const minSecretLen = 32

// run is the whole program: it checks the configuration, builds the application, listens and
// serves until ctx is cancelled, then shuts down gracefully. Configuration errors are returned
// before anything listens.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "localhost:8080", "`host:port` to listen on")
	certFile := fs.String("tls-cert", "", "serve HTTPS with this certificate `file` (PEM; needs -tls-key)")
	keyFile := fs.String("tls-key", "", "private key `file` (PEM) for -tls-cert")
	pkOrigin := fs.String("passkey-origin", "",
		"the `origin` browsers open, for passkeys (default: http(s)://<-addr> when its host is a name such as localhost)")
	insecureCookie := fs.Bool("insecure-cookie", false,
		"send the session cookie over plain HTTP on a non-loopback address (DANGEROUS: anyone on the network can steal sessions)")
	oidcIssuer := fs.String("oidc-issuer", "", "add \"Sign in with ...\" through the OpenID provider at this issuer `URL`")
	oidcClientID := fs.String("oidc-client-id", "", "the example's client `ID` at -oidc-issuer")
	oidcSecret := fs.String("oidc-client-secret", "", "the client `secret` at -oidc-issuer (or OIDC_CLIENT_SECRET)")
	demoIdPFlag := fs.Bool("demo-idp", false, "start a demo OpenID provider in this process and add \"Sign in with Demo IdP\"")
	redisMirror := fs.Bool("redis-mirror", true,
		"with REDIS_URL, answer revocation checks from a copy kept in memory (redisstore.Mirror); false asks Redis on every request")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	logger := newLogger(stdout)

	// Check the whole configuration before listening.
	key, ephemeral, err := sessionKey(getenv("SESSION_SECRET"))
	if err != nil {
		return err
	}
	var tlsConfig *tls.Config
	switch {
	case *certFile != "" && *keyFile != "":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	case *certFile != "" || *keyFile != "":
		return errors.New("-tls-cert and -tls-key go together")
	}
	loopback, err := isLoopback(*addr)
	if err != nil {
		return err
	}
	if tlsConfig == nil && !loopback && !*insecureCookie {
		return fmt.Errorf("-addr %s is not a loopback address: browsers send the Secure session cookie "+
			"over plain HTTP only to localhost; serve HTTPS with -tls-cert and -tls-key, "+
			"or pass -insecure-cookie on a network you trust", *addr)
	}

	cfg := appConfig{key: key, logger: logger, insecureCookie: *insecureCookie, passkeyOrigin: *pkOrigin}
	if cfg.passkeyOrigin == "" {
		cfg.passkeyOrigin = passkeyOrigin(*addr, tlsConfig != nil)
	}
	var providers []*oidc.Provider
	if *oidcIssuer != "" {
		p, err := ssoProvider(*oidcIssuer, *oidcClientID, cmp.Or(*oidcSecret, getenv("OIDC_CLIENT_SECRET")))
		if err != nil {
			return err
		}
		providers = append(providers, p)
	}

	if getenv("REDIS_URL") == "" && getenv("REDIS_LIMITER_URL") != "" {
		return errors.New("REDIS_LIMITER_URL needs REDIS_URL: the login counters go to a Redis of their own only beside the revocations'")
	}
	if url := getenv("REDIS_URL"); url != "" {
		stores, err := openRedis(ctx, url, getenv("REDIS_LIMITER_URL"), *redisMirror, logger)
		if err != nil {
			return err
		}
		defer stores.close()
		cfg.revocation, cfg.limiter, cfg.registry = stores.revocation, stores.limiter, stores.store.Registry()
		cfg.once = stores.store
	}
	// Listen before building the application: OpenID Connect callbacks need the bound port.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close() // when newApp fails; Serve closes it otherwise
	cfg.baseURL = publicURL(*addr, ln.Addr(), tlsConfig != nil)
	if *demoIdPFlag {
		idp, err := startDemoIdP(cfg.baseURL)
		if err != nil {
			return err
		}
		defer idp.close()
		p, err := idp.provider()
		if err != nil {
			return err
		}
		providers = append(providers, p)
		logger.Info().Str("issuer", p.Issuer()).Msg("demo OpenID provider: any e-mail address signs in there; " + demoEmail + " is the demo account")
	}
	cfg.providers = providers
	handler, err := newApp(ctx, cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         tlsConfig,
		ErrorLog:          log.New(logger.With().Str("component", "http").Logger(), "", 0),
	}

	if ephemeral {
		logger.Warn().Msg("SESSION_SECRET is not set: using a random key, so sessions will not survive a restart")
	}
	logger.Info().Str("url", cfg.baseURL).Msg("listening")
	logger.Info().Str("email", demoEmail).Str("password", demoPassword).Msg("demo account")

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	logger.Info().Msg("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info().Msg("stopped")
	return nil
}

// sessionKey returns the HS256 key: SESSION_SECRET used as is, or a random key (ephemeral) when
// it is unset. The secret never appears in an error or a log.
func sessionKey(secret string) (key *token.Key, ephemeral bool, err error) {
	if secret == "" {
		key, err = token.GenerateKey("random", token.HS256)
		return key, true, err
	}
	if len(secret) < minSecretLen {
		return nil, false, fmt.Errorf("SESSION_SECRET is %d bytes long; it must be at least %d bytes "+
			"(make one with: openssl rand -base64 32)", len(secret), minSecretLen)
	}
	key, err = token.NewHMACKey("env", token.HS256, []byte(secret))
	if err != nil {
		return nil, false, fmt.Errorf("SESSION_SECRET: %w", err)
	}
	return key, false, nil
}

// isLoopback reports whether addr (host:port) names a loopback host. An empty host listens on
// every interface, so it is not loopback.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// publicURL is the address to print: the host as given (so "localhost" stays "localhost") with
// the port actually bound (so -addr 127.0.0.1:0 shows the real one).
func publicURL(addr string, bound net.Addr, https bool) string {
	host, _, _ := net.SplitHostPort(addr)
	if host == "" {
		host = "0.0.0.0"
	}
	port := "0"
	if tcp, ok := bound.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// newLogger logs human-readable lines to w, in colour when w is a terminal.
func newLogger(w io.Writer) zerolog.Logger {
	color := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			color = true
		}
	}
	return zerolog.New(zerolog.ConsoleWriter{Out: w, NoColor: !color, TimeFormat: time.TimeOnly}).
		Level(zerolog.InfoLevel).With().Timestamp().Logger()
}
