package redisstore

import (
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// DefaultMaxLag is how far behind Redis a [Mirror] may be and still answer from memory. See
// [WithMaxLag].
const DefaultMaxLag = 100 * time.Millisecond

// minMaxLag is the shortest lag [WithMaxLag] accepts: below it the checks would be more
// frequent than a loaded machine can schedule them.
const minMaxLag = 10 * time.Millisecond

// A MirrorOption configures a [Mirror] in [NewMirror]. Options are applied in order; a later
// option of the same kind replaces an earlier one. An option that returns an error makes
// NewMirror fail.
type MirrorOption func(*mirrorConfig) error

type mirrorConfig struct {
	maxLag time.Duration
	log    zerolog.Logger
}

func defaultMirrorConfig() mirrorConfig {
	return mirrorConfig{maxLag: DefaultMaxLag, log: zerolog.Nop()}
}

// heartbeat is how often the mirror reads the journal's sequence number: four times per lag, so
// that one slow or lost read does not yet make it fall back to Redis.
func (c mirrorConfig) heartbeat() time.Duration { return c.maxLag / 4 }

// WithMaxLag sets the consistency bound of a [Mirror]: it answers from memory only while it
// holds everything Redis held at most maxLag ago, and asks Redis otherwise. The default is
// [DefaultMaxLag], 100ms. A revocation made on another instance is refused here as soon as its
// notice arrives, and at the latest after maxLag when the notice cannot arrive (a network
// partition this instance has not noticed).
//
// The mirror reads the journal's sequence number four times per maxLag (one small HMGET; 40 a
// second by default), whatever the traffic. A longer lag costs fewer reads and widens the
// window in which a partitioned instance may still accept a revoked session. maxLag must be
// at least 10ms.
func WithMaxLag(maxLag time.Duration) MirrorOption {
	return func(c *mirrorConfig) error {
		if maxLag < minMaxLag {
			return fmt.Errorf("redisstore: mirror lag %v is below %v", maxLag, minMaxLag)
		}
		c.maxLag = maxLag
		return nil
	}
}

// WithMirrorLogger sets where a [Mirror] reports losing and regaining sync, full reads of the
// journal and records written back; the default logs nothing. Losing sync is a warning, a read
// that fails an error, the rest info. No session ID, subject or record is ever logged, only
// counts and Redis's errors.
func WithMirrorLogger(log zerolog.Logger) MirrorOption {
	return func(c *mirrorConfig) error {
		c.log = log
		return nil
	}
}
