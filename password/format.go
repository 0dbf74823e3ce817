package password

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// A bcrypt hash in modular crypt format is exactly 60 ASCII bytes:
//
//	$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW
//	\__/\_/\____________________/\_____________________________/
//	ver cost    salt (22 chars)          hash (31 chars)
//
// The salt and hash use bcrypt's own base64 alphabet, ./A-Za-z0-9, without padding.
const (
	hashLen     = 60
	costOffset  = 4 // first cost digit
	saltOffset  = 7 // first salt character
	prefixLen   = 4 // "$2b$"
	minHashCost = bcrypt.MinCost
)

// parseHash checks that hash is a bcrypt hash we can verify and returns its cost. It does
// the whole check itself, so that garbage is refused before any bcrypt time is spent, and
// x/crypto/bcrypt is only ever handed well-formed input. Errors match [ErrMalformedHash] and
// never quote the hash.
//
// Accepted prefixes are $2a$, $2b$ and $2y$, which all denote today's algorithm for any
// password of at most 72 bytes, the only passwords Verify compares:
//   - $2a$ is what x/crypto/bcrypt, bcryptjs (by default) and OpenBSD before 2014 write.
//   - $2b$ is OpenBSD's 2014 marker for its fix of a length wrap-around that only affected
//     passwords of 256 bytes or more.
//   - $2y$ is PHP's (crypt_blowfish's) marker for hashes made after its 2011 sign-extension
//     fix; it is the correct algorithm.
//
// x/crypto/bcrypt accepts any minor version letter and keeps it when it recomputes the hash,
// so no prefix rewriting is needed for $2b$ or $2y$.
//
// Refused prefixes:
//   - $2x$ is crypt_blowfish's marker for hashes made by the buggy pre-2011 code
//     (CVE-2011-2483): bytes ≥ 0x80 were sign-extended, so the hash is not bcrypt's, and for
//     some passwords it is much weaker. Go computes real bcrypt, so such a hash would verify
//     for ASCII passwords and fail for others; refusing says so up front. Those users must
//     reset their passwords.
//   - $2$ is the original 1997 format, which did not feed the terminating NUL into the key
//     schedule. x/crypto/bcrypt always does, so a $2$ hash would never verify.
//   - Anything else ($1$, $5$, $6$, $argon2id$, ...) is not bcrypt.
func parseHash(hash string) (int, error) {
	// The refused bcrypt variants first, so that operators get the real reason ($2$ hashes
	// are also a byte shorter).
	switch {
	case strings.HasPrefix(hash, "$2x$"):
		return 0, fmt.Errorf("%w: $2x$ (crypt_blowfish sign-extension bug) is not supported", ErrMalformedHash)
	case strings.HasPrefix(hash, "$2$"):
		return 0, fmt.Errorf("%w: $2$ (original 1997 format) is not supported", ErrMalformedHash)
	}
	if len(hash) != hashLen {
		return 0, fmt.Errorf("%w: length %d, want %d", ErrMalformedHash, len(hash), hashLen)
	}
	switch hash[:prefixLen] {
	case "$2a$", "$2b$", "$2y$":
	default:
		return 0, fmt.Errorf("%w: prefix is not $2a$, $2b$ or $2y$", ErrMalformedHash)
	}
	d1, d2 := hash[costOffset], hash[costOffset+1]
	if !isDigit(d1) || !isDigit(d2) || hash[costOffset+2] != '$' {
		return 0, fmt.Errorf("%w: cost is not two digits followed by '$'", ErrMalformedHash)
	}
	cost := int(d1-'0')*10 + int(d2-'0')
	if cost < minHashCost || cost > maxCost {
		return 0, fmt.Errorf("%w: cost %d outside %d..%d", ErrMalformedHash, cost, minHashCost, maxCost)
	}
	for i := saltOffset; i < hashLen; i++ {
		if !isBase64(hash[i]) {
			return 0, fmt.Errorf("%w: invalid character at offset %d", ErrMalformedHash, i)
		}
	}
	// The last salt and hash characters carry unused low bits. They are not required to be
	// zero: other implementations ignore them too, and a non-canonical hash character simply
	// never matches.
	return cost, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isBase64 reports whether c is in bcrypt's base64 alphabet, ./A-Za-z0-9.
func isBase64(c byte) bool {
	return c == '.' || c == '/' || isDigit(c) || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
}
