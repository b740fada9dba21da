package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

func corsRouter() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	skip := func(r *http.Request) bool { return strings.HasPrefix(r.Host, "alice-drive.") }
	r.Use(middleware.CORS(skip))
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	r.GET("/data/io.cozy.contacts/1", ok)
	r.POST("/auth/login", ok)
	return r
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name, method, host, path, origin, reqMethod, reqHeaders string
		status                                                  int
		allowOrigin, allowHeaders                               string
	}{
		{"simple request reflects the origin", "GET", "alice.example", "/data/io.cozy.contacts/1", "https://app.example.net", "", "", 200, "https://app.example.net", ""},
		{"no origin, no headers", "GET", "alice.example", "/data/io.cozy.contacts/1", "", "", "", 200, "", ""},
		{"preflight", "OPTIONS", "alice.example", "/data/io.cozy.contacts/1", "https://app.example.net", "PUT", "Authorization, Content-Type", 204, "https://app.example.net", "Authorization, Content-Type"},
		{"preflight with a bad header name", "OPTIONS", "alice.example", "/data/io.cozy.contacts/1", "https://x.example", "PUT", "X-Ok, Bad\"Name", 204, "https://x.example", "X-Ok"},
		{"never on /auth/", "POST", "alice.example", "/auth/login", "https://evil.example", "", "", 200, "", ""},
		{"no preflight on /auth/", "OPTIONS", "alice.example", "/auth/login", "https://evil.example", "POST", "", 405, "", ""},
		{"never on an app's sub-domain", "GET", "alice-drive.example", "/data/io.cozy.contacts/1", "https://evil.example", "", "", 200, "", ""},
		{"null origin ignored", "GET", "alice.example", "/data/io.cozy.contacts/1", "null", "", "", 200, "", ""},
	}
	r := corsRouter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://"+tt.host+tt.path, nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.reqMethod != "" {
				req.Header.Set("Access-Control-Request-Method", tt.reqMethod)
			}
			if tt.reqHeaders != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.reqHeaders)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			h := w.Header()
			if got := h.Get("Access-Control-Allow-Origin"); got != tt.allowOrigin {
				t.Fatalf("Allow-Origin %q, want %q", got, tt.allowOrigin)
			}
			if tt.allowOrigin != "" && h.Get("Access-Control-Allow-Credentials") != "true" {
				t.Fatal("credentials not allowed")
			}
			if got := h.Get("Access-Control-Allow-Headers"); got != tt.allowHeaders {
				t.Fatalf("Allow-Headers %q, want %q", got, tt.allowHeaders)
			}
			if tt.allowOrigin != "" && !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Fatal("no Vary: Origin")
			}
		})
	}
}
