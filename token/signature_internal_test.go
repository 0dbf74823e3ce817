package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"math/big"
	"testing"
)

// TestECOrder checks low-S detection and normalization at the edges, against math/big.
func TestECOrder(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		p := curve.Params()
		t.Run(p.Name, func(t *testing.T) {
			o := newECOrder(&ecdsa.PublicKey{Curve: curve})
			size := (p.BitSize + 7) / 8
			half := new(big.Int).Rsh(p.N, 1)
			one := big.NewInt(1)
			tests := []struct {
				name string
				s    *big.Int
				low  bool
				want *big.Int // s after normalize
			}{
				{"1", one, true, one},
				{"n/2", half, true, half},
				{"n/2 + 1", new(big.Int).Add(half, one), false, half},
				{"n - 1", new(big.Int).Sub(p.N, one), false, one},
				{"n - 256", new(big.Int).Sub(p.N, big.NewInt(256)), false, big.NewInt(256)},
			}
			for _, tc := range tests {
				sig := make([]byte, 2*size)
				sig[0] = 0x7f // r: left alone
				tc.s.FillBytes(sig[size:])
				if got := o.lowS(sig); got != tc.low {
					t.Errorf("%s: lowS = %v, want %v", tc.name, got, tc.low)
				}
				o.normalize(sig)
				if got := new(big.Int).SetBytes(sig[size:]); got.Cmp(tc.want) != 0 {
					t.Errorf("%s: normalize gave s = %v, want %v", tc.name, got, tc.want)
				}
				if sig[0] != 0x7f {
					t.Errorf("%s: normalize changed r", tc.name)
				}
				if !o.lowS(sig) {
					t.Errorf("%s: not low-S after normalize", tc.name)
				}
			}
			if !o.lowS(make([]byte, 2*size+1)) {
				t.Error("lowS of a wrong-length signature = false, want it left to the verifier")
			}
		})
	}
}

// BenchmarkLowS is the cost low-S adds to every ES256 Issue (normalize) and Verify (lowS),
// in isolation; compare with BenchmarkIssue/ES256 and BenchmarkVerify/ES256.
func BenchmarkLowS(b *testing.B) {
	o := newECOrder(&ecdsa.PublicKey{Curve: elliptic.P256()})
	high := make([]byte, 64)
	new(big.Int).Sub(elliptic.P256().Params().N, big.NewInt(12345)).FillBytes(high[32:])
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if o.lowS(high) {
				b.Fatal("low")
			}
		}
	})
	b.Run("normalize high", func(b *testing.B) {
		sig := make([]byte, 64)
		for b.Loop() {
			copy(sig, high)
			o.normalize(sig)
		}
	})
}
