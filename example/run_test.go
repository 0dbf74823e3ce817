package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env returns a getenv func over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

const goodSecret = "0123456789abcdef0123456789abcdef-test"

func TestRunRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"short secret", []string{"-addr", "127.0.0.1:0"}, map[string]string{"SESSION_SECRET": "too-short-secret"}, "SESSION_SECRET is 16 bytes long; it must be at least 32 bytes"},
		{"all interfaces without TLS", []string{"-addr", ":0"}, nil, "not a loopback address"},
		{"LAN address without TLS", []string{"-addr", "192.0.2.1:0"}, nil, "-insecure-cookie"},
		{"certificate without key", []string{"-addr", "127.0.0.1:0", "-tls-cert", "cert.pem"}, nil, "-tls-cert and -tls-key go together"},
		{"missing certificate", []string{"-addr", "127.0.0.1:0", "-tls-cert", "nope.pem", "-tls-key", "nope.key"}, nil, "load TLS certificate"},
		{"bad address", []string{"-addr", "localhost"}, nil, "-addr"},
		{"unknown flag", []string{"-frobnicate"}, nil, "frobnicate"},
		{"stray argument", []string{"serve"}, nil, "unexpected arguments"},
		{"bad REDIS_URL", []string{"-addr", "127.0.0.1:0"}, map[string]string{"REDIS_URL": "http://user:hunter2@localhost"}, "REDIS_URL"},
		{"REDIS_LIMITER_URL alone", []string{"-addr", "127.0.0.1:0"}, map[string]string{"REDIS_LIMITER_URL": "redis://localhost:6379/1"}, "REDIS_LIMITER_URL needs REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out syncBuffer
			err := run(t.Context(), tt.args, env(tt.env), &out)
			if err == nil {
				t.Fatalf("run: got nil error, want one containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run: got %q, want it to contain %q", err, tt.wantErr)
			}
			for _, secret := range []string{"too-short-secret", "hunter2"} {
				if strings.Contains(err.Error()+out.String(), secret) {
					t.Errorf("a secret leaked into the error or the log: %q / %q", err, out.String())
				}
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("run listened despite a bad configuration: %s", out.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var out syncBuffer
	if err := run(t.Context(), []string{"-h"}, env(nil), &out); err != nil {
		t.Fatalf("run -h: %v", err)
	}
	if !strings.Contains(out.String(), "-addr") {
		t.Errorf("run -h printed no usage: %q", out.String())
	}
}

var listeningRE = regexp.MustCompile(`listening url=(https?://\S+)`)

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its key to PEM files, and
// returns a client that trusts it.
func writeTestCert(t *testing.T) (certFile, keyFile string, client *http.Client) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "keycard example test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestRunServesAndStops starts the real program on a free port, fetches the login page and
// cancels the context, as SIGINT would.
func TestRunServesAndStops(t *testing.T) {
	certFile, keyFile, tlsClient := writeTestCert(t)
	for _, tt := range []struct {
		name       string
		args       []string
		env        map[string]string
		client     *http.Client
		wantWarned bool
	}{
		{"SESSION_SECRET", nil, map[string]string{"SESSION_SECRET": goodSecret}, http.DefaultClient, false},
		{"random key", nil, nil, http.DefaultClient, true},
		{"TLS", []string{"-tls-cert", certFile, "-tls-key", keyFile}, map[string]string{"SESSION_SECRET": goodSecret}, tlsClient, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var out syncBuffer
			done := make(chan error, 1)
			args := append([]string{"-addr", "127.0.0.1:0"}, tt.args...)
			go func() { done <- run(ctx, args, env(tt.env), &out) }()

			var base string
			deadline := time.Now().Add(20 * time.Second)
			for base == "" {
				if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
					base = m[1]
					break
				}
				select {
				case err := <-done:
					t.Fatalf("run returned before listening: %v\n%s", err, out.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("run did not report listening:\n%s", out.String())
				}
			}

			resp, err := tt.client.Get(base + "/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /login: got %d, want 200", resp.StatusCode)
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run after cancel: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("run did not return after its context was cancelled")
			}
			log := out.String()
			for _, want := range []string{"demo@example.com", "demo-password", "shutting down", "stopped"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			if got := strings.Contains(log, "sessions will not survive a restart"); got != tt.wantWarned {
				t.Errorf("random-key warning logged: got %v, want %v", got, tt.wantWarned)
			}
			if strings.Contains(log, goodSecret) {
				t.Error("the log shows SESSION_SECRET")
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"localhost:8080": true, "127.0.0.1:0": true, "[::1]:80": true, "127.1.2.3:1": true,
		":8080": false, "0.0.0.0:80": false, "[::]:80": false, "192.168.1.5:80": false, "example.com:80": false,
	} {
		got, err := isLoopback(addr)
		if err != nil || got != want {
			t.Errorf("isLoopback(%q): got %v, %v, want %v", addr, got, err, want)
		}
	}
}
