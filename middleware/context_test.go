package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keycard-go/keycard/middleware"
)

type otherKey struct{}

// The context RequireSession hands to next carries the session and everything of the parent's:
// its values, its cancellation and its cause, and it never prints the session.
func TestSessionContextKeepsParent(t *testing.T) {
	f := newFixture(t)
	raw, _ := f.issue(t)
	parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), otherKey{}, "kept"))
	req := httptest.NewRequest("GET", "/api/me", nil).WithContext(parent)
	req.Header.Set("Cookie", cookieHeader(raw))

	var ran bool
	h := f.sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran = true
		ctx := r.Context()
		if c, ok := middleware.ClaimsFrom[User](ctx); !ok || c.Payload.Email != alice.Email {
			t.Errorf("ClaimsFrom: got %v, %v", c, ok)
		}
		if got := ctx.Value(otherKey{}); got != "kept" {
			t.Errorf("parent value: got %v, want kept", got)
		}
		if s := fmt.Sprint(ctx); strings.Contains(s, alice.Email) || strings.Contains(s, raw) {
			t.Errorf("context prints the session: %s", s)
		}
		child, stop := context.WithCancel(ctx)
		defer stop()
		cause := fmt.Errorf("client went away")
		cancel(cause)
		<-child.Done()
		if ctx.Err() == nil || context.Cause(child) != cause {
			t.Errorf("cancellation: err %v, cause %v; want the parent's", ctx.Err(), context.Cause(child))
		}
	}))
	if rec := serve(h, req); rec.Code != http.StatusOK || !ran {
		t.Fatalf("got %d, handler ran %v; want 200", rec.Code, ran)
	}
}
