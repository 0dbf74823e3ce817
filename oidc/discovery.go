package oidc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// maxResponseSize bounds every response read from a provider (discovery, token, JWKS).
const maxResponseSize = 1 << 20

// retryAfterFailure is how long a failed discovery is remembered: sign-ins during that time
// fail at once with the same answer instead of each waiting for a provider that is down.
const retryAfterFailure = 5 * time.Second

// metadata is what discovery learned about a provider, ready for use.
type metadata struct {
	oauth      oauth2.Config
	verifier   *gooidc.IDTokenVerifier
	algs       []string // the ID token algorithms accepted: allowed and announced
	endSession string   // end_session_endpoint; empty when the provider has none
	issParam   bool     // authorization_response_iss_parameter_supported (RFC 9207)
}

// discovery holds a provider's metadata, fetched once on first use. Concurrent first uses wait
// for one fetch; a failure is remembered for retryAfterFailure, then the next use tries again.
type discovery struct {
	meta atomic.Pointer[metadata]

	mu       sync.Mutex // held during a fetch
	failedAt time.Time
	failErr  error
}

// metadata returns the provider's metadata, discovering it if needed.
func (l *Login[T]) metadata(ctx context.Context, ip *idp) (*metadata, error) {
	if m := ip.disc.meta.Load(); m != nil {
		return m, nil
	}
	d := &ip.disc
	d.mu.Lock()
	defer d.mu.Unlock()
	if m := d.meta.Load(); m != nil {
		return m, nil
	}
	now := l.now()
	if d.failErr != nil && now.Sub(d.failedAt) < retryAfterFailure && now.Sub(d.failedAt) >= 0 {
		return nil, d.failErr
	}
	m, err := l.discover(ctx, ip)
	if err != nil {
		d.failedAt, d.failErr = now, err
		return nil, err
	}
	d.failErr = nil
	d.meta.Store(m)
	return m, nil
}

// providerMetadata is the part of the discovery document read beyond what go-oidc reads.
type providerMetadata struct {
	AuthURL    string   `json:"authorization_endpoint"`
	TokenURL   string   `json:"token_endpoint"`
	JWKSURL    string   `json:"jwks_uri"`
	EndSession string   `json:"end_session_endpoint"`
	IssParam   bool     `json:"authorization_response_iss_parameter_supported"`
	PKCE       []string `json:"code_challenge_methods_supported"`
	Algorithms []string `json:"id_token_signing_alg_values_supported"`
}

// discover reads the provider's discovery document, bounded by the configured timeout whatever
// the request's own deadline, and checks it.
func (l *Login[T]) discover(ctx context.Context, ip *idp) (*metadata, error) {
	p := ip.p
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.timeout)
	defer cancel()
	prov, err := gooidc.NewProvider(gooidc.ClientContext(ctx, l.client), p.issuer)
	if err != nil {
		var mismatch *gooidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return nil, upstreamFailure("discovery_issuer_mismatch", err)
		}
		return nil, classifyUpstream("discovery", err)
	}
	var pm providerMetadata
	if err := prov.Claims(&pm); err != nil {
		return nil, upstreamFailure("discovery_bad_response", err)
	}
	for _, e := range []struct{ what, raw string }{
		{"authorization_endpoint", pm.AuthURL}, {"token_endpoint", pm.TokenURL}, {"jwks_uri", pm.JWKSURL},
	} {
		u, err := url.Parse(e.raw)
		if err == nil && u.Host == "" {
			err = errors.New("not an absolute URL")
		}
		if err == nil {
			err = checkEndpoint(e.what, u)
		}
		if err != nil {
			return nil, upstreamFailure("discovery_bad_response", fmt.Errorf("%s: %w", e.what, err))
		}
	}
	if pm.EndSession != "" {
		if u, err := url.Parse(pm.EndSession); err != nil || u.Host == "" || checkEndpoint("end_session_endpoint", u) != nil {
			pm.EndSession = "" // unusable: logout stays local
		}
	}
	if len(pm.PKCE) > 0 && !slices.Contains(pm.PKCE, "S256") {
		return nil, upstreamFailure("discovery_no_pkce", errors.New("provider does not support PKCE S256"))
	}
	announced := pm.Algorithms
	if len(announced) == 0 {
		announced = []string{"RS256"} // OpenID Connect Discovery's default
	}
	var algs []string
	for _, a := range p.algorithms {
		if slices.Contains(announced, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		return nil, upstreamFailure("discovery_no_algorithm", fmt.Errorf("provider signs ID tokens with %v, none of them allowed", announced))
	}

	keys := &keySet{remote: gooidc.NewRemoteKeySet(gooidc.ClientContext(context.Background(), l.client), pm.JWKSURL)}
	m := &metadata{
		oauth: oauth2.Config{
			ClientID:     p.clientID,
			ClientSecret: p.clientSecret,
			Endpoint:     prov.Endpoint(),
			RedirectURL:  ip.redirectURL,
			Scopes:       p.scopes,
		},
		verifier: gooidc.NewVerifier(p.issuer, keys, &gooidc.Config{
			ClientID:             p.clientID,
			SupportedSigningAlgs: algs,
			Now:                  l.now,
		}),
		algs:       algs,
		endSession: pm.EndSession,
		issParam:   pm.IssParam,
	}
	return m, nil
}

// keySet wraps go-oidc's remote key set to learn why a signature check failed: go-oidc reports
// a JWKS fetch failure and a bad signature alike, and only the first is the provider's fault.
type keySet struct{ remote *gooidc.RemoteKeySet }

// keyNoteKey is the context key of the *error keySet writes its failure to.
type keyNoteKey struct{}

func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.remote.VerifySignature(ctx, jwt)
	if note, ok := ctx.Value(keyNoteKey{}).(*error); ok && err != nil {
		*note = err
	}
	return payload, err
}

// newHTTPClient returns the client for calls to providers: bounded in time and response size,
// never following redirects (a provider's endpoints are where its metadata says).
func newHTTPClient(rt http.RoundTripper, timeout time.Duration) *http.Client {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &http.Client{
		Transport: limitedTransport{rt},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// limitedTransport bounds response bodies to maxResponseSize.
type limitedTransport struct{ rt http.RoundTripper }

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseSize}
	return resp, nil
}

// errResponseTooLarge is returned when a provider's response exceeds maxResponseSize.
var errResponseTooLarge = errors.New("oidc: provider response too large")

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte past the limit tells a body that is exactly maxResponseSize long from a
		// longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
