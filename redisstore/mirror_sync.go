package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Pauses between two subscriptions while Redis does not answer.
const (
	minRetry = 20 * time.Millisecond
	maxRetry = 500 * time.Millisecond
)

// sweepEvery is how often the mirror forgets expired records.
const sweepEvery = time.Second

// scanCount is how many fields one HSCAN of a resync asks for.
const scanCount = 1000

// subscribeTimeout bounds the wait for Redis to confirm a subscription, after which the mirror
// tries a new connection.
const subscribeTimeout = 2 * time.Second

// Why a subscription ends. Each makes the mirror stop answering from memory at once.
var (
	errEpoch    = errors.New("the journal was replaced (Redis restarted, flushed or evicted it)")
	errGap      = errors.New("a notice is missing")
	errRegress  = errors.New("the journal went back (Redis restarted from an older state or failed over)")
	errLost     = errors.New("notices announced by the sequence number did not arrive")
	errNotice   = errors.New("a notice this package did not write")
	errSubEnded = errors.New("the subscription ended")
)

// run keeps the mirror in sync until ctx ends: one subscription at a time, a new one after any
// failure, pausing longer while Redis does not answer.
func (m *Mirror) run(ctx context.Context) {
	defer close(m.done)
	defer m.repairing.Wait()
	retry := minRetry
	failing := false // reported, and not in sync since
	for {
		synced, err := m.follow(ctx)
		m.freshUntil.Store(0)
		if ctx.Err() != nil {
			return
		}
		switch {
		case synced:
			m.cfg.log.Warn().Err(err).Str("event", "mirror_lost_sync").
				Msg("keycard: revocation mirror lost sync; asking Redis until it has read the journal again")
			retry, failing = minRetry, false
		case !failing:
			m.cfg.log.Error().Err(err).Str("event", "mirror_sync_failed").
				Msg("keycard: revocation mirror cannot read the journal; asking Redis until it can")
			failing = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, maxRetry)
	}
}

// follower is the state of one subscription.
type follower struct {
	synced      bool   // the journal has been read since subscribing
	epoch       string // the journal's epoch; empty when there was no journal
	applied     int64  // sequence number of the last change applied
	last        string // the random ID of that change; empty when there was none
	afterResync bool   // notices up to applied, sent before the resync read them, may still come
	pending     *beat  // a heartbeat that found Redis ahead, waiting for the notices
}

// A beat is one reading of the journal's epoch and sequence number.
type beat struct {
	sent    time.Duration // when it was sent, on the mirror's monotonic clock
	applied int64         // what the mirror had applied then
	epoch   string
	seq     int64
	last    string // the journal's latest change
	err     error
}

// follow subscribes to the journal's notices, reads the journal and applies notices until
// something goes wrong, which it returns. synced reports whether it got as far as reading the
// journal.
func (m *Mirror) follow(ctx context.Context) (synced bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	key := m.store.journalKey()
	ps := m.store.client.Subscribe(ctx, key)
	defer ps.Close() // before cancel: it unblocks the receiver
	msgs := make(chan any, 1024)
	go receive(ctx, ps, msgs)

	ticker := time.NewTicker(m.cfg.heartbeat())
	defer ticker.Stop()
	beats := make(chan beat, 1)
	inFlight := false
	lastSweep := time.Now()
	subscribed := time.Now()
	f := &follower{}
	for {
		select {
		case <-ctx.Done():
			return f.synced, ctx.Err()
		case v := <-msgs:
			switch v := v.(type) {
			case *redis.Subscription:
				if v.Kind != "subscribe" || f.synced {
					return f.synced, fmt.Errorf("%w: %s %s", errSubEnded, v.Kind, v.Channel)
				}
				if err := m.resync(ctx, f); err != nil {
					return false, err
				}
			case *redis.Message:
				if !f.synced {
					return false, errGap // cannot happen: notices follow the confirmation
				}
				if err := m.onNotice(f, v.Payload); err != nil {
					return true, err
				}
			case error:
				return f.synced, fmt.Errorf("%w: %w", errSubEnded, v)
			}
		case <-ticker.C:
			if !f.synced && time.Since(subscribed) > subscribeTimeout {
				return false, fmt.Errorf("%w: no confirmation from Redis in %v", errSubEnded, subscribeTimeout)
			}
			if f.synced && !inFlight {
				inFlight = true
				go m.heartbeat(ctx, f.applied, beats)
			}
			if time.Since(lastSweep) >= sweepEvery {
				lastSweep = time.Now()
				m.sweep()
			}
		case b := <-beats:
			inFlight = false
			if err := m.onBeat(f, b); err != nil {
				return true, err
			}
		}
	}
}

