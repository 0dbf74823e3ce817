package middleware_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// protectedBy is a handler that checks the session itself with s.Current, as an application
// handler outside s's middleware would.
func protectedBy(s *middleware.Sessions[User]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := s.Current(r)
		if err != nil {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("hello " + claims.Payload.Email))
	})
}

// fixtureFor is newFixture around a codec of the test's choosing, on the fixture clock.
func fixtureFor(t testing.TB, codec func(clk *clock) *token.Codec[User], opts ...middleware.Option) *fixture {
	t.Helper()
	clk := newClock()
	c := codec(clk)
	logs := &bytes.Buffer{}
	logger := zerolog.New(&syncWriter{w: logs}).Level(zerolog.DebugLevel)
	s, err := middleware.New(c, append([]middleware.Option{middleware.WithLogger(logger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, codec: c, sessions: s, logs: logs}
}

// b64 is the base64url encoding of JWS and JWE segments.
var b64 = base64.RawURLEncoding

// keycardHeader is the protected header the fixture's key k1 writes, byte for byte: Verify
// recognises its own headers by their exact encoding, so a crafted payload behind a valid
// signature must use it to reach the claim checks.
const keycardHeader = `{"alg":"HS256","kid":"k1","typ":"JWT"}`

// craft builds a compact JWS from a raw header and payload, signed with HMAC-SHA256 under key
// (nil: empty signature).
func craft(header, payload string, key []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	var sig []byte
	if key != nil {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + b64.EncodeToString(sig)
}

// signed is a JWS with keycard's own header and the given payload, validly signed with the
// fixture's secret: only the claims can make it fail.
func signed(payload string) string { return craft(keycardHeader, payload, testSecret) }

// claimsAt returns a valid payload for a token issued at now, changed by edit: a nil value
// deletes the claim, a json.RawMessage is written verbatim.
func claimsAt(now time.Time, edit map[string]any) string {
	m := map[string]any{
		"sub": "user-1", "jti": "AAAAAAAAAAAAAAAAAAAAAA", "sid": "BBBBBBBBBBBBBBBBBBBBBB",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(),
		"email": "alice@example.com", "name": "Alice",
	}
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sealJWE builds a compact JWE with the given protected header around plaintext, encrypted with
// AES-GCM under key used directly ("dir"), zero IV.
func sealJWE(header string, key, plaintext []byte) string {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	h := b64.EncodeToString([]byte(header))
	iv := make([]byte, gcm.NonceSize())
	sealed := gcm.Seal(nil, iv, plaintext, []byte(h))
	n := len(sealed) - gcm.Overhead()
	return h + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(sealed[:n]) + "." + b64.EncodeToString(sealed[n:])
}

// hostileCase is one token the middleware must refuse, and the reason it must give.
type hostileCase struct {
	name  string
	token string
	want  error // matched with errors.Is against Current's error
}

// refuse sends each case through RequireSession, LoadSession and Current of f and checks that
// it is refused for the right reason: RequireSession answers the plain 401 and never calls the
// handler, LoadSession calls it without claims, Current's error matches the case's reason.
// Nothing may answer 5xx or panic, and the logs must never contain a token.
func refuse(t *testing.T, f *fixture, cases []hostileCase) {
	t.Helper()
	require := f.sessions.RequireSession(protected)
	load := f.sessions.LoadSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := middleware.ClaimsFrom[User](r.Context()); ok {
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/me", nil)
			req.Header.Set("Cookie", cookieHeader(tt.token))
			rec := serve(require, req)
			if rec.Code != http.StatusUnauthorized || rec.Body.String() != `{"error":"unauthenticated"}`+"\n" {
				t.Errorf("RequireSession: got %d %q, want 401 unauthenticated", rec.Code, truncate(rec.Body.String()))
			}
			if rec := serve(load, req); rec.Code != http.StatusOK {
				t.Errorf("LoadSession: got %d, want 200 without claims", rec.Code)
			}
			_, err := f.sessions.Current(req)
			if !errors.Is(err, tt.want) {
				t.Errorf("Current: error %v, want %v", err, tt.want)
			}
			if err != nil && len(tt.token) >= 16 && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error quotes the token")
			}
			if len(tt.token) >= 16 && strings.Contains(f.logs.String(), tt.token) {
				t.Errorf("logs contain the token")
			}
		})
	}
}

// truncate shortens s for a failure message.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// loopbackListener counts the connections made to a listener on 127.0.0.1: header parameters
// such as jku and x5u must never make the verifier fetch anything.
type loopbackListener struct {
	ln  *net.TCPListener
	URL string
}

func newLoopbackListener(t *testing.T) *loopbackListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return &loopbackListener{ln: ln.(*net.TCPListener), URL: "http://" + ln.Addr().String()}
}

// accepted drains the listener's backlog and returns how many connections were made. Token
// verification is synchronous, so a connection it made is in the backlog when the request has
// been served.
func (l *loopbackListener) accepted(t *testing.T) int {
	t.Helper()
	n := 0
	for {
		_ = l.ln.SetDeadline(time.Now().Add(100 * time.Millisecond))
		c, err := l.ln.Accept()
		if err != nil {
			return n
		}
		_ = c.Close()
		n++
	}
}

// newRevocationFixture is newFixture with an in-memory revocation store on the fixture's clock,
// stored in *store when store is not nil.
func newRevocationFixture(t testing.TB, store **middleware.MemoryRevocation, opts ...middleware.Option) *fixture {
	t.Helper()
	var clk *clock
	m := middleware.NewMemoryRevocation(func() time.Time { return clk.Now() })
	if store != nil {
		*store = m
	}
	f := newFixture(t, append([]middleware.Option{middleware.WithRevocation(m)}, opts...)...)
	clk = f.clk
	return f
}
