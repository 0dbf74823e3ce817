package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// discard is a ResponseWriter that keeps only the status, so that the benchmarks measure the
// middleware rather than a recorder. Its header map is cleared before each request.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header { return d.h }

func (d *discard) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = http.StatusOK
	}
	return len(p), nil
}

func (d *discard) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}

// newRequest is the protected API request every benchmark sends.
func newRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://bench.keycard.example/api/me", nil)
	r.Header.Set("Accept", "application/json")
	return r
}

// cookieLines turns cookie values into ready-made Cookie header values for name, so that the
// timed loop only swaps a map entry.
func cookieLines(name string, values []string) [][]string {
	lines := make([][]string, len(values))
	for i, v := range values {
		lines[i] = []string{name + "=" + v}
	}
	return lines
}

// serveLoop sends b.N requests through h, cycling through the Cookie headers in lines, and
// fails the benchmark on the first request the handler did not serve with statusOK.
//
// Each request is a fresh shallow copy of one template, as net/http hands every request a new
// *http.Request; that costs every library the same one allocation (see the baseline), and it
// keeps per-request state (gorilla's registry, for one) from leaking into the next request.
func serveLoop(b *testing.B, h http.Handler, lines [][]string) {
	base := newRequest()
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := cpuTime()
	for i := range b.N {
		base.Header["Cookie"] = lines[i%len(lines)]
		r := new(http.Request)
		*r = *base
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r)
		if w.code != statusOK {
			b.Fatalf("request %d: status %d, want %d", i, w.code, statusOK)
		}
	}
	reportCPU(b, cpu0, cpuOK)
}

// reportCPU adds the metric cpu-ns/op: process CPU time per iteration since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := cpuTime(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// serve sends one request with the given Cookie header and returns the status.
func serve(h http.Handler, cookie string) int {
	r := newRequest()
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}