// receive passes what the subscription receives to out, until the first error.
func receive(ctx context.Context, ps *redis.PubSub, out chan<- any) {
	for {
		v, err := ps.Receive(ctx)
		if err != nil {
			v = err
		}
		select {
		case out <- v:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// readHead reads the journal's epoch, sequence number and latest change in one command; all
// are zero without a journal.
func (m *Mirror) readHead(ctx context.Context) (epoch string, seq int64, last string, err error) {
	ctx, cancel := m.store.bound(ctx)
	defer cancel()
	vals, err := m.store.client.HMGet(ctx, m.store.journalKey(), "epoch", "seq", "last").Result()
	if err != nil {
		return "", 0, "", err
	}
	epoch, _ = vals[0].(string)
	if s, ok := vals[1].(string); ok {
		if seq, err = strconv.ParseInt(s, 10, 64); err != nil {
			return "", 0, "", fmt.Errorf("journal sequence number: %w", err)
		}
	}
	last, _ = vals[2].(string)
	if (epoch == "") != (seq == 0) {
		return "", 0, "", errors.New("journal without epoch or sequence number")
	}
	return epoch, seq, last, nil
}

// heartbeat reads the journal's head for onBeat.
func (m *Mirror) heartbeat(ctx context.Context, applied int64, out chan<- beat) {
	b := beat{sent: time.Since(m.base), applied: applied}
	b.epoch, b.seq, b.last, b.err = m.readHead(ctx)
	out <- b
}

// onBeat compares a reading of the journal's head with what the mirror has applied. A reading
// that it has caught up with makes the mirror current as of the moment the reading was sent.
func (m *Mirror) onBeat(f *follower, b beat) error {
	switch {
	case b.err != nil:
		// Without an answer the mirror stays current only until its lag runs out.
		m.cfg.log.Debug().Err(b.err).Msg("keycard: revocation mirror could not read the journal")
		return nil
	case b.epoch != f.epoch && !(f.epoch == "" && f.applied == 0):
		return errEpoch
	case b.epoch == f.epoch && b.seq < b.applied:
		return errRegress
	case b.epoch == f.epoch && b.seq == f.applied && b.last != f.last:
		// The change Redis holds at the mirror's sequence number is another one: the journal
		// went back (a restore from an older snapshot, a failover to a lagging replica) and
		// new changes took the numbers the mirror had applied, while their notices passed it by.
		return errRegress
	case b.epoch == f.epoch && b.seq <= f.applied:
		m.confirm(b.sent)
		return nil
	}
	// Redis is ahead: the notices should be on their way. One reading may wait for them, for
	// up to half the lag; a later reading that finds them still missing ends the subscription.
	if f.pending == nil {
		f.pending = &b
		return nil
	}
	if b.sent-f.pending.sent > m.cfg.maxLag/2 {
		return errLost
	}
	return nil
}

// onNotice applies one notice, in sequence.
func (m *Mirror) onNotice(f *follower, payload string) error {
	n, err := parseNotice(payload)
	if err != nil {
		return errNotice
	}
	if n.epoch != f.epoch {
		if f.epoch != "" || f.applied != 0 || n.seq != 1 {
			return errEpoch
		}
		f.epoch = n.epoch // the first change of a journal created since the resync
	}
	switch {
	case n.seq == f.applied+1:
		m.apply(n.rec)
		f.applied, f.last = n.seq, n.change
		m.seq.Store(n.seq)
		f.afterResync = false
		if p := f.pending; p != nil && p.epoch == f.epoch && f.applied >= p.seq {
			f.pending = nil
			m.confirm(p.sent)
		}
		return nil
	case n.seq <= f.applied && f.afterResync:
		return nil // read by the resync already
	case n.seq <= f.applied:
		return errRegress
	}
	return errGap
}

// confirm makes the mirror current until maxLag after sent, when it held everything Redis did.
func (m *Mirror) confirm(sent time.Duration) {
	until := int64(sent + m.cfg.maxLag)
	old := m.freshUntil.Load()
	if until <= old {
		return
	}
	now := int64(time.Since(m.base))
	m.freshUntil.Store(until)
	if now >= old && now < until { // it was not current, and is now: wake WaitSync
		ch := make(chan struct{})
		close(*m.synced.Swap(&ch))
	}
}
