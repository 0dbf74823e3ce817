package integrations

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/keycard-go/keycard/middleware"
	"github.com/keycard-go/keycard/token"
)

// clientIP returns the address nginx wrote with `proxy_set_header X-Real-IP $remote_addr;`,
// which replaces any X-Real-IP the client sent. IPv6 clients count by their /64, as keycard's
// default does. Only the proxy may reach the application: anyone else can write X-Real-IP.
func clientIP(r *http.Request) string {
	ip, err := netip.ParseAddr(r.Header.Get("X-Real-IP"))
	if err != nil { // not through the proxy (a health check, say): the peer itself
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		return host
	}
	if ip = ip.Unmap(); ip.Is6() {
		prefix, _ := ip.Prefix(64)
		return prefix.String()
	}
	return ip.String()
}

// proxiedSessions is the configuration of an application behind a proxy that rewrites Host.
func proxiedSessions(codec *token.Codec[User]) (*middleware.Sessions[User], error) {
	sessions, err := middleware.New(codec,
		middleware.WithClientIP(clientIP),                        // the throttle counts clients, not the proxy
		middleware.WithTrustedOrigins("https://app.example.com"), // only needed if the proxy rewrites Host
	)
	return sessions, err
}
