package redisstore_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// TestRevocationMatchesMemory runs random sequences of revocations, checks and clock steps
// against the store and [middleware.MemoryRevocation], and expects the same answers.
//
// The sequences keep the contract of the interface: a subject's until is the end of the
// longest session that began by the cut-off, and only live sessions are checked. Outside it
// the stores may differ in what nobody can observe: MemoryRevocation carries the cut-off of an
// expired record into a new one until its next sweep, the store treats an expired record as
// gone.
//
// Durations are whole minutes, so that no record expires in Redis's real time while the test
// runs; the answers come from the records' own untils on the test clock.
func TestRevocationMatchesMemory(t *testing.T) {
	const lifetime = 30 * time.Minute // the longest session
	client := newClient(t, redisOptions(t))
	ctx := t.Context()
	for seed := range uint64(10) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newClock(t0)
			s, _ := newStore(t, client, redisstore.WithClock(clk.Now))
			mem := middleware.NewMemoryRevocation(clk.Now)
			rng := rand.New(rand.NewPCG(seed, 1))
			minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Minute }
			millis := func(n int) time.Duration { return time.Duration(rng.IntN(n)) * time.Millisecond }
			sid := func() token.SessionID { return token.SessionID("sid-" + strconv.Itoa(rng.IntN(4))) }
			sub := func() token.Subject { return token.Subject("sub-" + strconv.Itoa(rng.IntN(3))) }

			var checks, revoked int
			for i := range 300 {
				now := clk.Now()
				switch op := rng.IntN(10); {
				case op < 2:
					id, until := sid(), now.Add(minutes(-10, 40))
					if err := s.Revoke(ctx, id, until); err != nil {
						t.Fatal(err)
					}
					mem.Revoke(ctx, id, until)
				case op < 4:
					// A fraction of a second exercises the whole-second comparison.
					who := sub()
					cutoff := now.Add(-minutes(0, 5) - millis(1000))
					until := cutoff.Add(lifetime)
					if err := s.RevokeSubject(ctx, who, cutoff, until); err != nil {
						t.Fatal(err)
					}
					mem.RevokeSubject(ctx, who, cutoff, until)
				case op < 5:
					clk.Add(minutes(0, 15))
				case op < 6:
					id, version, until := sid(), uint64(rng.IntN(4)), now.Add(minutes(-10, 40))
					if err := s.RevokeBefore(ctx, id, version, until); err != nil {
						t.Fatal(err)
					}
					mem.RevokeBefore(ctx, id, version, until)
				default:
					id, who, version := sid(), sub(), uint64(rng.IntN(5))
					authTime := now.Add(-minutes(0, 29) - millis(60_000))
					want, _ := mem.IsRevoked(ctx, id, who, authTime, version)
					got, err := s.IsRevoked(ctx, id, who, authTime, version)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Fatalf("step %d: IsRevoked(%s, %s, %v, %d) = %v, memory says %v", i, id, who, authTime, version, got, want)
					}
					checks++
					if want {
						revoked++
					}
				}
			}
			if revoked == 0 || revoked == checks {
				t.Errorf("%d of %d checks came out revoked: the sequence tests little", revoked, checks)
			}
		})
	}
}
