package password_test

import (
	"errors"
	"testing"

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
