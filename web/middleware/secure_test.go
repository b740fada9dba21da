package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

func TestSecureHeaders(t *testing.T) {
	tests := []struct {
		name   string
		scheme string
		tls    bool
		hsts   bool
	}{
		{"http scheme: no HSTS", "http", false, false},
		{"http scheme, even over TLS: no HSTS", "http", true, false},
		{"https scheme: HSTS", "https", true, true},
		{"https scheme behind a TLS terminator: HSTS", "https", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			public := &instance.Public{}
			public.SetScheme(tt.scheme)
			r := gin.New()
			r.Use(middleware.Secure(public))
			r.GET("/x", func(c *gin.Context) { c.String(http.StatusOK, "x") })
			req := httptest.NewRequest("GET", "http://alice.example/x", nil)
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			h := w.Header()
			if got := h.Get("Strict-Transport-Security"); (got != "") != tt.hsts || tt.hsts && got != middleware.HSTSValue {
				t.Fatalf("HSTS %q, want present=%v", got, tt.hsts)
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
