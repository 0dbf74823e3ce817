// Package e2e tests the oidc module from outside, against a real OpenID provider running in
// the process (github.com/oauth2-proxy/mockoidc): the whole code flow, every failure a
// provider or an attacker can cause, logout and fuzzing of the callback.
//
// It is a module of its own, never released, so that the test provider and the JWT library it
// needs stay out of the go.mod of oidc, and so out of every consumer's module graph.
package e2e
