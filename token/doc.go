// Package token issues and verifies keycard session tokens: a signed JWT
// (RFC 7519), optionally encrypted as a JWE, whose private claims are the
// caller's own struct type.
//
// # Security model
//
// A token is trusted only if it carries a signature made by a key in the
// [Codec]'s current [KeySet], under the one [Algorithm] pinned to that key.
// Nothing in a token chooses how it is checked: the header must be exactly
// the one the key named by its kid writes ({"alg","kid","typ"} and nothing
// else), so "none", algorithm confusion (an HMAC signed with a public key's
// bytes), embedded or remote keys (jwk, jku, x5u, x5c), critical extensions
// (crit, b64), compression and nesting are all refused before any
// cryptography runs, and no header ever causes a fetch. Tokens are bounded in
// size before parsing, exp is required, and nbf, iat, iss and aud are checked.
// With [WithEncryption] the signed token is also encrypted (JWE "dir" +
// A256GCM) and the JWE layer becomes mandatory.
//
// What is signed is the whole payload: registered claims and the payload T.
// What is never trusted is anything outside the signature. Error strings
// never contain tokens or key material, and [Key] and [EncryptionKey] redact
// themselves in fmt, JSON and zerolog output.
//
// # Use
//
//	keys, _ := token.NewKeySet(signingKey)
//	codec, _ := token.New[Session](keys, token.WithIssuer("https://example.com"))
//	tok, claims, err := codec.Issue("user-42", Session{Role: "admin"})
//	...
//	claims, err = codec.Verify(tok) // errors.Is(err, token.ErrExpired), ...
//
// Rotate keys by building a new KeySet with the new signing key and the old
// one as verify-only, passing it to [Codec.SetKeys], and dropping the old key
// once its tokens have expired ([Codec.Lifetime]).
//
// A Codec is safe for concurrent use and the package has no global state.
package token
