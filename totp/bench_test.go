package totp_test

import (
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/totp"
)

// BenchmarkCode is one code: an HMAC-SHA-1 and the truncation.
func BenchmarkCode(b *testing.B) {
	secret := totp.GenerateSecret()
	now := time.Now()
	for b.Loop() {
		if _, err := (totp.Params{}).Code(secret, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the check of a second step's code, with in-memory stores: the throttle, the
// constant-time comparison over the window (three codes) and the single-use marker. Each
// iteration checks a wrong code, so that the marker of a right one does not refuse the next.
func BenchmarkCheck(b *testing.B) {
	e := newEnv(b, totp.WithLimiter(middleware.NewMemoryLimiter(1<<30, time.Hour, nil)))
	secret, _, _ := e.enrolled(b)
	wrong := e.wrong(b, secret)
	ctx := b.Context()
	for b.Loop() {
		if _, err := e.factor.Check(ctx, "user-1", wrong); err == nil {
			b.Fatal("a wrong code passed")
		}
	}
}
