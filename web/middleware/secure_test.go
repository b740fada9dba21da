package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

func TestSecureHeaders(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.SecureOptions
		tls  bool
		hsts bool
	}{
		{"plain HTTP: no HSTS", middleware.SecureOptions{}, false, false},
		{"TLS: HSTS", middleware.SecureOptions{}, true, true},
		{"forced behind a proxy", middleware.SecureOptions{HSTS: true}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			r.Use(middleware.Secure(tt.opts))
			r.GET("/x", func(c *gin.Context) { c.String(http.StatusOK, "x") })
			req := httptest.NewRequest("GET", "http://alice.example/x", nil)
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			h := w.Header()
			if got := h.Get("Strict-Transport-Security") != ""; got != tt.hsts {
				t.Fatalf("HSTS present=%v, want %v", got, tt.hsts)
			}
			want := map[string]string{
				"Content-Security-Policy": middleware.CSP,
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "same-origin",
				"X-Content-Type-Options":  "nosniff",
			}
			for k, v := range want {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}
