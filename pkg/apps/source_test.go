package apps_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/apps"
)

func TestParseSource(t *testing.T) {
	for raw, ok := range map[string]bool{
		"file:///home/me/app": true, "https://x.example/a.tgz#abc": true, "http://127.0.0.1:80/a.tar": true,
		"git://h/r.git#dev": true, "git+https://h/r.git": true, "git+ssh://git@h/r.git": true,
		"registry://drive/stable": true, "registry://drive": true,
		"": false, "ftp://h/a": false, "file://": false, "https:///a": false, "registry://Bad/x": false,
		"javascript:alert(1)": false, "file://remote.host/x": false,
	} {
		_, err := apps.ParseSource(raw)
		if (err == nil) != ok {
			t.Errorf("ParseSource(%q) = %v, want ok=%v", raw, err, ok)
		}
		if err != nil && !errors.Is(err, apps.ErrBadSource) {
			t.Errorf("ParseSource(%q) error %v does not wrap ErrBadSource", raw, err)
		}
	}
}

// serveFiles answers the given paths with the given bodies on loopback.
func serveFiles(t *testing.T, files map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func fetch(t *testing.T, f *apps.Fetcher, source string) (string, *apps.Fetched, error) {
	t.Helper()
	u, err := apps.ParseSource(source)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	got, err := f.Fetch(context.Background(), u, dir)
	return dir, got, err
}

func TestFetchHTTP(t *testing.T) {
	tgz := tarball(t, true, entry{name: "manifest.webapp", body: manifestV("1.0.0", "{}")})
	srv := serveFiles(t, map[string][]byte{"/app.tgz": tgz})
	f := &apps.Fetcher{Limits: testLimits, Trusted: []string{srv.URL}}
	dir, got, err := fetch(t, f, srv.URL+"/app.tgz#"+sum(tgz))
	if err != nil {
		t.Fatal(err)
	}
	if got.Checksum != sum(tgz) {
		t.Fatalf("checksum %s", got.Checksum)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.webapp")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fetch(t, f, srv.URL+"/app.tgz#"+sum([]byte("other"))); !errors.Is(err, apps.ErrChecksum) {
		t.Fatalf("wrong sha256: %v", err)
	}
	if _, _, err := fetch(t, f, srv.URL+"/app.tgz#nothex"); !errors.Is(err, apps.ErrBadSource) {
		t.Fatalf("bad fragment: %v", err)
	}
	if _, _, err := fetch(t, f, srv.URL+"/missing.tgz"); !errors.Is(err, apps.ErrSourceNotFound) {
		t.Fatalf("404: %v", err)
	}
}

// registry serves upstream's registry API for one app, and its tarball.
func registry(t *testing.T, slug string, versions map[string][]byte) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /registry/{slug}/{ref}/latest", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("slug") != slug || r.PathValue("ref") != "stable" {
			http.NotFound(w, r)
			return
		}
		latest := ""
		for v := range versions {
			latest = max(latest, v)
		}
		writeVersion(w, srv.URL, slug, latest, versions[latest])
	})
	mux.HandleFunc("GET /registry/{slug}/{ref}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := versions[r.PathValue("ref")]
		if r.PathValue("slug") != slug || !ok {
			http.NotFound(w, r)
			return
		}
		writeVersion(w, srv.URL, slug, r.PathValue("ref"), b)
	})
	mux.HandleFunc("GET /tarballs/{version}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := versions[r.PathValue("version")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func writeVersion(w http.ResponseWriter, base, slug, version string, tgz []byte) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"slug": slug, "type": "webapp", "version": version,
		"url": base + "/tarballs/" + version, "sha256": sum(tgz), "size": fmt.Sprint(len(tgz)),
		"created_at": "2026-01-01T00:00:00Z", "tar_prefix": "pkg", "manifest": map[string]any{"name": slug}})
}

