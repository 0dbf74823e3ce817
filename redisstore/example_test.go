package redisstore_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/redisstore"
)

// ExampleNew connects a store to Redis. It needs a server, so it is compiled, not run.
func ExampleNew() {
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{"localhost:6379"}, // several addresses make a Cluster client, MasterName a Sentinel one
		// Required: without it go-redis ignores the store's deadlines.
		ContextTimeoutEnabled: true,
	})
	defer client.Close()

	store, err := redisstore.New(client,
		redisstore.WithPrefix("myapp:keycard:"),
		redisstore.WithTimeout(50*time.Millisecond),
	)
	if err != nil {
		log.Fatal(err)
	}

	// The store is the middleware's RevocationStore and Limiter; the middleware calls these.
	ctx := context.Background()
	if err := store.RevokeSubject(ctx, "user-42", time.Now(), time.Now().Add(24*time.Hour)); err != nil {
		log.Print(err)
	}
	revoked, err := store.IsRevoked(ctx, "session-id", "user-42", time.Now().Add(-time.Hour), 0)
	switch {
	case errors.Is(err, redisstore.ErrUnavailable):
		log.Print("redis unavailable: refuse the request") // fail closed
	case revoked:
		log.Print("session revoked")
	}
}

// ExampleNewMirror is the configuration the README recommends for several instances: the store
// throttles logins and records revocations in Redis, and a mirror of it answers the revocation
// check of every request from memory. It needs a server, so it is compiled, not run.
func ExampleNewMirror() {
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{"localhost:6379"},
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix("myapp:keycard:"))
	if err != nil {
		log.Fatal(err)
	}
	mirror, err := redisstore.NewMirror(store) // a revocation is refused everywhere within 100ms
	if err != nil {
		log.Fatal(err)
	}
	defer mirror.Close()

	// middleware.New(codec, middleware.WithRevocation(mirror), middleware.WithLimiter(store))
	revoked, err := mirror.IsRevoked(context.Background(), "session-id", "user-42", time.Now().Add(-time.Hour), 0)
	switch {
	case errors.Is(err, redisstore.ErrUnavailable):
		log.Print("not in sync and redis unavailable: refuse the request") // fail closed
	case revoked:
		log.Print("session revoked")
	}
}
