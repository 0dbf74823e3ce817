// Command chart reads the output of the bench suite (go test -bench, any -count) and writes an
// SVG bar chart of the per-request cost of each library, and a markdown table of the ratios
// between keycard and its peers. Medians are taken over the runs of each benchmark.
//
//	go test -run '^$' -bench . -benchmem -count 6 . > results.txt
//	go run ./cmd/chart -in results.txt -svg ../docs/bench.svg
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("chart", flag.ContinueOnError)
	in := fs.String("in", "", "go test -bench output `file` (default: standard input)")
	svgOut := fs.String("svg", "", "write the SVG chart to this `file`")
	metric := fs.String("metric", "ns/op", "the time `unit` to chart: ns/op (wall) or cpu-ns/op")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	res, err := parse(r)
	if err != nil {
		return err
	}
	if len(res.names()) == 0 {
		return errors.New("no benchmark results in the input")
	}
	writeRatios(stdout, res, *metric)
	if *svgOut != "" {
		svg := renderSVG(res, *metric)
		if err := os.WriteFile(*svgOut, []byte(svg), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *svgOut)
	}
	return nil
}

// results maps a benchmark name without the GOMAXPROCS suffix ("Session/keycard/HS256/warm")
// to the values of each unit ("ns/op", "B/op", ...) over its runs. The "cpu:" line of the
// input is kept under the name "cpu:" with no values.
type results map[string]map[string][]float64

// cpu returns the processor the benchmarks ran on, as go test reported it.
func (r results) cpu() string {
	for name := range r {
		if cpu, ok := strings.CutPrefix(name, "cpu: "); ok {
			return cpu
		}
	}
	return "unknown"
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output, ignoring every line that is not a result.
func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "cpu: ") {
			res[strings.TrimSpace(line)] = nil
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		if res[name] == nil {
			res[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", name, f[i], err)
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// names returns the benchmark names, sorted.
func (r results) names() []string {
	var out []string
	for name := range r {
		if !strings.HasPrefix(name, "cpu: ") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// median returns the median of name's values in unit, and whether there are any.
func (r results) median(name, unit string) (float64, bool) {
	vs := slices.Clone(r[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
	return vs[len(vs)/2], true
}

// comparison is one line of the ratio table: keycard's benchmark against a peer's.
type comparison struct{ keycard, peer string }

func comparisons() []comparison {
	var out []comparison
	for _, alg := range []string{"HS256", "EdDSA", "ES256"} {
		for _, mode := range []string{"warm", "cold"} {
			kc := "Session/keycard/" + alg + "/" + mode
			out = append(out,
				comparison{kc, "Session/jwtauth/" + alg},
				comparison{kc, "Session/golang-jwt/" + alg})
			if alg == "HS256" {
				out = append(out,
					comparison{kc, "Session/gorilla-sessions/cookie"},
					comparison{kc, "Session/scs/memstore"})
			}
			out = append(out, comparison{kc, "Crypto/" + alg})
		}
	}
	return out
}

// writeRatios prints the markdown table of keycard against each peer and the floor.
func writeRatios(w io.Writer, res results, metric string) {
	fmt.Fprintf(w, "| keycard | vs | keycard %s | peer %s | keycard/peer | peer is | allocs keycard/peer |\n", metric, metric)
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, c := range comparisons() {
		k, ok1 := res.median(c.keycard, metric)
		p, ok2 := res.median(c.peer, metric)
		if !ok1 || !ok2 {
			continue
		}
		ka, _ := res.median(c.keycard, "allocs/op")
		pa, _ := res.median(c.peer, "allocs/op")
		speed := fmt.Sprintf("%.1fx slower", p/k)
		if p < k {
			speed = fmt.Sprintf("%.2fx faster", k/p)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.3f | %s | %.0f / %.0f |\n",
			strings.TrimPrefix(c.keycard, "Session/keycard/"), label(c.peer),
			duration(k), duration(p), k/p, speed, ka, pa)
	}
}

// duration formats nanoseconds the way benchstat does, roughly.
func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	}
	return fmt.Sprintf("%.0fns", ns)
}

// label is the display name of a benchmark.
func label(name string) string {
	switch {
	case name == "Session/baseline/no-session":
		return "no session check (harness only)"
	case strings.HasPrefix(name, "Crypto/HS256"):
		return "floor: base64 + HMAC-SHA256"
	case strings.HasPrefix(name, "Crypto/EdDSA"):
		return "floor: base64 + Ed25519 verify"
	case strings.HasPrefix(name, "Crypto/ES256"):
		return "floor: base64 + ECDSA P-256 verify"
	case name == "Session/gorilla-sessions/cookie":
		return "gorilla/sessions CookieStore"
	case name == "Session/scs/memstore":
		return "scs/v2 memstore"
	case strings.HasPrefix(name, "Session/keycard/"):
		parts := strings.Split(name, "/")
		return "keycard " + parts[2] + " " + parts[3]
	case strings.HasPrefix(name, "Session/jwtauth/"):
		return "go-chi/jwtauth " + strings.TrimPrefix(name, "Session/jwtauth/")
	case strings.HasPrefix(name, "Session/golang-jwt/"):
		return "golang-jwt " + strings.TrimPrefix(name, "Session/golang-jwt/")
	}
	return name
}
