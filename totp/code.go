package totp

import "fmt"

// maxCodeInput bounds what the parsers look at: a code typed with spaces is far shorter.
const maxCodeInput = 64

// ParseCode reads a one-time code as a user typed it: digits, possibly grouped by spaces or a
// hyphen ("123 456", "123-456"), with surrounding spaces. It returns the bare digits, which
// must be exactly digits long, or an error matching [ErrMalformedCode]. It never panics.
func ParseCode(s string, digits int) (string, error) {
	if len(s) > maxCodeInput {
		return "", fmt.Errorf("%w: too long", ErrMalformedCode)
	}
	out := make([]byte, 0, digits)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if len(out) == digits {
				return "", fmt.Errorf("%w: more than %d digits", ErrMalformedCode, digits)
			}
			out = append(out, c)
		case c == ' ' || c == '-' || c == '\t':
		default:
			return "", fmt.Errorf("%w: not a digit", ErrMalformedCode)
		}
	}
	if len(out) != digits {
		return "", fmt.Errorf("%w: want %d digits", ErrMalformedCode, digits)
	}
	return string(out), nil
}
