package e2e_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzCallback sends the callback route any query with any state cookie, next to a live
// provider and a valid state cookie (the seeds hold a real authorization response, so the
// fuzzer starts from inputs that reach the token exchange). The route never panics, never
// answers 500, and sets a session only with a 303 after a complete, valid flow.
func FuzzCallback(f *testing.F) {
	idp := newTestIdP(f)
	a := newTestApp(f, appOptions{}, provider(f, "test", idp))
	b := newBrowser(f, a)
	callback := b.authorize(a, "test", "/")
	u, err := url.Parse(callback)
	if err != nil {
		f.Fatal(err)
	}
	jar, _ := url.Parse(a.srv.URL + "/")
	var cookie string
	for _, c := range b.client.Jar.Cookies(jar) {
		if c.Name == "__Host-keycard-oidc-test" {
			cookie = c.Value
		}
	}
	f.Add(u.RawQuery, cookie)
	f.Add("code=x&state="+u.Query().Get("state"), cookie)
	f.Add(u.RawQuery+"&iss=https%3A%2F%2Fevil", cookie)
	f.Add("error=access_denied&state="+u.Query().Get("state"), cookie)
	f.Add(u.RawQuery, "")
	f.Add("code=a&code=b", cookie[:len(cookie)/2])
	handler := a.srv.Config.Handler

	f.Fuzz(func(t *testing.T, query, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "https://app.example/auth/test/callback", nil)
		req.URL.RawQuery = query
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", "__Host-keycard-oidc-test="+cookie)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		resp := rec.Result()
		switch {
		case resp.StatusCode == http.StatusInternalServerError:
			t.Fatalf("500 for query %q", query)
		case hasSession(resp) && resp.StatusCode != http.StatusSeeOther:
			t.Fatalf("a session with status %d", resp.StatusCode)
		case resp.StatusCode < 400 && resp.StatusCode != http.StatusSeeOther:
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}
