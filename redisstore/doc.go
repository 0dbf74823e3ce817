// Package redisstore keeps keycard's revocations and login-throttle counts in Redis, for
// applications that run on more than one server.
//
// Session tokens are stateless: any instance that holds the key verifies them alone. Logout
// and login throttling are not: every instance must see a logout made on another, and count
// the attempts made on all of them. A [Store] implements the middleware's
// [middleware.RevocationStore] and [middleware.Limiter] on Redis, for a single server,
// Sentinel ([redis.NewFailoverClient]) or Cluster ([redis.NewClusterClient]), through any
// [redis.UniversalClient].
//
// # Mirror: revocation at in-memory speed
//
// [Store.IsRevoked] costs every protected request a Redis round trip. A [Mirror] answers the
// same question from memory: every write of the Store also goes to a journal (one hash holding
// every live revocation, with a sequence number), whose changes Redis publishes; each instance's
// mirror applies them in sequence and checks the sequence number four times per lag bound
// ([WithMaxLag], 100ms by default). The consistency bound: a revocation made on any instance is
// refused by every mirror as soon as its notice arrives (about a millisecond here), and never
// accepted later than the lag bound after it was made. A mirror that cannot vouch for being
// current (Redis unreachable or restarted, a notice missing, the subscription broken, a
// partition it has not noticed) asks Redis on each request, failing closed when Redis does not
// answer, until it has read the journal again; a session it holds as revoked stays refused all
// the while. Ordinary requests then cause no Redis operation; Redis work grows with logouts,
// plus four small reads per lag bound per instance.
//
// # Security model
//
// Redis holds no secret: no token, cookie, password or signing key. It holds session IDs with
// the time their revocation ends, SHA-256 digests of subjects (user IDs, often e-mail
// addresses) with the cut-off of a "log out everywhere", and counters under the limiter keys
// the middleware derives (already hashed); the journal holds the same session IDs and digests.
// With [Store.Registry] as the session list, it also holds, per subject digest, each session's
// ID, times, "remember me" choice, a short device description and the client address, which is
// personal data: the entries expire with their sessions, and known devices are kept as SHA-256
// digests for 90 days. Whoever can write to Redis can still lift a revocation (from what
// instances read in Redis; a running mirror keeps what it has seen until its until) or a
// throttle, or revoke every session (also by publishing on the journal's channel): protect it
// like the application's database (network isolation, AUTH or ACLs, TLS across untrusted
// networks), and give it a key prefix of its own ([WithPrefix]) when it is shared.
//
// Every record expires with the lifetime it protects: a session revocation when the session
// would have ended anyway, a subject cut-off at the until its caller passes, a counter at the
// end of its window. Revocations grow with logouts, which need a signed-in user; login
// counters with attempts, which anyone can make, so they are bounded per client: a client's
// budget ([WithClientLimit], 100 failed attempts per window) is checked before any counter of
// an account is created, and one client makes Redis hold at most about 2×budget+1 counters
// (about 14 kB at the default) whatever it sends. Nothing needs cleaning up.
//
// A revocation lives only as long as Redis keeps it, or a mirror remembers it: a mirror that
// finds the journal missing records it holds (after a restart, a failover, an eviction) writes
// them back. Without mirrors, or when every instance restarts too, a server without
// persistence (RDB or AOF) or replicas forgets every logout when it restarts, and the
// logged-out tokens are accepted again until they expire. A server that evicts keys under memory pressure
// (maxmemory-policy allkeys-* or volatile-*; every key of the store has an expiry, so
// volatile-* policies pick them first) silently forgets logouts too. Run Redis with
// persistence or replication and with maxmemory-policy noeviction, where a full server
// refuses writes, which the store reports as [ErrUnavailable]; and keep token lifetimes
// short.
//
// One client cannot fill a Redis, but many can: an attacker with thousands of addresses (IPv6
// /64s are cheap) leaves two counters per address. On a Redis shared with revocations and
// running noeviction, logouts then fail (503) while copied cookies keep working. Give the
// limiter a Redis of its own ([WithLimiterClient]), also with maxmemory-policy noeviction
// (evicting a counter would hand its owner fresh guesses) and without need of persistence:
// a full limiter Redis refuses logins (503, fail closed) and revocations never notice.
//
// # Failure model
//
// Every call to Redis is bounded by the store's timeout ([WithTimeout], 100ms by default) and
// by the caller's context, so a slow or dead Redis costs a request that long, not a hung
// goroutine; [New] refuses a go-redis client that would ignore the deadline. A call that gets
// no answer returns an error wrapping [ErrUnavailable] and never guesses: the middleware
// decides. By default it fails closed, refusing requests whose revocation check fails and
// logins whose throttle check fails; that turns a Redis outage into an outage of the
// application rather than into accepted logouts or unthrottled password guessing.
//
// Each update is one Lua script, so it is atomic: parallel login attempts cannot slip past
// either limit on any instance, and of two "log out everywhere" the later cut-off wins. A
// revocation is two scripts of one key each, the journal's first; the limiter's touches a
// client's two counters, which share a hash tag, so Redis Cluster never answers CROSSSLOT. The
// revocation check reads its two keys in one pipelined round trip.
//
// The store reads the clock of the instance it runs on to write and check revocations
// ([WithClock]); instances should keep their clocks in sync, as token expiry already needs.
// Login windows run on the Redis server's clock.
package redisstore
