package middleware

import (
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/gin-gonic/gin"
)

// HSTSValue is the Strict-Transport-Security sent under TLS: one year,
// sub-domains included (the apps live on sub-domains).
const HSTSValue = "max-age=31536000; includeSubDomains"

// CSP is the Content-Security-Policy of what the server itself serves (its
// JSON and its own login, onboarding and consent pages): only its own
// scripts, styles and images, no plugin, never framed.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// Secure sets the security headers of every answer: HSTS when instances
// are served over https (public's scheme, the one answer: behind a
// TLS-terminating proxy the connection itself is plain), a
// restrictive CSP with frame-ancestors 'none', X-Frame-Options,
// Referrer-Policy and nosniff. A handler serving other content (an app)
// may overwrite them.
func Secure(public *instance.Public) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		if public.Scheme() == "https" {
			h.Set("Strict-Transport-Security", HSTSValue)
		}
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		c.Next()
	}
}
