package redisstore

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
)

// Store keeps keycard's revocations, login-throttle counts and single-use markers in Redis, so
// that every instance of an application sees every logout, counts every login attempt and
// refuses a one-time code or pending login used on another. It implements
// [middleware.RevocationStore], [middleware.Limiter] and [middleware.OnceStore];
// [Store.Registry] is its [middleware.SessionRegistry], the list of each user's sessions.
//
// Its zero value is not usable; create one with [New]. A Store is immutable after New and safe
// for concurrent use; so is the go-redis client it wraps. The Store does not own the client:
// close the client when the application shuts down. Revocations and login counts share the
// client unless [WithLimiterClient] gives the limiter a Redis of its own, which keeps a login
// flood from ever displacing revocations.
type Store struct {
	client  redis.UniversalClient // revocations
	limiter redis.UniversalClient // login counts: client unless WithLimiterClient
	cfg     config

	revoke        *redis.Script
	revokeSubject *redis.Script
	hit           *redis.Script
	reset         *redis.Script
	once          *redis.Script
	journalWrite  *redis.Script
}

var (
	_ middleware.RevocationStore = (*Store)(nil)
	_ middleware.Limiter         = (*Store)(nil)
	_ middleware.OnceStore       = (*Store)(nil)
)

// New returns a Store that keeps its records in Redis through client: a *[redis.Client] for a
// single server or for Sentinel ([redis.NewFailoverClient]), a *[redis.ClusterClient] for
// Redis Cluster, or whatever [redis.NewUniversalClient] returns.
//
// The client must honour context deadlines, or a stalled Redis would hold requests for the
// client's ReadTimeout (3s by default) instead of the store's timeout: New refuses a go-redis
// client whose options leave ContextTimeoutEnabled false. Other implementations of
// [redis.UniversalClient] cannot be checked; they must honour deadlines too.
//
// New does not contact Redis, so it succeeds while Redis is down; the first failing call
// returns [ErrUnavailable]. Without options the store uses [DefaultPrefix],
// [DefaultTimeout], the middleware's default login limits and one client for everything.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if err := checkClient(client); err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("redisstore: nil option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	return &Store{
		client:        client,
		limiter:       cmp.Or(cfg.limiter, client),
		cfg:           cfg,
		revoke:        redis.NewScript(revokeScript),
		revokeSubject: redis.NewScript(revokeSubjectScript),
		hit:           redis.NewScript(hitScript),
		reset:         redis.NewScript(resetScript),
		once:          redis.NewScript(onceScript),
		journalWrite:  redis.NewScript(journalScript),
	}, nil
}

// errNoContextTimeout is returned by New for a client that would ignore the store's deadlines.
var errNoContextTimeout = errors.New("redisstore: the redis client ignores context deadlines; set ContextTimeoutEnabled: true in its options")

// checkClient refuses a missing client and the go-redis clients that ignore context deadlines.
func checkClient(client redis.UniversalClient) error {
	var enabled bool
	switch c := client.(type) {
	case nil:
		return errors.New("redisstore: nil redis client")
	case *redis.Client:
		if c == nil {
			return errors.New("redisstore: nil redis client")
		}
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		if c == nil {
			return errors.New("redisstore: nil redis client")
		}
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		if c == nil {
			return errors.New("redisstore: nil redis client")
		}
		enabled = c.Options().ContextTimeoutEnabled
	default:
		return nil
	}
	if !enabled {
		return errNoContextTimeout
	}
	return nil
}

// bound returns ctx limited to the store's timeout for one call to Redis.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.timeout)
}

// ttlMillis returns d in whole milliseconds, rounded up, so that a record never expires before
// the time it was given.
func ttlMillis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// unixMillisCeil returns t in Unix milliseconds, rounded up.
func unixMillisCeil(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return ms
}
