package token

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
)

// Subject identifies who a session belongs to: the "sub" claim, typically a
// user ID. It is a distinct type so that it cannot be passed where an [ID]
// or [SessionID] is expected.
type Subject string

// ID is a token's unique ID, the "jti" claim: 128 random bits, base64url
// encoded, fresh for every token [Codec.Issue] or [Codec.Renew] makes.
type ID string

// SessionID is the "sid" claim: 128 random bits, fresh on [Codec.Issue] and
// kept by [Codec.Renew], so all tokens of one login share it. Revoke a
// session by its SessionID, not by token text.
type SessionID string

// Claims is the content of a verified (or just issued) token: the registered
// claims as typed fields and the caller's payload T.
//
// On the wire, T's JSON fields sit next to the registered claims at the top
// level of the JWT payload. Times are in UTC: whole seconds, except AuthTime
// and SessionStart, which keep microseconds (see [Codec.Issue]).
//
// A Claims value returned by this package is the caller's to keep; it shares
// nothing with the [Codec]. The zero value is not a valid session.
type Claims[T any] struct {
	Subject   Subject   // "sub": never empty
	ID        ID        // "jti": never empty
	SessionID SessionID // "sid": never empty
	Issuer    string    // "iss"; empty when absent
	Audience  []string  // "aud"; nil when absent
	IssuedAt  time.Time // "iat"
	NotBefore time.Time // "nbf"; zero when absent (tokens from this package always have it)
	Expiry    time.Time // "exp"
	// AuthTime ("auth_time") is when the user last authenticated: at login, and again at
	// every re-authentication (step-up) within the session. Renew keeps it.
	AuthTime time.Time
	// SessionStart ("sst") is when the session began; it never moves within a session, and
	// an absolute lifetime counts from it. Renew keeps it. A token without the claim (issued
	// before it existed) reads as AuthTime.
	SessionStart time.Time
	// AMR ("amr", RFC 8176) lists the methods of the latest authentication, such as "pwd",
	// "otp", "hwk", "mfa"; nil when absent. Renew keeps it.
	AMR []string
	// Remember ("rem", written only when true) records the user's "remember me" choice.
	// Renew keeps it.
	Remember bool
	// Version ("sver", written only when not 0) counts the changes to the session's content
	// (payload, authentication) since it began, so that a revocation store can refuse the
	// tokens of a session issued before a change. Renew keeps it.
	Version uint64
	KeyID   string // kid of the key that signed the token (the JWS header kid, not a claim)
	Payload T      // the caller's own claims, flattened into the JWT payload
}

// wireClaims is the JSON form of the registered claims. encoding/json keeps
// the last of duplicate keys; that is harmless here because the payload is
// behind our signature and we never write duplicates.
type wireClaims struct {
	Sub      string      `json:"sub"`
	Jti      string      `json:"jti"`
	Sid      string      `json:"sid"`
	Iss      string      `json:"iss,omitempty"`
	Aud      audience    `json:"aud,omitempty"`
	Iat      numericDate `json:"iat"`
	Nbf      numericDate `json:"nbf"`
	Exp      numericDate `json:"exp"`
	AuthTime numericDate `json:"auth_time"`
	Sst      numericDate `json:"sst"`
	Amr      []string    `json:"amr,omitempty"`
	Rem      bool        `json:"rem,omitempty"`
	Sver     uint64      `json:"sver,omitempty"`
}

// maxUnix is 9999-12-31T23:59:59Z, the latest NumericDate we accept.
const maxUnix = 253402300799

var errNumericDate = errors.New("NumericDate must be a non-negative JSON number before year 10000")

// numericDate is an RFC 7519 NumericDate. set distinguishes an absent claim
// from 1970-01-01.
type numericDate struct {
	t   time.Time
	set bool
}

func newNumericDate(t time.Time) numericDate { return numericDate{t: t, set: true} }

// MarshalJSON writes whole seconds, and microseconds after a decimal point when the time has
// any (auth_time does: see [Codec.Issue]).
func (d numericDate) MarshalJSON() ([]byte, error) {
	b := strconv.AppendInt(nil, d.t.Unix(), 10)
	if us := d.t.Nanosecond() / 1e3; us != 0 {
		b = append(b, '.')
		for div := 100000; div > 0; div /= 10 {
			b = append(b, byte('0'+us/div%10))
		}
	}
	return b, nil
}

// UnmarshalJSON accepts a non-negative JSON number (integer or not) up to
// maxUnix and refuses strings, null and everything else. encoding/json has
// already checked b is one valid JSON value.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] < '0' || b[0] > '9' {
		return errNumericDate // string, null, bool, object, array, or negative
	}
	var n int64
	var ns int64
	for i, c := range b {
		if c == '.' && i+1 < len(b) && len(b)-i-1 <= 9 {
			// A decimal fraction, read exactly (a float64 cannot hold microseconds of today's
			// dates exactly).
			for j, scale := i+1, int64(1e8); j < len(b); j, scale = j+1, scale/10 {
				if b[j] < '0' || b[j] > '9' {
					return d.parseFloat(b)
				}
				ns += int64(b[j]-'0') * scale
			}
			break
		}
		if c < '0' || c > '9' {
			return d.parseFloat(b)
		}
		n = n*10 + int64(c-'0')
		if n > maxUnix {
			return errNumericDate
		}
	}
	*d = numericDate{t: time.Unix(n, ns).UTC(), set: true}
	return nil
}

// parseFloat handles a NumericDate with a fraction or exponent.
func (d *numericDate) parseFloat(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxUnix {
		return errNumericDate
	}
	sec, frac := math.Modf(f)
	*d = numericDate{t: time.Unix(int64(sec), int64(frac*1e9)).UTC(), set: true}
	return nil
}

var errAudience = errors.New(`"aud" must be a string or an array of strings`)

// audience is the "aud" claim: a string or an array of strings on input; a
// string when it has one element, else an array, on output.
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	case len(b) > 0 && b[0] == '[':
		var l []string
		if err := json.Unmarshal(b, &l); err != nil {
			return errAudience
		}
		*a = l
		return nil
	}
	return errAudience
}
