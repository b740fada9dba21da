package apps_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestInstallFromRegistry installs from a local registry speaking
// upstream's API (on loopback: allowed because configured); the default
// source of an install is its stable channel, and the download route
// sends to the registry's tarball.
func TestInstallFromRegistry(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	tgz := tarGz(t, "testdata/testapp")
	sum := sha256.Sum256(tgz)
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("GET /registry/testapp/stable/latest", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"slug": "testapp", "type": "webapp", "version": "1.0.0",
			"url": base + "/tarballs/testapp-1.0.0.tgz", "sha256": hex.EncodeToString(sum[:]), "size": "1000",
			"tar_prefix": "testapp-1.0.0", "created_at": "2026-01-01T00:00:00Z"})
	})
	mux.HandleFunc("GET /tarballs/testapp-1.0.0.tgz", func(w http.ResponseWriter, r *http.Request) { w.Write(tgz) })
	reg := httptest.NewServer(mux)
	t.Cleanup(reg.Close)
	base = reg.URL
	e.Server.Apps.Fetcher.Registries = []string{reg.URL}

	doc := e.install(t, "testapp", "")
	if attr(doc, "data", "attributes", "source") != "registry://testapp/stable" || attr(doc, "data", "attributes", "state") != "ready" {
		t.Fatalf("registry install: %v", doc)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "download", Method: "GET", URL: "/apps/testapp/download", Token: e.cli, ExpectedStatus: http.StatusFound,
			ExpectedHeaders: map[string]string{"Location": reg.URL + "/tarballs/testapp-1.0.0.tgz"}},
		{Name: "unknown app", Method: "POST", URL: "/apps/unknown?Source=" + url.QueryEscape("registry://unknown/stable"), Token: e.cli,
			ExpectedStatus: 404},
	})
}
