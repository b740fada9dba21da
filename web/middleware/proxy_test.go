package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// TestTrustedProxies: X-Forwarded-For and X-Forwarded-Proto are believed
// from a trusted proxy only; by default from no one (gin trusts everyone
// unless told otherwise).
func TestTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		tls     bool
		xff     string
		xfp     string
		client  string
		secure  bool
	}{
		{"no proxy configured: headers ignored", nil, "10.1.2.3:5000", false, "203.0.113.7", "https", "10.1.2.3", false},
		{"trusted proxy: believed", trusted, "10.1.2.3:5000", false, "203.0.113.7", "https", "203.0.113.7", true},
		{"trusted proxy, chain: the last untrusted hop", trusted, "10.1.2.3:5000", false, "198.51.100.1, 203.0.113.7, 10.9.9.9", "https", "203.0.113.7", true},
		{"trusted proxy saying http", trusted, "10.1.2.3:5000", false, "203.0.113.7", "http", "203.0.113.7", false},
		{"untrusted peer: ignored", trusted, "192.0.2.1:5000", false, "203.0.113.7", "https", "192.0.2.1", false},
		{"direct TLS", nil, "192.0.2.1:5000", true, "", "", "192.0.2.1", true},
		{"IPv6 peer", trusted, "[2001:db8::1]:5000", false, "203.0.113.7", "https", "2001:db8::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			if err := middleware.TrustProxies(r, tt.trusted); err != nil {
				t.Fatal(err)
			}
			var client string
			var secure bool
			r.GET("/x", func(c *gin.Context) {
				client, secure = c.ClientIP(), middleware.ArrivedSecure(c, tt.trusted)
				c.Status(http.StatusNoContent)
			})
			req := httptest.NewRequest("GET", "http://alice.example/x", nil)
			req.RemoteAddr = tt.remote
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.xfp != "" {
				req.Header.Set("X-Forwarded-Proto", tt.xfp)
			}
			r.ServeHTTP(httptest.NewRecorder(), req)
			if client != tt.client || secure != tt.secure {
				t.Fatalf("client %q secure %v, want %q %v", client, secure, tt.client, tt.secure)
			}
		})
	}
}
