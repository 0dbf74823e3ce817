package passkey_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/passkey"
)

// A ceremony is marked used only once its response verified. Otherwise anyone could fetch
// options and post junk in a loop, each round leaving a marker in the shared single-use store
// for the ceremony's lifetime, until the store is full and every pending login, one-time code
// and ceremony of every user fails closed.
func TestJunkResponsesLeaveNoMarkers(t *testing.T) {
	var f *fixture
	once := middleware.NewMemoryOnceSize(func() time.Time { return f.clk.Now() }, 1_000)
	f = newFixture(t, passkey.WithOnceStore(once))
	a := newAuthenticator(t)
	victim := f.enrolled(t, a)
	before := once.Len()
	attacker := f.browser(t)
	for i := range 50 {
		attacker.options("/passkey/login/options")
		body := []byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}`)
		if i%2 == 1 {
			body = []byte(`not json`)
		}
		if rec := attacker.do("POST", "/passkey/login", body); rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("junk response: %d %s, want a 4xx", rec.Code, rec.Body)
		}
	}
	if n := once.Len(); n != before {
		t.Errorf("50 junk sign-ins left %d single-use markers, want none", n-before)
	}
	if rec := victim.login(a); rec.Code != http.StatusOK {
		t.Fatalf("a real sign-in: %d %s", rec.Code, rec.Body)
	}
	if n := once.Len(); n != before+1 {
		t.Errorf("a real sign-in left %d markers, want 1", n-before)
	}
}
