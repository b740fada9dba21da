package status_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/status"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestStatus(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	ok := func(context.Context) error { return nil }
	broken := func(context.Context) error { return errors.New("data directory not writable") }
	tests := []struct {
		name   string
		checks map[string]status.Check
		code   int
		want   map[string]string
	}{
		{"healthy", map[string]status.Check{"db": ok, "fs": ok}, 200,
			map[string]string{"db": "healthy", "fs": "healthy", "status": "OK", "message": "OK"}},
		{"one probe fails", map[string]status.Check{"db": ok, "fs": broken}, 502,
			map[string]string{"db": "healthy", "fs": "data directory not writable", "status": "KO"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			(&status.Handler{Checks: tt.checks}).Register(r)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/status", nil))
			if w.Code != tt.code {
				t.Fatalf("status %d", w.Code)
			}
			var body map[string]string
			json.Unmarshal(w.Body.Bytes(), &body)
			for k, v := range tt.want {
				if body[k] != v {
					t.Errorf("%s = %q, want %q", k, body[k], v)
				}
			}
		})
	}
	r := gin.New()
	(&status.Handler{}).Register(r)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/version", nil))
	var v map[string]string
	if json.Unmarshal(w.Body.Bytes(), &v); w.Code != 200 || v["version"] == "" || v["runtime_version"] == "" {
		t.Fatalf("/version: %d %s", w.Code, w.Body)
	}
}

// TestServerStatus: the real server answers /status and /version, on the
// instance's host as on any other.
func TestServerStatus(t *testing.T) {
	e := webtest.NewEnv(t, nil, instance.Options{})
	e.Run(t, []webtest.Scenario{
		{Name: "status", Method: "GET", URL: "/status", ExpectedStatus: 200, ExpectedContent: []string{`"status":"OK"`}},
		{Name: "version", Method: "GET", URL: "/version", ExpectedStatus: 200, ExpectedContent: []string{`"version"`}},
		{Name: "status on another host", Method: "GET", URL: "/status", Headers: map[string]string{"Host": "unknown.example"},
			ExpectedStatus: 200},
	})
}
