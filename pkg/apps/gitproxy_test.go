package apps

import (
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/remote"
)

// gitHTTP serves a bare repository with a manifest over git's smart HTTP
// protocol (git http-backend) on loopback.
func gitHTTP(t *testing.T) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("git is not installed: %v", err)
	}
	out, err := exec.Command(git, "--exec-path").Output()
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	work := filepath.Join(base, "work")
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+base)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, b)
		}
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "manifest.webapp"), []byte(`{"name":"x","version":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	run(work, "init", "-q", "-b", "main")
	run(work, "add", ".")
	run(work, "commit", "-q", "-m", "v1")
	run(base, "clone", "-q", "--bare", work, filepath.Join(base, "app.git"))
	h := &cgi.Handler{Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"),
		Env: []string{"GIT_PROJECT_ROOT=" + base, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/app.git"
}

// TestGitThroughProxy clones over http through the clone's proxy: with a
// guard trusting the server it works; with one trusting nothing the
// proxy refuses the loopback server and the clone fails.
func TestGitThroughProxy(t *testing.T) {
	repo := gitHTTP(t)
	u, _ := url.Parse(repo)
	clone := func(trusted []string) error {
		g, err := remote.NewGuarded(remote.ClientConfig{AllowCustomPort: true}, trusted)
		if err != nil {
			t.Fatal(err)
		}
		p, err := startGitProxy(g)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		dst := filepath.Join(t.TempDir(), "repo")
		cmd := exec.Command("git", "-c", "http.proxy="+p.URL(), "clone", "--quiet", "--depth", "1", "--", repo, dst)
		cmd.Env = append(gitEnv(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
		if b, err := cmd.CombinedOutput(); err != nil {
			return errors.New(string(b))
		}
		if _, err := os.Stat(filepath.Join(dst, "manifest.webapp")); err != nil {
			return err
		}
		return nil
	}
	if err := clone([]string{u.Scheme + "://" + u.Host}); err != nil {
		t.Fatalf("through the proxy, trusted: %v", err)
	}
	if err := clone(nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("through the proxy, untrusted loopback: %v", err)
	}

	// The proxy answers CONNECT the same way.
	g, _ := remote.NewGuarded(remote.ClientConfig{AllowCustomPort: true}, nil)
	p, err := startGitProxy(g)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pu, _ := url.Parse(p.URL())
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	if _, err := c.Get("https://" + u.Host + "/"); err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("CONNECT to loopback: %v", err)
	}

	// And the fetcher refuses an untrusted loopback git server up front.
	f := &Fetcher{Limits: DefaultLimits}
	if err := f.git(t.Context(), u, t.TempDir()); !errors.Is(err, ErrBadSource) {
		t.Fatalf("untrusted http git on loopback: %v", err)
	}
}
