// Package integrations is the README's "Running it for real" section as code: keycard behind a
// reverse proxy, beside chi's and echo's own middleware packages, inside gin and echo, and the
// key rotation runbook. Every README block marked <!-- snippet: integrations/FILE --> appears
// verbatim in FILE (TestReadmeSnippets), and the tests here drive each one.
//
// It is a nested module of its own so that gin, echo and chi never enter keycard's go.mod, and
// it is not released: nothing here is API.
package integrations
