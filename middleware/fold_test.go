package middleware

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestFoldCaseAllRunes: identifiers that strings.EqualFold, strings.ToUpper or strings.ToLower
// make equal must share one throttle counter, or each spelling is a fresh allowance of guesses.
// Checked for every rune, inside an identifier, through foldIdentifier itself.
func TestFoldCaseAllRunes(t *testing.T) {
	failures := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		if unicode.ToUpper(r) == r && unicode.ToLower(r) == r && unicode.ToTitle(r) == r && unicode.SimpleFold(r) == r {
			continue // no rule maps this rune to another: nothing to compare
		}
		id := "al" + string(r) + "ce@example.com"
		want := foldIdentifier(id)
		variants := []string{strings.ToUpper(id), strings.ToLower(id), strings.ToTitle(id)}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			variants = append(variants, "al"+string(f)+"ce@example.com")
		}
		for _, v := range variants {
			if got := foldIdentifier(v); got != want {
				failures++
				if failures <= 10 {
					t.Errorf("U+%04X: foldIdentifier(%q) = %q, foldIdentifier(%q) = %q; want one counter", r, id, want, v, got)
				}
			}
			same := func(normalise func(string) string) bool { return normalise(v) == normalise(id) }
			if !strings.EqualFold(v, id) && !same(strings.ToUpper) && !same(strings.ToLower) {
				t.Fatalf("U+%04X: test variant %q is not equal to %q under any rule", r, v, id)
			}
		}
	}
	if failures > 10 {
		t.Errorf("... and %d more", failures-10)
	}
}

// TestFoldIdentifierKeepsApart: folding must not merge what no lookup merges, or one user's
// failed attempts would throttle another's.
func TestFoldIdentifierKeepsApart(t *testing.T) {
	for _, pair := range [][2]string{
		{"alice@example.com", "alicf@example.com"},
		{"e@example.com", "é@example.com"},
		{"1@example.com", "l@example.com"},
	} {
		if foldIdentifier(pair[0]) == foldIdentifier(pair[1]) {
			t.Errorf("foldIdentifier merges %q and %q", pair[0], pair[1])
		}
	}
}
