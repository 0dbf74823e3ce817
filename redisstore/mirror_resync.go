package redisstore

import (
	"context"
	"time"
)

// resync reads the whole journal into the mirror and writes back what it lacks. It runs once
// the subscription is confirmed, so that no change after its reading of the head goes unseen:
// those arrive as notices.
func (m *Mirror) resync(ctx context.Context, f *follower) error {
	m.resyncs.Add(1)
	sent := time.Since(m.base)
	epoch, seq, last, err := m.readHead(ctx)
	if err != nil {
		return err
	}
	have := make(map[string]record)
	var cursor uint64
	for {
		sctx, cancel := m.store.bound(ctx)
		fields, next, err := m.store.client.HScan(sctx, m.store.journalKey(), cursor, "", scanCount).Result()
		cancel()
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(fields); i += 2 {
			rec, err := parseRecord(fields[i], fields[i+1])
			if err != nil {
				continue // epoch, seq, last, cur
			}
			m.apply(rec)
			have[fields[i]] = rec
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	f.synced, f.epoch, f.applied, f.last, f.afterResync, f.pending = true, epoch, seq, last, true, nil
	m.seq.Store(seq)
	m.confirm(sent)
	m.cfg.log.Info().Str("event", "mirror_synced").Int("records", len(have)).Int64("seq", seq).
		Msg("keycard: revocation mirror read the journal")
	// One repair at a time: an earlier one ended with its subscription, whose context is
	// cancelled, so the wait is short; this one starts from the journal just read.
	m.repairing.Wait()
	m.repairing.Go(func() { m.repair(ctx, have, seq) })
	return nil
}

// repair writes back the live records the mirror holds and the journal, as read, lacks: Redis
// lost them (a restart without persistence, a failover to a replica that lagged, eviction), but
// they still revoke sessions whose tokens have not expired. Merging is idempotent, so several
// instances repairing at once do no harm. It runs beside the subscription, whose notices keep
// coming meanwhile. A failure is logged; the next resync tries again.
func (m *Mirror) repair(ctx context.Context, have map[string]record, seq int64) {
	now := m.store.cfg.now().UnixMilli()
	var written int
	for field, rec := range m.records() {
		if h, ok := have[field]; ok && covers(&h, rec, now) {
			continue
		}
		if err := m.store.write(ctx, rec); err != nil {
			if ctx.Err() == nil {
				m.cfg.log.Error().Err(err).Str("event", "mirror_repair_failed").
					Msg("keycard: revocation mirror could not write back a record the journal lost")
			}
			break
		}
		written++
	}
	if written > 0 {
		m.repairs.Add(uint64(written))
		m.cfg.log.Warn().Str("event", "mirror_repaired").Int("records", written).Int64("seq", seq).
			Msg("keycard: the journal had lost revocations; the mirror wrote them back")
	}
}
