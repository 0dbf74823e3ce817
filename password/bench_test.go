package password_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/keycard-go/keycard/password"
)

// The benchmarks run at DefaultCost, the cost that matters in production. Compare
// BenchmarkVerifyDummy with BenchmarkVerify: they should take the same time per operation,
// which is what keeps unknown users indistinguishable from known ones.

var benchPassword = []byte("correct horse battery staple")

func BenchmarkHash(b *testing.B) {
	h := mustNew(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, benchPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := mustNew(b)
	ctx := b.Context()
	hash, err := h.Hash(ctx, benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	wrong := []byte("Correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Verify(ctx, hash, wrong); !errors.Is(err, password.ErrMismatch) {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := mustNew(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.VerifyDummy(ctx, benchPassword); !errors.Is(err, password.ErrMismatch) {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyMalformed shows that garbage costs no bcrypt time.
func BenchmarkVerifyMalformed(b *testing.B) {
	h := mustNew(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Verify(ctx, "$2a$12$not a bcrypt hash at all", benchPassword); !errors.Is(err, password.ErrMalformedHash) {
			b.Fatal(err)
		}
	}
}

// BenchmarkMismatch gives the login-timing figures of issue 12 (finding 2) on a Hasher at
// DefaultCost: a wrong password against stored hashes of every cost from MinCost to
// DefaultCost+2, and VerifyDummy for an unknown account. Each iteration is one round of all
// six in a fresh random order (interleaved, so the machine's drift hits each alike); the
// metrics are each case's median wall time over the rounds (ms-unknown, ms-stored10 ...)
// and spread, the slowest median over the fastest, which the padding keeps under 1.2.
// One round takes about six times a cost-14 comparison: run with -benchtime=5x.
func BenchmarkMismatch(b *testing.B) {
	h := mustNew(b)
	ctx := b.Context()
	pw := []byte("not the password")
	type attempt struct {
		name string
		run  func() error
	}
	attempts := []attempt{{"unknown", func() error { return h.VerifyDummy(ctx, pw) }}}
	for cost := password.MinCost; cost <= password.DefaultCost+2; cost++ {
		// A well-formed hash of nobody's password costs exactly what a real one of its cost
		// does, without spending that time here to make it.
		hash := fmt.Sprintf("$2a$%02d$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6", cost)
		attempts = append(attempts, attempt{fmt.Sprintf("stored%d", cost), func() error { return h.Verify(ctx, hash, pw) }})
	}
	samples := make([][]time.Duration, len(attempts))
	for b.Loop() {
		for _, i := range rand.Perm(len(attempts)) {
			start := time.Now()
			if err := attempts[i].run(); !errors.Is(err, password.ErrMismatch) {
				b.Fatal(err)
			}
			samples[i] = append(samples[i], time.Since(start))
		}
	}
	var lo, hi time.Duration
	for i, s := range samples {
		slices.Sort(s)
		m := s[len(s)/2]
		b.ReportMetric(float64(m)/float64(time.Millisecond), "ms-"+attempts[i].name)
		if i == 0 || m < lo {
			lo = m
		}
		hi = max(hi, m)
	}
	b.ReportMetric(float64(hi)/float64(lo), "spread")
}
