package token

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParsePEM loads a key for alg from PEM data: a PKCS#8 ("PRIVATE KEY"),
// PKCS#1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY") private key, or a
// PKIX ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY") public key. An
// "EC PARAMETERS" block, as written by openssl, is skipped; any other second
// block, an encrypted PEM block, or a key that does not fit alg is refused:
// EdDSA needs an Ed25519 key, ES256 a P-256 key, RS256 and PS256 an RSA key
// of at least 2048 bits. HMAC secrets are not PEM; use [NewHMACKey].
//
// A public key gives a verify-only [Key] (CanSign is false). Errors match
// [ErrInvalidKey] and never quote the PEM data.
func ParsePEM(kid string, alg Algorithm, pemData []byte) (*Key, error) {
	if err := checkKID(kid); err != nil {
		return nil, err
	}
	var block *pem.Block
	for rest := pemData; ; {
		b, r := pem.Decode(rest)
		if b == nil {
			break
		}
		rest = r
		if b.Type == "EC PARAMETERS" {
			continue
		}
		if block != nil {
			return nil, fmt.Errorf("%w: more than one key in PEM data", ErrInvalidKey)
		}
		block = b
	}
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrInvalidKey)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: encrypted or annotated PEM blocks are not supported", ErrInvalidKey)
	}

	var raw any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		raw, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		raw, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		raw, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		raw, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		raw, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: unsupported PEM block type %s", ErrInvalidKey, quoteShort(block.Type))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return newKey(kid, alg, raw)
}
