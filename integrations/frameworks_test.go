package integrations

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	keycard "github.com/keycard-go/keycard/middleware"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no route listing on stdout
	os.Exit(m.Run())
}

// routers are the snippets' routers, each serving /login, /logout and /account.
var routers = []struct {
	name string
	new  func(*keycard.Sessions[User], keycard.Authenticator[User]) http.Handler
}{
	{"gin", func(s *keycard.Sessions[User], a keycard.Authenticator[User]) http.Handler { return ginRouter(s, a) }},
	{"echo", func(s *keycard.Sessions[User], a keycard.Authenticator[User]) http.Handler { return echoServer(s, a) }},
	{"chi", chiRouter},
}

// TestFrameworks drives each router through the session's life: the redirect to the login
// page, login, the protected page, a rolling renewal, and logout.
func TestFrameworks(t *testing.T) {
	for _, rt := range routers {
		t.Run(rt.name, func(t *testing.T) {
			clk := newClock()
			h := rt.new(newSessions(t, newCodec(t, clk), clk), demoAuth())

			resp := get(h, "/account", nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Faccount" {
				t.Errorf("navigation without a session: got %d to %q, want 303 to /login?next=%%2Faccount", resp.StatusCode, resp.Header.Get("Location"))
			}
			if b := body(t, resp); strings.Contains(b, "Hello") {
				t.Errorf("the protected handler ran without a session: %q", b)
			}
			api := httptest.NewRequest(http.MethodGet, "https://app.example.com/account", nil)
			if resp := serve(h, api); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("API call without a session: got %d, want 401", resp.StatusCode)
			}

			cookie := login(t, h)
			resp = get(h, "/account", cookie)
			if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.HasPrefix(b, "Hello, "+demoEmail) {
				t.Fatalf("signed in: got %d %q, want 200 Hello, %s", resp.StatusCode, b, demoEmail)
			}
			if c := sessionCookie(resp); c != nil {
				t.Errorf("a fresh session was renewed: %v", c)
			}

			// Past half the token's lifetime the next request gets a new token, set by
			// RequireSession on the framework's own response writer.
			clk.Advance(31 * time.Minute)
			resp = get(h, "/account", cookie)
			renewed := sessionCookie(resp)
			if resp.StatusCode != http.StatusOK || renewed == nil || renewed.Value == cookie.Value {
				t.Fatalf("after 31 minutes: got %d with cookie %v, want 200 and a renewed session cookie", resp.StatusCode, renewed)
			}
			clk.Advance(31 * time.Minute) // the first token has expired now
			if resp := get(h, "/account", renewed); resp.StatusCode != http.StatusOK {
				t.Errorf("with the renewed token: got %d, want 200", resp.StatusCode)
			}
			if resp := get(h, "/account", cookie); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("with the expired first token: got %d, want 303", resp.StatusCode)
			}

			logout := httptest.NewRequest(http.MethodPost, "https://app.example.com/logout", nil)
			logout.Header.Set("Sec-Fetch-Site", "same-origin")
			logout.AddCookie(renewed)
			if resp := serve(h, logout); resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("logout: got %d, want 204 or 303", resp.StatusCode)
			}
			if resp := get(h, "/account", renewed); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("the logged-out token: got %d, want 303 (revoked)", resp.StatusCode)
			}
		})
	}
}

// TestGinAbort checks that the gin adapter stops the chain when the session is missing: a
// handler after requireSession never runs.
func TestGinAbort(t *testing.T) {
	clk := newClock()
	sessions := newSessions(t, newCodec(t, clk), clk)
	ran := 0
	r := gin.New()
	r.GET("/x", requireSession(sessions), func(c *gin.Context) { ran++ })
	if resp := get(r, "/x", nil); resp.StatusCode != http.StatusSeeOther || ran != 0 {
		t.Errorf("without a session: got %d and %d handler runs, want 303 and none", resp.StatusCode, ran)
	}
	r.POST("/login", gin.WrapH(sessions.LoginHandler(demoAuth())))
	if resp := get(r, "/x", login(t, r)); resp.StatusCode != http.StatusOK || ran != 1 {
		t.Errorf("with a session: got %d and %d handler runs, want 200 and one", resp.StatusCode, ran)
	}
}

// TestChiRequestID checks that chi's own middleware and keycard's work side by side.
func TestChiRequestID(t *testing.T) {
	clk := newClock()
	h := chiRouter(newSessions(t, newCodec(t, clk), clk), demoAuth())
	resp := get(h, "/account", login(t, h))
	if b := body(t, resp); !strings.Contains(b, "(request ") || strings.Contains(b, "(request )") {
		t.Errorf("got %q, want chi's request ID beside the claims", b)
	}
}
