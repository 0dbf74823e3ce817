package main

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: Test CPU
BenchmarkSession/keycard/HS256/warm-2   1000   500.0 ns/op   480.0 cpu-ns/op   704 B/op   3 allocs/op
BenchmarkSession/keycard/HS256/warm-2   1000   700.0 ns/op   520.0 cpu-ns/op   704 B/op   3 allocs/op
BenchmarkSession/keycard/HS256/warm-2   1000   600.0 ns/op   500.0 cpu-ns/op   704 B/op   3 allocs/op
BenchmarkSession/jwtauth/HS256-2         100  40000 ns/op 39000 cpu-ns/op 23000 B/op 361 allocs/op
BenchmarkCrypto/HS256-2                 1000   1200 ns/op  1100 cpu-ns/op   928 B/op   8 allocs/op
PASS
`

func TestParseAndRatios(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := res.median("Session/keycard/HS256/warm", "ns/op"); got != 600 {
		t.Errorf("median: got %v, want 600", got)
	}
	if got := res.cpu(); got != "Test CPU" {
		t.Errorf("cpu: got %q", got)
	}
	var out strings.Builder
	writeRatios(&out, res, "ns/op")
	for _, want := range []string{"| HS256/warm | go-chi/jwtauth HS256 | 600ns | 40.00µs | 0.015 | 66.7x slower | 3 / 361 |", "floor: base64 + HMAC-SHA256"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ratios lack %q:\n%s", want, out.String())
		}
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	svg := renderSVG(res, "ns/op")
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
	}
	for _, want := range []string{"keycard HS256 warm", "600ns · 3 allocs", "100ns", "1µs"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}
