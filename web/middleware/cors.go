package middleware

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// corsMaxAge is how long a browser may cache a preflight answer (seconds).
const corsMaxAge = "43200"

// corsExposed are the response headers a cross-origin script may read.
const corsExposed = "Content-Length, Content-Type, Content-Disposition, Date, ETag, Location, Retry-After"

// CORS answers cross-origin requests as upstream does: the request's
// Origin is reflected with credentials allowed, preflight requests
// (OPTIONS with Access-Control-Request-Method) are answered here with 204,
// and nothing is added under /auth/ (login and OAuth pages never serve
// scripts of other origins) nor for requests skip selects (the apps'
// sub-domains, whose tokens must not leak). Permissions still decide:
// CORS only lets a browser read what a token already may.
func CORS(skip func(*http.Request) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.Request.Header.Get("Origin")
		if origin == "" || origin == "null" || isAuthPath(c.Request.URL.Path) || (skip != nil && skip(c.Request)) {
			c.Next()
			return
		}
		h := c.Writer.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if c.Request.Method == http.MethodOptions && c.Request.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
			if asked := c.Request.Header.Get("Access-Control-Request-Headers"); asked != "" {
				h.Set("Access-Control-Allow-Headers", sanitizeHeaderList(asked))
			}
			h.Set("Access-Control-Max-Age", corsMaxAge)
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposed)
		c.Next()
	}
}

func isAuthPath(p string) bool { return p == "/auth" || strings.HasPrefix(p, "/auth/") }

// sanitizeHeaderList keeps header names made of token characters only.
func sanitizeHeaderList(list string) string {
	parts := strings.Split(list, ",")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p != "" && isToken(p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
