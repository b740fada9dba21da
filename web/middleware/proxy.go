package middleware

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// TrustProxies makes r believe X-Forwarded-For (c.ClientIP) only from the
// given networks. gin trusts every peer by default; with no network given
// it trusts none, so c.ClientIP is the connection's address.
func TrustProxies(r *gin.Engine, trusted []netip.Prefix) error {
	r.ForwardedByClientIP = len(trusted) > 0
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	r.TrustedPlatform = ""
	list := make([]string, len(trusted))
	for i, p := range trusted {
		list[i] = p.String()
	}
	if len(list) == 0 {
		list = nil
	}
	if err := r.SetTrustedProxies(list); err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}
	return nil
}

// ArrivedSecure tells whether the request reached the server over TLS:
// on this connection, or at a trusted proxy that says so with
// X-Forwarded-Proto. It says how the request came, not how the instance
// should be addressed (that is instance.Scheme).
func ArrivedSecure(c *gin.Context, trusted []netip.Prefix) bool {
	if c.Request.TLS != nil {
		return true
	}
	addr, err := netip.ParseAddrPort(c.Request.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(addr.Addr().Unmap()) {
			proto, _, _ := strings.Cut(c.GetHeader("X-Forwarded-Proto"), ",")
			return strings.EqualFold(strings.TrimSpace(proto), "https")
		}
	}
	return false
}
