package middleware

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// throttleKey identifies an account and client pair for the limiter, hashed: stores never see
// e-mail addresses or IP addresses in the clear. The identifier is folded first (foldIdentifier),
// so that spellings the application's lookup may treat as one account share one count.
func throttleKey(identifier, client string) string {
	sum := sha256.Sum256([]byte(foldIdentifier(identifier) + "\x00" + client))
	return hex.EncodeToString(sum[:16])
}

// foldIdentifier maps an account name to the form the throttle counts it under. Each spelling
// that a lookup treats as the same account but the throttle counts apart is a fresh allowance of
// guesses, so it folds more than any lookup is likely to:
//   - Unicode case folding, as strings.EqualFold and encoding/json compare: "ALICE", "ſam"
//     (U+017F long s) and "\u212aate" (Kelvin sign) count as "alice", "sam" and "kate";
//   - fullwidth ASCII (U+FF01 to U+FF5E) counts as ASCII, as width-insensitive database
//     collations compare it;
//   - nonspacing and enclosing marks and format characters (U+200B zero width space, U+00AD
//     soft hyphen, ...) are dropped, as collations that ignore them compare.
//
// It does not decompose precomposed letters ("é" stays apart from "e"): an application whose
// lookup is accent-insensitive should normalize identifiers before they reach it.
func foldIdentifier(id string) string {
	var b strings.Builder
	b.Grow(len(id))
	for _, r := range id {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFF01 - '!'
		}
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			continue
		}
		b.WriteRune(unicode.ToLower(foldRune(r)))
	}
	return b.String()
}

// foldRune returns the smallest rune of r's case-folding orbit ('S' for 's', 'S' and 'ſ'),
// which stands for the whole orbit, as in encoding/json.
func foldRune(r rune) rune {
	for {
		f := unicode.SimpleFold(r)
		if f <= r {
			return f
		}
		r = f
	}
}

// accountTag is a short pseudonym of a throttle key for logs: it lets operators see repeated
// attempts on one account without logging the address.
func accountTag(key string) string { return key[:12] }
