package oidc

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/keycard-go/keycard/token"
)

// LinkFunc maps a verified identity to the application's account: it returns the session's
// subject and payload, and keycard starts the session. Key the lookup on the pair
// (id.Issuer, id.Subject), never on the e-mail address alone. To link a new identity to an
// existing account by its e-mail address, require id.EmailVerified, and only from providers
// that are authoritative for the address's domain; to link it to the signed-in user, look at
// the session r carries ([middleware.Sessions.Current]).
//
// It refuses with [ErrUnknownIdentity], [ErrEmailNotVerified] or [ErrRefused] (403, each with
// its own message); any other error is the application's failure (500, logged). It runs only
// after every check of the flow passed, and at most once per sign-in. It must be safe for
// concurrent use.
type LinkFunc[T any] func(r *http.Request, id Identity) (token.Subject, T, error)

// Identity is a user as an OpenID provider vouched for them in a verified ID token.
type Identity struct {
	// Provider is the name of the provider ([Provider.Name]) the sign-in went through.
	Provider string
	// Issuer and Subject together identify the user: Subject is unique and stable only within
	// the issuer.
	Issuer  string
	Subject string

	// Email is the e-mail address the provider holds for the user, if it shares it; empty
	// otherwise. Trust it only when EmailVerified is true.
	Email string
	// EmailVerified reports whether the provider says it verified Email (email_verified, as a
	// JSON boolean or, as some providers send it, the string "true").
	EmailVerified bool
	// Name, GivenName, FamilyName and PreferredUsername are the profile claims, when present.
	Name              string
	GivenName         string
	FamilyName        string
	PreferredUsername string

	// AuthTime is when the user last authenticated at the provider (auth_time); zero when the
	// token does not say, in which case the session records no recent authentication (the Unix
	// epoch), so that [middleware.Sessions.RequireRecentAuth] asks the provider for a fresh one.
	AuthTime time.Time
	// AMR lists how the user authenticated at the provider ("pwd", "otp", "hwk", "mfa", ...:
	// RFC 8176), when it says.
	AMR []string
	// ACR is the authentication context class the provider reports, when it does.
	ACR string

	// IssuedAt is the ID token's iat.
	IssuedAt time.Time

	claims []byte // the verified ID token's payload
}

// Claims decodes the verified ID token's payload into v, for claims the fields above do not
// carry (groups, hd, tid, ...).
func (id Identity) Claims(v any) error {
	if id.claims == nil {
		return errors.New("oidc: no claims")
	}
	return json.Unmarshal(id.claims, v)
}

// Bounds on what an identity carries into the session and the application.
const (
	maxSubjectLen = 255 // OpenID Connect Core section 2: sub is at most 255 ASCII characters
	maxAMRValues  = 8
	maxAMRLen     = 32
)

// claimString returns the string claim name, or "" when it is absent or not a string.
func claimString(claims map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := claims[name]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// claimBool reads a boolean claim sent as true/false or as "true"/"false".
func claimBool(claims map[string]json.RawMessage, name string) bool {
	raw, ok := claims[name]
	if !ok {
		return false
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	return claimString(claims, name) == "true"
}

// claimTime reads a NumericDate claim; ok is false when it is absent, and err set when it is
// present but not a non-negative number of seconds.
func claimTime(claims map[string]json.RawMessage, name string) (t time.Time, ok bool, err error) {
	raw, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f < 0 || f > 253402300799 {
		return time.Time{}, true, errors.New("not a NumericDate")
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true, nil
}

// claimAMR reads amr: an array of short RFC 8176-style tokens. Values that are not such tokens
// are dropped rather than carried into the session; a claim that is not an array is ignored.
func claimAMR(claims map[string]json.RawMessage) []string {
	var values []string
	if raw, ok := claims["amr"]; !ok || json.Unmarshal(raw, &values) != nil {
		return nil
	}
	var out []string
	for _, v := range values {
		if len(out) == maxAMRValues {
			break
		}
		if len(v) > 0 && len(v) <= maxAMRLen && amrToken(v) {
			out = append(out, v)
		}
	}
	return out
}

func amrToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
