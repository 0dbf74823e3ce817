// Package bench measures what keycard's session check costs per request, next to the Go
// libraries a user would otherwise pick and next to the bare cryptography.
//
// It is a nested module so that the peer libraries (go-chi/jwtauth, golang-jwt/jwt,
// gorilla/sessions, alexedwards/scs) never enter keycard's own go.mod. Everything lives in
// tests:
//
//	go test ./...                                  # TestPeersAgree: every middleware accepts
//	                                               # the valid cookie and rejects a tampered one
//	go test -run '^$' -bench . -benchmem           # the comparison
//	./run.sh                                       # -count runs, benchstat table, ratios, SVG chart
//
// Each benchmark runs one full request (a fresh *http.Request copy, the middleware, a handler
// that reads one claim) through one library's middleware, with the same claims, on the same
// machine, in the same run. The cmd/chart program turns the output into docs/bench.svg, and
// cmd/load load-tests the example application.
package bench
