package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/redisstore"
	"github.com/keycard-go/keycard/token"
)

// newDeviceInstance starts an application instance whose revocations and session list live in
// the Redis at addr, with endpoints to list, end and update sessions.
func newDeviceInstance(t *testing.T, addr string) *httptest.Server {
	t.Helper()
	client := newClient(t, &redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	store, err := redisstore.New(client, redisstore.WithPrefix("keycard-devices-test:"), redisstore.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := token.NewHMACKey("k1", token.HS256, httpSecret)
	keys, _ := token.NewKeySet(key)
	codec, err := token.New[user](keys)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(codec,
		middleware.WithRevocation(store),
		middleware.WithRegistry(store.Registry()),
		middleware.WithUnauthorizedHandler(reason),
	)
	if err != nil {
		t.Fatal(err)
	}
	auth := func(_ context.Context, id string, pw []byte) (token.Subject, user, error) {
		switch {
		case id == aliceEmail && string(pw) == alicePassword:
			return "user-1", user{Name: "Alice"}, nil
		case id == "bob@example.com" && string(pw) == "bob's password":
			return "user-2", user{Name: "Bob"}, nil
		}
		return "", user{}, middleware.ErrBadCredentials
	}
	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(auth))
	mux.Handle("GET /me", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFrom[user](r.Context())
		io.WriteString(w, "hello "+claims.Payload.Name)
	})))
	mux.Handle("GET /sessions", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := sessions.ListSessions(r)
		if err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(list)
	})))
	mux.Handle("POST /sessions/end", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ ID token.SessionID }
		if json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch err := sessions.EndSession(w, r, body.ID); {
		case errors.Is(err, middleware.ErrUnknownSession):
			http.Error(w, "not found", http.StatusNotFound)
		case err != nil:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})))
	mux.Handle("POST /profile", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body user
		_ = json.NewDecoder(r.Body).Decode(&body)
		if _, err := sessions.Update(w, r, body); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestDeviceListTwoInstances: two instances share the session list and the revocations in one
// real Redis. A user signed in on both lists their sessions on either, ends one from the
// other, and an update on one refuses the older token on the other; another user cannot end
// theirs.
func TestDeviceListTwoInstances(t *testing.T) {
	redisServer := startServer(t)
	a, b := newDeviceInstance(t, redisServer.Addr()), newDeviceInstance(t, redisServer.Addr())
	laptop, phone, bob := newBrowser(t, a), newBrowser(t, b), newBrowser(t, a)
	if status := laptop.login(a, aliceEmail, alicePassword); status != http.StatusOK {
		t.Fatalf("laptop login on A: %d", status)
	}
	if status := phone.login(b, aliceEmail, alicePassword); status != http.StatusOK {
		t.Fatalf("phone login on B: %d", status)
	}
	if status, _ := bob.do("POST", a, "/login", `{"email":"bob@example.com","password":"bob's password"}`, nil); status != http.StatusOK {
		t.Fatalf("bob login on A: %d", status)
	}

	status, body := phone.do("GET", a, "/sessions", "", nil)
	var list []middleware.SessionInfo
	if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list) != 2 || list[0].Current == list[1].Current {
		t.Fatalf("phone's list on A: %d %s", status, body)
	}
	laptopID := list[1].ID
	if list[1].Current {
		laptopID = list[0].ID
	}

	// Bob cannot end Alice's laptop session, on either instance.
	for _, srv := range []*httptest.Server{a, b} {
		status, _ := bob.do("POST", srv, "/sessions/end", `{"ID":"`+string(laptopID)+`"}`, nil)
		expect(t, "bob ends alice's session", status, "", http.StatusNotFound, "")
	}
	status, body = laptop.do("GET", a, "/me", "", nil)
	expect(t, "laptop after bob's attempt", status, body, http.StatusOK, "hello Alice")

	// The phone ends the laptop's session through B; the laptop's next request on A is refused.
	status, _ = phone.do("POST", b, "/sessions/end", `{"ID":"`+string(laptopID)+`"}`, nil)
	expect(t, "phone ends the laptop's session on B", status, "", http.StatusNoContent, "")
	status, body = laptop.do("GET", a, "/me", "", nil)
	expect(t, "laptop on A after its session was ended", status, body, http.StatusUnauthorized, "revoked")
	status, body = phone.do("GET", a, "/sessions", "", nil)
	if err := json.Unmarshal([]byte(body), &list); status != http.StatusOK || err != nil || len(list) != 1 {
		t.Errorf("list after ending: %d %s", status, body)
	}

	// An update on A: the phone's older token is refused on B, the new one works there.
	before := phone.sessionCookie(b)
	status, _ = phone.do("POST", a, "/profile", `{"name":"Alice Liddell"}`, nil)
	expect(t, "update on A", status, "", http.StatusNoContent, "")
	status, body = phone.do("GET", b, "/me", "", before)
	expect(t, "pre-update token on B", status, body, http.StatusUnauthorized, "revoked")
	status, body = phone.do("GET", b, "/me", "", nil)
	expect(t, "updated session on B", status, body, http.StatusOK, "hello Alice Liddell")
}
