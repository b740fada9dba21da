package middleware_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

func newInstances(t *testing.T, domains ...string) *instance.Manager {
	t.Helper()
	m, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	for _, d := range domains {
		if _, err := m.Create(context.Background(), instance.Options{Domain: d}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

func TestResolveHost(t *testing.T) {
	m := newInstances(t, "alice.example.org", "bob-smith.example.org", "cozy.localhost:8080", "example.net", "localhost:9090", "box")
	tests := []struct {
		mode, host, domain, slug string
		ok                       bool
	}{
		{config.SubdomainsFlat, "alice.example.org", "alice.example.org", "", true},
		{config.SubdomainsFlat, "ALICE.example.org", "alice.example.org", "", true},
		{config.SubdomainsFlat, "alice-drive.example.org", "alice.example.org", "drive", true},
		{config.SubdomainsFlat, "alice-my-app.example.org", "alice.example.org", "my-app", true}, // no instance "alice-my": slug "my-app"
		{config.SubdomainsFlat, "bob-smith-photos.example.org", "bob-smith.example.org", "photos", true},
		{config.SubdomainsFlat, "cozy-drive.localhost:8080", "cozy.localhost:8080", "drive", true},
		{config.SubdomainsFlat, "cozy-.localhost:8080", "", "", false},
		{config.SubdomainsFlat, "drive.alice.example.org", "", "", false},
		{config.SubdomainsNested, "drive.alice.example.org", "alice.example.org", "drive", true},
		{config.SubdomainsNested, "drive.example.net", "example.net", "drive", true},
		{config.SubdomainsNested, "alice-drive.example.org", "", "", false},
		// Dotless instances (before: unknown hosts).
		{config.SubdomainsFlat, "localhost-drive:9090", "localhost:9090", "drive", true},
		{config.SubdomainsFlat, "localhost-my-app:9090", "localhost:9090", "my-app", true},
		{config.SubdomainsFlat, "localhost-drive:9091", "", "", false},
		{config.SubdomainsFlat, "box-home", "box", "home", true},
		{config.SubdomainsFlat, "localhost-:9090", "", "", false},
		{config.SubdomainsNested, "localhost-drive:9090", "", "", false},
		{config.SubdomainsNested, "drive.localhost:9090", "localhost:9090", "drive", true},
		{config.SubdomainsFlat, "unknown.example", "", "", false},
		{config.SubdomainsFlat, "", "", "", false},
		{config.SubdomainsFlat, "..", "", "", false},
	}
	for _, tt := range tests {
		got, ok := middleware.ResolveHost(m, tt.mode, tt.host)
		if ok != tt.ok {
			t.Errorf("%s %q: ok=%v", tt.mode, tt.host, ok)
			continue
		}
		if ok && (got.Instance.Domain != tt.domain || got.AppSlug != tt.slug) {
			t.Errorf("%s %q: got %s / %q", tt.mode, tt.host, got.Instance.Domain, got.AppSlug)
		}
	}
}

func TestUnknownHost(t *testing.T) {
	m := newInstances(t, "alice.example.org")
	r := gin.New()
	r.Use(middleware.Instance(m, config.SubdomainsFlat))
	r.GET("/x", func(c *gin.Context) { c.String(200, middleware.GetInstance(c).Domain) })
	for host, want := range map[string]int{"alice.example.org": 200, "mallory.example.org": 404, "evil\x01host": 404} {
		req := httptest.NewRequest("GET", "/x", nil)
		req.Host = host
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%q: %d", host, w.Code)
		}
		if want == http.StatusNotFound {
			var doc struct {
				Errors []struct{ Status, Detail string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || len(doc.Errors) != 1 || doc.Errors[0].Status != "404" {
				t.Errorf("%q: body %s", host, w.Body)
			}
			if w.Header().Get("Content-Type") != "application/vnd.api+json" {
				t.Errorf("content type %q", w.Header().Get("Content-Type"))
			}
		}
	}
}
