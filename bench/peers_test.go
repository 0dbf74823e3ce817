package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/jwtauth/v5"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// The one session every library carries: the same subject, e-mail and name, the same issuer
// and a one-hour lifetime. The JWT libraries verify the very tokens keycard issues, byte for
// byte.
const (
	issuer   = "https://bench.keycard.example"
	subject  = "user-42"
	email    = "ada@example.com"
	name     = "Ada Lovelace"
	lifetime = time.Hour
)

// User is the session payload.
type User struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// hsSecret is the fixed 256-bit HMAC key of the HS256 runs and of gorilla's securecookie.
var hsSecret = []byte("keycard-bench-hs256-key-0123456789abcdef")

// algs are the signature algorithms compared, in the order they are reported.
var algs = []token.Algorithm{token.HS256, token.EdDSA, token.ES256}

// keyPair is one algorithm's key in the forms each library takes.
type keyPair struct {
	alg    token.Algorithm
	sign   any // []byte, ed25519.PrivateKey or *ecdsa.PrivateKey
	verify any // []byte, ed25519.PublicKey or *ecdsa.PublicKey
	kc     *token.Key
}

func newKeyPair(tb testing.TB, alg token.Algorithm) keyPair {
	tb.Helper()
	kp := keyPair{alg: alg}
	var err error
	switch alg {
	case token.HS256:
		kp.sign, kp.verify = hsSecret, hsSecret
		kp.kc, err = token.NewHMACKey("bench", alg, hsSecret)
	case token.EdDSA:
		pub, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			tb.Fatal(gerr)
		}
		kp.sign, kp.verify = priv, pub
		kp.kc, err = token.ParsePEM("bench", alg, pkcs8PEM(tb, priv))
	case token.ES256:
		priv, gerr := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if gerr != nil {
			tb.Fatal(gerr)
		}
		kp.sign, kp.verify = priv, &priv.PublicKey
		kp.kc, err = token.ParsePEM("bench", alg, pkcs8PEM(tb, priv))
	default:
		tb.Fatalf("no key for %s", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return kp
}

func pkcs8PEM(tb testing.TB, key any) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// fixture is one library's middleware around the claim-reading handler, with the cookie name
// it reads and a way to mint valid session cookie values.
type fixture struct {
	name    string
	cookie  string
	handler http.Handler
	mint    func(tb testing.TB) string // a valid cookie value for a new session
}

// statusOK is what the handler answers when it found the session and its e-mail claim.
const statusOK = http.StatusNoContent

// answer is the end of every handler: 204 when the claim read is the one issued, 500 otherwise,
// so that a benchmark can tell a served request from a rejected or misread one.
func answer(w http.ResponseWriter, got string) {
	if got != email {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(statusOK)
}

// keycardFixture is keycard's RequireSession with its defaults (verified-token cache on, no
// revocation store), over a codec with an issuer, as an application would set it up.
func keycardFixture(tb testing.TB, kp keyPair, opts ...middleware.Option) (fixture, *token.Codec[User]) {
	tb.Helper()
	ks, err := token.NewKeySet(kp.kc)
	if err != nil {
		tb.Fatal(err)
	}
	codec, err := token.New[User](ks, token.WithIssuer(issuer), token.WithLifetime(lifetime))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := middleware.New(codec, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	h := s.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := middleware.ClaimsFrom[User](r.Context())
		if !ok {
			answer(w, "")
			return
		}
		answer(w, c.Payload.Email)
	}))
	return fixture{
		name:    "keycard/" + string(kp.alg),
		cookie:  middleware.DefaultCookieName,
		handler: h,
		mint: func(tb testing.TB) string {
			raw, _, err := codec.Issue(subject, User{Email: email, Name: name})
			if err != nil {
				tb.Fatal(err)
			}
			return raw
		},
	}, codec
}

// jwtauthFixture is go-chi/jwtauth's Verify (cookie only) and Authenticator, as its README
// shows them, with the issuer checked; the handler reads the claim through FromContext as the
// README does. It verifies keycard's tokens.
func jwtauthFixture(tb testing.TB, kp keyPair, mint func(testing.TB) string) fixture {
	tb.Helper()
	ja := jwtauth.New(string(kp.alg), kp.sign, kp.verify, jwxjwt.WithIssuer(issuer))
	h := jwtauth.Verify(ja, jwtauth.TokenFromCookie)(jwtauth.Authenticator(ja)(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			_, claims, err := jwtauth.FromContext(r.Context())
			if err != nil {
				answer(w, "")
				return
			}
			got, _ := claims["email"].(string)
			answer(w, got)
		})))
	return fixture{name: "jwtauth/" + string(kp.alg), cookie: "jwt", handler: h, mint: mint}
}

