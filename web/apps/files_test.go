package apps_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestDownloadStaysInTheFolder checks that the tarball of an app's files
// holds its regular files only: a symbolic link in the folder, pointing
// out of it, is left out, and so is what it points at.
func TestDownloadStaysInTheFolder(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	e.install(t, "testapp", testappSource(t))
	a, err := e.Server.Apps.Get(t.Context(), e.Inst, apps.Webapp, "testapp")
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("the secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(e.Server.Apps.Root(e.Inst, a), "out")); err != nil {
		t.Fatal(err)
	}
	e.Test(t, webtest.Scenario{Method: "GET", URL: "/apps/testapp/download", Token: e.cli, ExpectedStatus: http.StatusOK,
		After: func(t *testing.T, _ *http.Response, body string) {
			names := tarNames(t, []byte(body))
			if !names["manifest.webapp"] || !names["public/index.html"] || !names["public/"] {
				t.Fatalf("files missing: %v", names)
			}
			if names["out"] || names["out/"] || names["out/secret.txt"] {
				t.Fatalf("the link or what it points at is in the tarball: %v", names)
			}
		}})
}

// tarNames lists the entries of a gzipped tarball.
func tarNames(t *testing.T, b []byte) map[string]bool {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	names := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
}
