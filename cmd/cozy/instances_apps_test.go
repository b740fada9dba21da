package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/web/webtest"
)

// TestInstancesAddApps: `cozy instances add --apps home,drive` creates the
// instance with the apps installed from the registry (a loopback one).
func TestInstancesAddApps(t *testing.T) {
	tgz := func(slug string) []byte {
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
	pkgs := map[string][]byte{"home": tgz("home"), "drive": tgz("drive")}
	var regURL string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /registry/{slug}/stable/latest", func(w http.ResponseWriter, r *http.Request) {
		b, ok := pkgs[r.PathValue("slug")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(b)
		json.NewEncoder(w).Encode(map[string]string{"slug": r.PathValue("slug"), "version": "1.0.0",
			"url": regURL + "/dl/" + r.PathValue("slug"), "sha256": hex.EncodeToString(sum[:])})
	})
	mux.HandleFunc("GET /dl/{slug}", func(w http.ResponseWriter, r *http.Request) { w.Write(pkgs[r.PathValue("slug")]) })
	reg := httptest.NewServer(mux)
	t.Cleanup(reg.Close)
	regURL = reg.URL

	s, mgr := webtest.Server(t, nil)
	s.Apps.Fetcher.Registries = []string{reg.URL}
	s.Apps.RetryMin = 1 << 62
	srv := httptest.NewServer(s.AdminHandler())
	t.Cleanup(srv.Close)
	t.Setenv("COZY_ADMIN_PASSPHRASE", "")
	t.Setenv("COZY_CONFIG", "")
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"instances", "add", "--apps", "home,drive,notes", "alice.localhost", "--admin-host", srv.URL})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Instance created") || !strings.Contains(out.String(), "retried in the background): notes") {
		t.Fatalf("output: %s", out.String())
	}
	inst, err := mgr.Get("alice.localhost")
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"home", "drive"} {
		if a, err := s.Apps.Get(context.Background(), inst, apps.Webapp, slug); err != nil || a.State != apps.Ready {
			t.Errorf("%s: %+v %v", slug, a, err)
		}
	}
}
