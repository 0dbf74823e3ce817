#!/usr/bin/env bash
# Runs the bench suite, prints a benchstat table and the keycard/peer ratios, and renders the
# chart shown in the README.
#
#   bench/run.sh                    # -count 6 -benchtime 1s: the published figures (~5 minutes)
#   COUNT=2 BENCHTIME=200ms bench/run.sh   # a quick look
#
# The raw output goes to docs/bench.txt and the chart to docs/bench.svg. Run it on a quiet
# machine: the figures are only comparable within one run.
set -euo pipefail
cd "$(dirname "$0")"

COUNT="${COUNT:-6}"
BENCHTIME="${BENCHTIME:-1s}"
OUT="${OUT:-../docs/bench.txt}"
SVG="${SVG:-../docs/bench.svg}"
export PATH="$(go env GOPATH)/bin:$PATH"
command -v benchstat >/dev/null 2>&1 || go install golang.org/x/perf/cmd/benchstat@latest

mkdir -p "$(dirname "$OUT")" "$(dirname "$SVG")"
go test -run '^TestPeersAgree$' -count=1 .
go test -run '^$' -bench . -benchmem -count="$COUNT" -benchtime="$BENCHTIME" . | tee "$OUT"

echo
echo "== benchstat (median and 95% confidence interval over $COUNT runs)"
benchstat "$OUT"

echo
echo "== keycard against each peer (medians; keycard/peer < 1 means keycard is faster)"
go run ./cmd/chart -in "$OUT" -svg "$SVG"
echo
echo "== the same in process CPU time"
go run ./cmd/chart -in "$OUT" -metric cpu-ns/op