// jwtClaims is the typed claims struct a golang-jwt user would write for keycard's tokens.
type jwtClaims struct {
	jwt.RegisteredClaims
	SessionID string           `json:"sid"`
	AuthTime  *jwt.NumericDate `json:"auth_time"` // fractional seconds: keycard writes sub-second auth_time
	Email     string           `json:"email"`
	Name      string           `json:"name"`
}

type jwtClaimsKey struct{}

// golangJWTFixture is a hand-written middleware over golang-jwt/jwt v5 doing what keycard does:
// read the cookie, accept only the key's algorithm, require exp, check iat and the issuer,
// require sub and sid, put typed claims into the context.
func golangJWTFixture(tb testing.TB, kp keyPair, mint func(testing.TB) string) fixture {
	tb.Helper()
	const cookie = "session"
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{string(kp.alg)}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	keyFunc := func(*jwt.Token) (any, error) { return kp.verify, nil }
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := r.Context().Value(jwtClaimsKey{}).(*jwtClaims)
		if !ok {
			answer(w, "")
			return
		}
		answer(w, c.Email)
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(cookie)
		if err != nil {
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		claims := new(jwtClaims)
		if _, err := parser.ParseWithClaims(ck.Value, claims, keyFunc); err != nil || claims.Subject == "" || claims.SessionID == "" {
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), jwtClaimsKey{}, claims)))
	})
	return fixture{name: "golang-jwt/" + string(kp.alg), cookie: cookie, handler: h, mint: mint}
}

// gorillaFixture is gorilla/sessions with a CookieStore authenticated by HMAC-SHA256 (no
// encryption, like a signed JWT): the middleware loads the session and requires a subject, the
// handler gets it again from the request's registry, as gorilla's documentation does.
func gorillaFixture(tb testing.TB) fixture {
	tb.Helper()
	const cookie = "session"
	store := sessions.NewCookieStore(hsSecret)
	store.Options = &sessions.Options{Path: "/", MaxAge: int(lifetime / time.Second), Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	store.MaxAge(store.Options.MaxAge)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, cookie)
		if err != nil {
			answer(w, "")
			return
		}
		got, _ := s.Values["email"].(string)
		answer(w, got)
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, cookie)
		if err != nil || s.IsNew || s.Values["sub"] == nil {
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
	mint := func(tb testing.TB) string {
		s := sessions.NewSession(store, cookie)
		s.Values["sub"] = subject
		s.Values["sid"] = rand.Text()
		s.Values["auth_time"] = time.Now().Unix()
		s.Values["email"] = email
		s.Values["name"] = name
		v, err := securecookie.EncodeMulti(cookie, s.Values, store.Codecs...)
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
	return fixture{name: "gorilla-sessions/cookie", cookie: cookie, handler: h, mint: mint}
}

// scsFixture is alexedwards/scs with its default in-memory store: the cookie holds a random
// session token, the data stays on the server. LoadAndSave loads the session, the middleware
// requires a subject, the handler reads the e-mail.
func scsFixture(tb testing.TB) fixture {
	tb.Helper()
	sm := scs.New()
	sm.Lifetime = lifetime
	sm.Cookie.Name = "session"
	sm.Cookie.Secure = true
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer(w, sm.GetString(r.Context(), "email"))
	})
	require := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sm.Exists(r.Context(), "sub") {
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
	mint := func(tb testing.TB) string {
		ctx, err := sm.Load(context.Background(), "")
		if err != nil {
			tb.Fatal(err)
		}
		sm.Put(ctx, "sub", subject)
		sm.Put(ctx, "auth_time", time.Now().Unix())
		sm.Put(ctx, "email", email)
		sm.Put(ctx, "name", name)
		tok, _, err := sm.Commit(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		return tok
	}
	return fixture{name: "scs/memstore", cookie: sm.Cookie.Name, handler: sm.LoadAndSave(require), mint: mint}
}

// baselineFixture checks no session at all: the cost of the harness and the handler alone.
func baselineFixture() fixture {
	return fixture{
		name:    "baseline/no-session",
		cookie:  "session",
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w, email) }),
		mint:    func(testing.TB) string { return "x" },
	}
}

// fixtures returns every middleware under comparison.
func fixtures(tb testing.TB) []fixture {
	tb.Helper()
	var all []fixture
	for _, alg := range algs {
		kp := newKeyPair(tb, alg)
		kc, _ := keycardFixture(tb, kp)
		all = append(all, kc, jwtauthFixture(tb, kp, kc.mint), golangJWTFixture(tb, kp, kc.mint))
	}
	return append(all, gorillaFixture(tb), scsFixture(tb))
}
