package apps_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

// TestFetchRefusesPrivateDestinations checks that a source URL on
// loopback is refused unless its origin is a configured registry, that a
// registry's redirect to another loopback server is refused, and that a
// tarball over the size limit is refused, announced or not.
func TestFetchRefusesPrivateDestinations(t *testing.T) {
	tgz := tarball(t, true, entry{name: "pkg/manifest.webapp", body: manifestV("1.0.0", "{}")})
	other := serveFiles(t, map[string][]byte{"/app.tgz": tgz})
	if _, _, err := fetch(t, &apps.Fetcher{Limits: testLimits}, other.URL+"/app.tgz"); !errors.Is(err, apps.ErrBadSource) ||
		!strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("a tarball on loopback: %v", err)
	}

	// A configured registry on loopback works, tarball included.
	reg := registry(t, "testapp", map[string][]byte{"1.0.0": tgz})
	f := &apps.Fetcher{Limits: testLimits, Registries: []string{reg.URL}}
	if _, _, err := fetch(t, f, "registry://testapp/stable"); err != nil {
		t.Fatalf("a configured registry on loopback: %v", err)
	}
	if _, _, err := fetch(t, f, reg.URL+"/tarballs/1.0.0"); err != nil {
		t.Fatalf("a tarball of the configured registry: %v", err)
	}
	// ...but it cannot send the fetcher elsewhere on loopback.
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/app.tgz", http.StatusFound))
	defer redirect.Close()
	f.Registries = append(f.Registries, redirect.URL)
	if _, _, err := fetch(t, f, redirect.URL+"/x.tgz"); !errors.Is(err, apps.ErrBadSource) {
		t.Fatalf("a redirect to loopback: %v", err)
	}

	// Too large: announced by Content-Length, or streamed without it.
	big := make([]byte, testLimits.MaxBytes+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.Header().Set("Content-Type", "application/gzip")
			w.(http.Flusher).Flush() // no Content-Length
		}
		w.Write(big)
	}))
	defer srv.Close()
	f = &apps.Fetcher{Limits: testLimits, Trusted: []string{srv.URL}}
	for _, p := range []string{"/announced", "/chunked"} {
		if _, _, err := fetch(t, f, srv.URL+p); !errors.Is(err, apps.ErrUnsafeArchive) {
			t.Fatalf("%s: a too large tarball: %v", p, err)
		}
	}
}
