package middleware_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
)

// TestHandlerWritesStayInRequest: a handler that writes to the claims it was handed (a preview
// rendered "as admin", say) must change neither what later requests with the same token see nor
// what a rolling renewal signs. Before the fix both did: the cache handed out its own claims.
func TestHandlerWritesStayInRequest(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	var seen []string
	h := f.sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFrom[User](r.Context())
		cur, err := f.sessions.Current(r)
		if err != nil || cur != c {
			t.Errorf("Current inside RequireSession: %p, %v; want the claims ClaimsFrom gave (%p)", cur, err, c)
		}
		seen = append(seen, c.Payload.Role+"/"+string(c.Subject))
		c.Payload.Role = "admin"
		c.Subject = "someone-else"
		c.Audience = append(c.Audience, "evil")
	}))
	get := func(raw string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/me", nil)
		req.Header.Set("Cookie", cookieHeader(raw))
		return serve(h, req)
	}
	get(raw)
	get(raw)
	f.clk.Advance(f.codec.Lifetime() * 3 / 4) // due for renewal
	rec := get(raw)
	if want := "/user-1"; seen[1] != want || seen[2] != want {
		t.Errorf("later requests saw %q, want %q each time", seen, want)
	}
	c, ok := setCookie(rec)
	if !ok {
		t.Fatal("not renewed")
	}
	next, err := f.codec.Verify(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	if next.Payload.Role != "" || next.Subject != "user-1" || len(next.Audience) != 0 {
		t.Errorf("renewed token carries the handler's writes: role %q sub %q aud %q", next.Payload.Role, next.Subject, next.Audience)
	}
}

// TestClaimsFromWrongTypeLogged: ClaimsFrom[*User] on sessions of User finds nothing, and says
// so in the debug log rather than looking like a signed-out request.
func TestClaimsFromWrongTypeLogged(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	var ok bool
	h := f.sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok = middleware.ClaimsFrom[*User](r.Context())
	}))
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Cookie", cookieHeader(raw))
	serve(h, req)
	if ok {
		t.Fatal("ClaimsFrom[*User] on sessions of User returned true")
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"event":"claims_type_mismatch"`) || !strings.Contains(logs, `"asked":"*middleware_test.User"`) || !strings.Contains(logs, `"payload":"middleware_test.User"`) {
		t.Errorf("want a claims_type_mismatch debug event naming both types, got %s", logs)
	}
	// The request's own logger (hlog) gets it when there is one.
	var buf bytes.Buffer
	l := zerolog.New(&buf).Level(zerolog.DebugLevel)
	req = req.WithContext(l.WithContext(req.Context()))
	serve(h, req)
	if !strings.Contains(buf.String(), "claims_type_mismatch") {
		t.Errorf("request logger: got %s", buf.String())
	}
}
