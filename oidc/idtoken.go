package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/keycard-go/keycard/token"
)

// clockSkew is how far the provider's clock may be off ours for iat and auth_time.
const clockSkew = time.Minute

// maxIDTokenLen bounds the ID token we parse.
const maxIDTokenLen = 16 << 10

// verifyIDToken checks the ID token of the flow st and returns the identity it vouches for.
// go-oidc checks the signature against the provider's JWKS with the allowed algorithms, the
// issuer, the audience and the expiry; the rest is checked here: azp, nonce, iat against the
// flow's start, auth_time, sub.
func (l *Login[T]) verifyIDToken(ctx context.Context, ip *idp, m *metadata, raw string, st *token.Claims[flowState]) (Identity, *flowError) {
	p := ip.p
	if len(raw) > maxIDTokenLen {
		return Identity{}, tokenFailure("id_token_malformed", errors.New("ID token too large"))
	}
	var keyErr error
	vctx, cancel := context.WithTimeout(context.WithValue(ctx, keyNoteKey{}, &keyErr), l.cfg.timeout)
	defer cancel()
	t, err := m.verifier.Verify(vctx, raw)
	if err != nil {
		var expired *gooidc.TokenExpiredError
		switch {
		case errors.As(err, &expired):
			return Identity{}, tokenFailure("id_token_expired", err)
		case keyErr != nil && strings.HasPrefix(keyErr.Error(), "fetching keys"):
			return Identity{}, classifyUpstream("jwks", keyErr)
		case keyErr != nil:
			return Identity{}, tokenFailure("id_token_signature", err)
		}
		return Identity{}, tokenFailure(unverifiedReason(raw, p, m.algs), err)
	}

	var claims map[string]json.RawMessage
	if err := t.Claims(&claims); err != nil {
		return Identity{}, tokenFailure("id_token_malformed", err)
	}
	now := l.now()
	azp := claimString(claims, "azp")
	switch {
	case t.Subject == "" || len(t.Subject) > maxSubjectLen || !printableASCII(t.Subject):
		return Identity{}, tokenFailure("id_token_subject", errors.New("sub missing, too long or not ASCII"))
	case azp != "" && azp != p.clientID, len(t.Audience) > 1 && azp == "":
		// Several audiences: the token must say it was issued to us (OpenID Connect Core
		// 3.1.3.7, points 4 and 5).
		return Identity{}, tokenFailure("id_token_azp", errors.New("azp is not this client"))
	case t.Nonce == "" || subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(st.Payload.Nonce)) != 1:
		return Identity{}, tokenFailure("id_token_nonce", errors.New("nonce does not match the flow's"))
	case t.IssuedAt.IsZero() || t.IssuedAt.After(now.Add(clockSkew)) || t.IssuedAt.Before(st.IssuedAt.Add(-clockSkew)):
		// Issued before this flow began: not made for it, whatever its nonce says.
		return Identity{}, tokenFailure("id_token_iat", errors.New("iat missing, in the future or before the flow began"))
	}
	authTime, hasAuthTime, err := claimTime(claims, "auth_time")
	switch {
	case err != nil, hasAuthTime && authTime.After(now.Add(clockSkew)):
		return Identity{}, tokenFailure("id_token_auth_time", errors.New("auth_time invalid or in the future"))
	case p.maxAgeSet && !hasAuthTime:
		return Identity{}, tokenFailure("id_token_auth_time", errors.New("auth_time missing although max_age was requested"))
	case p.maxAgeSet && now.Sub(authTime) > p.maxAge+clockSkew:
		return Identity{}, tokenFailure("id_token_auth_time", errors.New("authentication older than max_age"))
	case st.Payload.Reauth && (!hasAuthTime || authTime.Before(st.IssuedAt.Add(-clockSkew))):
		return Identity{}, tokenFailure("id_token_auth_time", errors.New("no fresh authentication, although one was demanded"))
	}

	raw2, _ := json.Marshal(claims)
	return Identity{
		Provider:          p.name,
		Issuer:            t.Issuer,
		Subject:           t.Subject,
		Email:             claimString(claims, "email"),
		EmailVerified:     claimBool(claims, "email_verified"),
		Name:              claimString(claims, "name"),
		GivenName:         claimString(claims, "given_name"),
		FamilyName:        claimString(claims, "family_name"),
		PreferredUsername: claimString(claims, "preferred_username"),
		AuthTime:          authTime,
		AMR:               claimAMR(claims),
		ACR:               claimString(claims, "acr"),
		IssuedAt:          t.IssuedAt.UTC(),
		claims:            raw2,
	}, nil
}

// unverifiedReason names, for the logs only, why go-oidc refused a token: the decision is
// go-oidc's, this only reads the unverified token to tell a wrong issuer (mix-up) or audience
// from a bad algorithm or a malformed token.
func unverifiedReason(raw string, p *Provider, algs []string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "id_token_malformed"
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if b, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(b, &header) != nil {
		return "id_token_malformed"
	}
	if !slices.Contains(algs, header.Alg) {
		return "id_token_algorithm"
	}
	var payload struct {
		Iss string          `json:"iss"`
		Aud json.RawMessage `json:"aud"`
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(b, &payload) != nil {
		return "id_token_malformed"
	}
	if payload.Iss != p.issuer {
		return "id_token_issuer"
	}
	var one string
	var many []string
	if json.Unmarshal(payload.Aud, &one) == nil {
		many = []string{one}
	} else if json.Unmarshal(payload.Aud, &many) != nil {
		return "id_token_audience"
	}
	if !slices.Contains(many, p.clientID) {
		return "id_token_audience"
	}
	return "id_token_invalid"
}
