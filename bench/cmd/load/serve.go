package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/password"
	"github.com/keycard-go/keycard/token"
)

// Profile is the session payload of the library target, as in the example app.
type Profile struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// serve runs the library target: the example app's shape (GET /api/me behind RequireSession,
// POST /login with a bcrypt PasswordAuthenticator and the default throttle), assembled from
// keycard directly so that the bcrypt concurrency bound can be chosen. It serves on addr until
// interrupted.
func serve(addr string, bcryptBound int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var hopts []password.Option
	if bcryptBound > 0 {
		hopts = append(hopts, password.WithConcurrency(bcryptBound))
	}
	hasher, err := password.New(hopts...)
	if err != nil {
		return err
	}
	demoHash, err := hasher.Hash(ctx, []byte("demo-password"))
	if err != nil {
		return err
	}
	key, err := token.GenerateKey("load", token.HS256)
	if err != nil {
		return err
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		return err
	}
	codec, err := token.New[Profile](keys, token.WithIssuer("http://"+addr))
	if err != nil {
		return err
	}
	sessions, err := middleware.New(codec)
	if err != nil {
		return err
	}
	auth := middleware.PasswordAuthenticator(hasher, func(_ context.Context, email string) (middleware.Account[Profile], error) {
		if email != "demo@example.com" {
			return middleware.Account[Profile]{}, middleware.ErrNoAccount
		}
		return middleware.Account[Profile]{
			Subject:      "user-1",
			PasswordHash: demoHash,
			Payload:      Profile{Email: email, Name: "Demo User"},
		}, nil
	})

	mux := http.NewServeMux()
	mux.Handle("POST /login", sessions.LoginHandler(auth))
	mux.Handle("GET /login", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("login page"))
	}))
	mux.Handle("GET /api/me", sessions.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := middleware.ClaimsFrom[Profile](r.Context())
		if !ok {
			http.Error(w, "Internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"subject": c.Subject, "email": c.Payload.Email, "name": c.Payload.Name,
			"auth_time": c.AuthTime.UTC(), "expires_at": c.Expiry.UTC(),
		})
	})))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The example app's timeouts; the write timeout also bounds how long a login waits for bcrypt.
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
