package admin_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

// packageOf is a small web app as a registry's tarball.
func packageOf(t *testing.T, slug string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{
		"manifest.webapp": `{"name":"` + slug + `","slug":"` + slug + `","version":"1.0.0","permissions":{}}`,
		"index.html":      "<html></html>",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// TestCreateWithApps: `cozy instances add --apps drive` (POST
// /instances?Apps=drive) installs the configured default apps and the
// asked ones from the registry (a loopback one here); an app no registry
// serves yet is left pending (retried in the background) and the
// instance is created anyway.
func TestCreateWithApps(t *testing.T) {
	pkgs := map[string][]byte{"home": packageOf(t, "home"), "drive": packageOf(t, "drive")}
	mux := http.NewServeMux()
	var regURL string
	mux.HandleFunc("GET /registry/{slug}/stable/latest", func(w http.ResponseWriter, r *http.Request) {
		tgz, ok := pkgs[r.PathValue("slug")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(tgz)
		json.NewEncoder(w).Encode(map[string]string{"slug": r.PathValue("slug"), "version": "1.0.0",
			"url": regURL + "/dl/" + r.PathValue("slug"), "sha256": hex.EncodeToString(sum[:])})
	})
	mux.HandleFunc("GET /dl/{slug}", func(w http.ResponseWriter, r *http.Request) { w.Write(pkgs[r.PathValue("slug")]) })
	reg := httptest.NewServer(mux)
	t.Cleanup(reg.Close)
	regURL = reg.URL

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := instance.Open(t.TempDir(), passhash.New(fast, 2), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	am := &apps.Manager{Stores: m, Perms: permstore.New(m), Log: log, Fetcher: &apps.Fetcher{Registries: []string{reg.URL}},
		DefaultApps: []string{"home"}, RetryMin: 1 << 62}
	t.Cleanup(am.Close)
	r := gin.New()
	guard := &admin.Guard{Dev: true, Hasher: passhash.New(fast, 1)}
	(&admin.Handler{Instances: m, Resolver: resolver{}, Log: log, Apps: am}).Register(r.Group("/", guard.Middleware()))
	e, base := serve(t, r)
	e.Run(t, []webtest.Scenario{
		{Name: "create with apps", Method: "POST", URL: base + "/instances?Domain=alice.localhost&Apps=drive,notes", ExpectedStatus: 201,
			ExpectedContent: []string{`"apps_pending":["notes"]`}},
		{Name: "bad slug", Method: "POST", URL: base + "/instances?Domain=bob.localhost&Apps=Bad", ExpectedStatus: 422},
	})
	inst, err := m.Get("alice.localhost")
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"home", "drive"} {
		if a, err := am.Get(context.Background(), inst, apps.Webapp, slug); err != nil || a.State != apps.Ready {
			t.Errorf("%s: %+v %v", slug, a, err)
		}
	}
}
