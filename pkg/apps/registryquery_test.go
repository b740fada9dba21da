package apps_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

// TestQueryRegistries: registries are asked in order; a 404 passes to the
// next one, an unreachable one is skipped; every one unreachable is
// ErrRegistryUnreachable; the guard refuses a path outside the API.
func TestQueryRegistries(t *testing.T) {
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/registry/home" {
			w.Write([]byte(`{"slug":"home","from":"first"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(first.Close)
	second := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"path":"` + r.URL.Path + `","limit":"` + r.URL.Query().Get("limit") + `"}`))
	}))
	t.Cleanup(second.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	f := &apps.Fetcher{Registries: []string{down.URL, first.URL, second.URL}}
	ctx := t.Context()
	if a, err := f.QueryRegistries(ctx, "/registry/home", nil); err != nil || string(a.Body) != `{"slug":"home","from":"first"}` {
		t.Fatalf("home: %+v %v", a, err)
	}
	if a, err := f.QueryRegistries(ctx, "/registry", url.Values{"limit": {"5"}}); err != nil || a.Status != 200 ||
		string(a.Body) != `{"path":"/registry","limit":"5"}` || a.ContentType != "application/json" {
		t.Fatalf("list: %+v %v", a, err)
	}
	f.Registries = []string{first.URL}
	if a, err := f.QueryRegistries(ctx, "/registry/drive", nil); err != nil || a.Status != 404 {
		t.Fatalf("unknown: %+v %v", a, err)
	}
	f.Registries = []string{down.URL}
	if _, err := f.QueryRegistries(ctx, "/registry", nil); !errors.Is(err, apps.ErrRegistryUnreachable) {
		t.Fatalf("down: %v", err)
	}
	if _, err := f.QueryRegistries(ctx, "/apps", nil); !errors.Is(err, apps.ErrBadSource) {
		t.Fatalf("outside: %v", err)
	}
}
