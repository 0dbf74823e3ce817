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
// It checks that Redis answers before the application listens. With mirror, revocation checks
// are answered from a copy of the revocations in memory (redisstore.Mirror, the recommended
// configuration: no Redis round trip per request); without, every protected request asks Redis.
//
// Errors never quote the URL, which may carry a password.
func openRedis(ctx context.Context, rawURL string, mirror bool, logger zerolog.Logger) (*redisStores, error) {
	if _, err := url.Parse(rawURL); err != nil {
		return nil, errors.New("REDIS_URL is not a URL (want redis://[user:password@]host:port/db)")
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true // redisstore needs its deadlines honoured
	client := redis.NewClient(opts)

	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("REDIS_URL: Redis at %s does not answer: %w", opts.Addr, err)
	}
	store, err := redisstore.New(client)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	stores := &redisStores{store: store, revocation: store, limiter: store, close: client.Close}
	if mirror {
		m, err := redisstore.NewMirror(store, redisstore.WithMirrorLogger(logger))
		if err != nil {
			_ = client.Close()
			return nil, err
		}
		stores.revocation = m
		stores.close = func() error { return errors.Join(m.Close(), client.Close()) }
	}
	logger.Info().Str("addr", opts.Addr).Int("db", opts.DB).Bool("mirror", mirror).Msg("revocations and login throttling in Redis")
	return stores, nil
}
