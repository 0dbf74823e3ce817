package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/redisstore"
)

// redisPingTimeout bounds the start-up check that Redis answers.
const redisPingTimeout = 3 * time.Second

// openRedis connects to the Redis at rawURL (REDIS_URL) and returns a store that serves as both
// the revocation store and the login limiter, so that every instance of the application sees
// every logout and counts every login attempt. It checks that Redis answers before the
// application listens. close closes the client.
//
// Errors never quote the URL, which may carry a password.
func openRedis(ctx context.Context, rawURL string, logger zerolog.Logger) (store *redisstore.Store, close func() error, err error) {
	if _, err := url.Parse(rawURL); err != nil {
		return nil, nil, errors.New("REDIS_URL is not a URL (want redis://[user:password@]host:port/db)")
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true // redisstore needs its deadlines honoured
	client := redis.NewClient(opts)

	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("REDIS_URL: Redis at %s does not answer: %w", opts.Addr, err)
	}
	store, err = redisstore.New(client)
	if err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	logger.Info().Str("addr", opts.Addr).Int("db", opts.DB).Msg("revocations and login throttling in Redis")
	return store, client.Close, nil
}
