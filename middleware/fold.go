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
//   - Unicode case, under every rule a lookup may normalise with: strings.EqualFold's and
//     encoding/json's case folding, strings.ToUpper and strings.ToLower. "ALICE", "ſam"
//     (U+017F long s), "\u212aate" (Kelvin sign) and "alıce" (U+0131 dotless i, which
//     upper-cases to "I") count as "alice", "sam", "kate" and "alice";
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
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) && unicode.SimpleFold(r) == r {
			// Dropped, unless case folding ties it to a letter (U+0345 folds with Greek iota).
			continue
		}
		b.WriteRune(foldCase(r))
	}
	return b.String()
}

// foldCase returns the rune that stands for every rune r is equal to under case folding,
// upper-casing or lower-casing. Case folding alone misses pairs that only a mapping merges: "ı"
// (U+0131) is alone in its folding orbit, yet strings.ToUpper makes it "I". Upper-casing first
// and then lower-casing lands every such rune in the orbit of its ASCII or ordinary letter, and
// the orbit's smallest rune names it (TestFoldCaseAllRunes checks this for every rune).
func foldCase(r rune) rune {
	return foldRune(unicode.ToLower(unicode.ToUpper(r)))
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
