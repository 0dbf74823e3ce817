package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// panel is one group of bars in the chart.
type panel struct {
	title string
	bars  []string // benchmark names, top to bottom
}

func panels() []panel {
	out := []panel{{
		title: "HS256 and cookie sessions",
		bars: []string{
			"Session/baseline/no-session",
			"Session/keycard/HS256/warm", "Session/keycard/HS256/cold", "Crypto/HS256",
			"Session/golang-jwt/HS256", "Session/jwtauth/HS256",
			"Session/gorilla-sessions/cookie", "Session/scs/memstore",
		},
	}}
	for _, alg := range []string{"EdDSA", "ES256"} {
		out = append(out, panel{
			title: alg,
			bars: []string{
				"Session/keycard/" + alg + "/warm", "Session/keycard/" + alg + "/cold", "Crypto/" + alg,
				"Session/golang-jwt/" + alg, "Session/jwtauth/" + alg,
			},
		})
	}
	return out
}

// Layout of the chart, in pixels.
const (
	width     = 900
	labelW    = 250 // the bar labels' column
	barW      = 470 // the longest possible bar
	rowH      = 22
	barH      = 15
	panelGap  = 16
	headerH   = 64
	axisH     = 34
	footnoteH = 52
)

// color of a benchmark's bar: keycard, the cryptographic floor, the harness, or a peer.
func color(name string) string {
	switch {
	case strings.HasPrefix(name, "Session/keycard/"):
		return "#2563eb"
	case strings.HasPrefix(name, "Crypto/"):
		return "#16a34a"
	case strings.HasPrefix(name, "Session/baseline/"):
		return "#d1d5db"
	}
	return "#9ca3af"
}

// renderSVG draws every panel's bars on one logarithmic time axis.
func renderSVG(res results, metric string) string {
	ps := panels()
	lo, hi := math.Inf(1), 0.0
	runs := 0
	for _, p := range ps {
		for _, name := range p.bars {
			if v, ok := res.median(name, metric); ok {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
				runs = max(runs, len(res[name][metric]))
			}
		}
	}
	if hi == 0 {
		lo, hi = 1, 10
	}
	// Decades from below the fastest to above the slowest.
	d0, d1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if d1 == d0 {
		d1++
	}
	x := func(ns float64) float64 {
		return labelW + barW*(math.Log10(ns)-d0)/(d1-d0)
	}

	rows := 0
	for _, p := range ps {
		rows += len(p.bars) + 1
	}
	height := headerH + rows*rowH + (len(ps)-1)*panelGap + axisH + footnoteH

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="16" y="24" font-size="16" font-weight="600">Cost of one protected request: keycard and the Go libraries one would pick instead</text>`+"\n")
	what := "wall time"
	if metric == "cpu-ns/op" {
		what = "process CPU time"
	}
	fmt.Fprintf(&b, `<text x="16" y="44" fill="#4b5563">%s per request, median of %d runs, logarithmic scale; shorter is faster. %s.</text>`+"\n",
		what, runs, html.EscapeString(res.cpu()))

	top := float64(headerH)
	bottom := top + float64(rows*rowH+(len(ps)-1)*panelGap)
	// Grid lines and tick labels at each decade.
	for d := d0; d <= d1; d++ {
		gx := x(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e7eb"/>`+"\n", gx, top-4, gx, bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#4b5563">%s</text>`+"\n", gx, bottom+16, tick(d))
	}

	y := top
	for i, p := range ps {
		if i > 0 {
			y += panelGap
		}
		fmt.Fprintf(&b, `<text x="16" y="%.1f" font-weight="600">%s</text>`+"\n", y+15, html.EscapeString(p.title))
		y += rowH
		for _, name := range p.bars {
			v, ok := res.median(name, metric)
			if ok {
				allocs, _ := res.median(name, "allocs/op")
				bx := x(math.Pow(10, d0))
				fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", labelW-8, y+barH-3, html.EscapeString(label(name)))
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s: %s, %.0f allocs/op</title></rect>`+"\n",
					bx, y+2, math.Max(1, x(v)-bx), barH, color(name), html.EscapeString(label(name)), duration(v), allocs)
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#111827">%s · %s</text>`+"\n", x(v)+6, y+barH-3, duration(v), plural(allocs, "alloc"))
			}
			y += rowH
		}
	}
	for i, line := range []string{
		"Blue: keycard RequireSession; warm = a token seen before (verified-token cache), cold = a new token. Green: the bare signature check.",
		`Every request includes the harness (a request copy, a handler reading one claim), shown as "no session check". Source: bench/run.sh.`,
	} {
		fmt.Fprintf(&b, `<text x="16" y="%.1f" fill="#4b5563" font-size="11">%s</text>`+"\n", bottom+40+float64(i)*16, html.EscapeString(line))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// tick labels the decade 10^d nanoseconds.
func tick(d float64) string {
	units := []string{"ns", "µs", "ms", "s"}
	i := min(int(d)/3, len(units)-1)
	return fmt.Sprintf("%.0f%s", math.Pow(10, d-float64(3*i)), units[i])
}

// plural writes n with its noun, in the plural unless n is 1.
func plural(n float64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%.0f %ss", n, noun)
}
