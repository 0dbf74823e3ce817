package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/keycard-go/keycard/token"
)

// This file loads inspect's -key and -enc-key files.

// Formats of a -key file.
const (
	formatJWK = iota
	formatJWKSet
	formatPEM
	formatSecret
)

// keyFormat tells the format of a -key file from its first bytes.
func keyFormat(data []byte) int {
	t := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(t, []byte("-----BEGIN ")):
		return formatPEM
	case bytes.HasPrefix(t, []byte("{")):
		var set struct {
			Keys json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(t, &set) == nil && set.Keys != nil {
			return formatJWKSet
		}
		return formatJWK
	}
	return formatSecret
}

// loadKeys loads the -key file. On error, code tells whether it is a usage
// error (exitUsage) or a bad or unreadable file (exitFail).
func loadKeys(f inspectFlags) (keys []*token.Key, code int, err error) {
	data, err := readFile(f.key)
	if err != nil {
		return nil, exitFail, err
	}
	defer clear(data)
	format := keyFormat(data)
	switch {
	case (format == formatJWK || format == formatJWKSet) && (f.alg != "" || f.kid != ""):
		return nil, exitUsage, errors.New("-alg and -kid are for PEM keys and raw secrets; a JWK carries its own")
	case (format == formatPEM || format == formatSecret) && (f.alg == "" || f.kid == ""):
		what := "a PEM key"
		if format == formatSecret {
			what = "a raw HMAC secret (it is neither JSON nor PEM)"
		}
		return nil, exitUsage, fmt.Errorf("-key %s holds %s: give its -alg and -kid", f.key, what)
	}
	var k *token.Key
	switch format {
	case formatJWK:
		k, err = token.ParseJWK(data)
	case formatJWKSet:
		keys, err = token.ParseJWKSet(data)
	case formatPEM:
		k, err = token.ParsePEM(f.kid, token.Algorithm(f.alg), data)
	case formatSecret:
		secret := data
		if n := len(secret); n > 0 && secret[n-1] == '\n' {
			secret = secret[:n-1]
			if n := len(secret); n > 0 && secret[n-1] == '\r' {
				secret = secret[:n-1]
			}
		}
		k, err = token.NewHMACKey(f.kid, token.Algorithm(f.alg), secret)
	}
	if err != nil {
		// Token errors never quote key material.
		return nil, exitFail, fmt.Errorf("-key %s: %w", f.key, err)
	}
	if k != nil {
		keys = []*token.Key{k}
	}
	return keys, exitOK, nil
}

// loadEncryptionKey loads the -enc-key file: 32 raw bytes, or base64url (or
// standard base64) text of 32 bytes. Its kid is the one the token's JWE
// header names: AES-GCM fails on a wrong key anyway.
func loadEncryptionKey(name string, d *decoded) (*token.EncryptionKey, error) {
	data, err := readFile(name)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	secret := data
	if len(data) != encKeySize {
		secret = nil
		t := string(bytes.TrimSpace(data))
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
			if b, err := enc.DecodeString(t); err == nil && len(b) == encKeySize {
				secret = b
				break
			}
		}
		if secret == nil {
			return nil, fmt.Errorf("-enc-key %s: want %d bytes, raw or as base64url text", name, encKeySize)
		}
		defer clear(secret)
	}
	kid := "unknown"
	if d != nil && d.encrypted {
		var h struct {
			Kid string `json:"kid"`
		}
		if json.Unmarshal(d.header, &h) == nil && h.Kid != "" {
			kid = h.Kid
		}
	}
	k, err := token.NewEncryptionKey(kid, secret)
	if err != nil {
		// Only the kid can be wrong here (the size was checked), and then no
		// key can decrypt the token: let verification report it.
		k, err = token.NewEncryptionKey("unknown", secret)
	}
	if err != nil {
		return nil, fmt.Errorf("-enc-key %s: %w", name, err)
	}
	return k, nil
}

// readFile reads a key file of at most maxInput bytes.
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxInput {
		clear(b)
		return nil, fmt.Errorf("%s: over %d bytes", name, maxInput)
	}
	return b, nil
}