func TestFetchRegistry(t *testing.T) {
	v1 := tarball(t, true, entry{name: "pkg/manifest.webapp", body: manifestV("1.0.0", "{}")})
	v2 := tarball(t, true, entry{name: "pkg/manifest.webapp", body: manifestV("2.0.0", "{}")})
	empty := httptest.NewServer(http.NotFoundHandler())
	defer empty.Close()
	reg := registry(t, "testapp", map[string][]byte{"1.0.0": v1, "2.0.0": v2})
	f := &apps.Fetcher{Limits: testLimits, Registries: []string{empty.URL, reg.URL + "/"}}
	dir, got, err := fetch(t, f, "registry://testapp/stable")
	if err != nil {
		t.Fatal(err)
	}
	if got.Registry == nil || got.Registry.Version != "2.0.0" || got.Checksum != sum(v2) {
		t.Fatalf("fetched %+v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "manifest.webapp")); !contains(b, `"2.0.0"`) {
		t.Fatalf("manifest %s (tar_prefix not stripped?)", b)
	}
	if _, got, err = fetch(t, f, "registry://testapp/1.0.0"); err != nil || got.Registry.Version != "1.0.0" {
		t.Fatalf("pinned version: %+v %v", got, err)
	}
	if _, _, err := fetch(t, f, "registry://nothere/stable"); !errors.Is(err, apps.ErrSourceNotFound) {
		t.Fatalf("unknown app: %v", err)
	}
	if _, _, err := fetch(t, &apps.Fetcher{}, "registry://testapp/stable"); !errors.Is(err, apps.ErrSourceNotFound) {
		t.Fatalf("no registry: %v", err)
	}
}

// gitDaemon serves a repository with two branches over git:// on loopback.
func gitDaemon(t *testing.T) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("git is not installed: %v", err)
	}
	base := t.TempDir()
	repo := filepath.Join(base, "testapp.git")
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+base)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	work := writeDir(t, map[string]string{"manifest.webapp": manifestV("1.0.0", "{}"), "index.html": "main"})
	run(work, "init", "-q", "-b", "main")
	run(work, "add", ".")
	run(work, "commit", "-q", "-m", "v1")
	run(work, "checkout", "-q", "-b", "dev")
	if err := os.WriteFile(filepath.Join(work, "manifest.webapp"), []byte(manifestV("2.0.0-dev", "{}")), 0o644); err != nil {
		t.Fatal(err)
	}
	run(work, "commit", "-q", "-am", "dev")
	run(work, "checkout", "-q", "main")
	run(base, "clone", "-q", "--bare", work, repo)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(git, "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port), "--base-path="+base, base)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 200 {
			t.Fatalf("git daemon did not start: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return "git://" + addr + "/testapp.git"
}

func TestFetchGit(t *testing.T) {
	src := gitDaemon(t)
	// Not trusted, the git server on loopback is refused before git runs.
	if _, _, err := fetch(t, &apps.Fetcher{Limits: testLimits}, src); !errors.Is(err, apps.ErrBadSource) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("untrusted git on loopback: %v", err)
	}
	f := &apps.Fetcher{Limits: testLimits, Trusted: []string{src}}
	for ref, want := range map[string]string{"": `"1.0.0"`, "#dev": `"2.0.0-dev"`} {
		dir, _, err := fetch(t, f, src+ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "manifest.webapp")); !contains(b, want) {
			t.Fatalf("%s: manifest %s", ref, b)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			t.Fatal(".git was copied")
		}
	}
	if _, _, err := fetch(t, f, src+"#nosuchbranch"); !errors.Is(err, apps.ErrSourceNotFound) {
		t.Fatalf("missing branch: %v", err)
	}
	if _, _, err := fetch(t, f, src+"#--upload-pack=evil"); !errors.Is(err, apps.ErrBadSource) {
		t.Fatalf("option as branch: %v", err)
	}
}

func TestFetchDirRefusesLinkOut(t *testing.T) {
	dir := writeDir(t, map[string]string{"manifest.webapp": manifestV("1", "{}")})
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "leak")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fetch(t, &apps.Fetcher{Limits: testLimits}, "file://"+dir); !errors.Is(err, apps.ErrUnsafeArchive) {
		t.Fatalf("link out: %v", err)
	}
	if _, _, err := fetch(t, &apps.Fetcher{Limits: testLimits}, "file:///nonexistent/dir"); !errors.Is(err, apps.ErrSourceNotFound) {
		t.Fatalf("missing dir: %v", err)
	}
}
