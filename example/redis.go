package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
)

// redisPingTimeout bounds the start-up check that Redis answers.
const redisPingTimeout = 3 * time.Second

// redisStores is what openRedis returns.
type redisStores struct {
	store      *redisstore.Store          // the limiter, session list and single-use markers
	revocation middleware.RevocationStore // a redisstore.Mirror, or the store itself
	limiter    middleware.Limiter
	close      func() error // stops the mirror and closes the client
}

// openRedis connects to the Redis at rawURL (REDIS_URL) for revocations and login throttling,
// so that every instance of the application sees every logout and counts every login attempt.
// With limiterURL (REDIS_LIMITER_URL), the login counters go to a Redis of their own
// (redisstore.WithLimiterClient), so that a login flood can never fill the Redis that holds
// the revocations. It checks that each Redis answers before the application listens. With
// mirror, revocation checks are answered from a copy of the revocations in memory
// (redisstore.Mirror, the recommended configuration: no Redis round trip per request); without,
// every protected request asks Redis.
//
// Errors never quote a URL, which may carry a password.
func openRedis(ctx context.Context, rawURL, limiterURL string, mirror bool, logger zerolog.Logger) (*redisStores, error) {
	client, addr, err := dialRedis(ctx, "REDIS_URL", rawURL)
	if err != nil {
		return nil, err
	}
	closers := []func() error{client.Close}
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	var opts []redisstore.Option
	if limiterURL != "" {
		limits, limitsAddr, err := dialRedis(ctx, "REDIS_LIMITER_URL", limiterURL)
		if err != nil {
			_ = closeAll()
			return nil, err
		}
		closers = append(closers, limits.Close)
		opts = append(opts, redisstore.WithLimiterClient(limits))
		logger.Info().Str("addr", limitsAddr).Msg("login throttling in a Redis of its own")
	}
	store, err := redisstore.New(client, opts...)
	if err != nil {
		_ = closeAll()
		return nil, err
	}
	stores := &redisStores{store: store, revocation: store, limiter: store, close: closeAll}
	if mirror {
		m, err := redisstore.NewMirror(store, redisstore.WithMirrorLogger(logger))
		if err != nil {
			_ = closeAll()
			return nil, err
		}
		stores.revocation = m
		closers = append(closers, m.Close) // closed first
	}
	logger.Info().Str("addr", addr).Bool("mirror", mirror).Bool("own_limiter", limiterURL != "").
		Msg("revocations and login throttling in Redis")
	return stores, nil
}

// dialRedis connects to the Redis at rawURL, named by the environment variable env in errors,
// and checks that it answers. It returns the client and the server's address, for the log.
func dialRedis(ctx context.Context, env, rawURL string) (*redis.Client, string, error) {
	if _, err := url.Parse(rawURL); err != nil {
		return nil, "", fmt.Errorf("%s is not a URL (want redis://[user:password@]host:port/db)", env)
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", env, err)
	}
	opts.ContextTimeoutEnabled = true // redisstore needs its deadlines honoured
	client := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, "", fmt.Errorf("%s: Redis at %s does not answer: %w", env, opts.Addr, err)
	}
	return client, fmt.Sprintf("%s/%d", opts.Addr, opts.DB), nil
}
