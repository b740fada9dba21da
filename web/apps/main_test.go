package apps_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/webtest"
)

// env is webtest's real server with what the apps tests share: a CLI
// token on the apps' doctypes. The instance is localhost:PORT, its apps
// localhost-<slug>:PORT (flat) or <slug>.localhost:PORT (nested).
type env struct {
	*webtest.Env
	cli string
}

// newEnv starts the server with the given sub-domain mode; the apps
// manager is closed (its installs waited for) when the test ends.
func newEnv(t *testing.T, mode string) *env {
	t.Helper()
	w := webtest.NewEnv(t, &config.Config{Subdomains: mode, BodyLimit: 1 << 20}, instanceOptions())
	t.Cleanup(w.Server.Apps.Close)
	return &env{Env: w, cli: w.Token(t, "io.cozy.apps io.cozy.konnectors")}
}

// url returns an address on the instance (slug "") or on an app's
// sub-domain.
func (e *env) url(slug, path string) string {
	if slug == "" {
		return e.URL() + path
	}
	return e.Inst.AppOrigin(slug) + path
}

// client is a browser-like client: a cookie jar, no redirects followed,
// every host (the apps' too) dialed on the test server.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	addr := e.HTTP.Listener.Addr().String()
	tr := &http.Transport{DisableCompression: true, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login opens a session and puts its cookie in c's jar for the instance.
func (e *env) login(t *testing.T, c *http.Client) *session.Session {
	t.Helper()
	s, err := e.Server.Sessions.Create(context.Background(), e.Inst, false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.url("", "/"))
	c.Jar.SetCookies(u, []*http.Cookie{session.Cookie(e.Inst, s, false)})
	return s
}

// get sends a GET with c (headers in pairs).
func (e *env) get(t *testing.T, c *http.Client, u string, hdr ...string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return e.Do(t, c, http.MethodGet, u, "", "", h)
}

// api calls the instance's API with the CLI token.
func (e *env) api(t *testing.T, method, path string) (*http.Response, string) {
	t.Helper()
	return e.Do(t, nil, method, path, e.cli, "", nil)
}

// decode parses a JSON answer.
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return m
}

// attr digs into a JSON:API document.
func attr(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// copyApp copies testdata/testapp into a new directory, with changes
// (file name -> content) applied.
func copyApp(t *testing.T, changes map[string]string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/testapp", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/testapp", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range changes {
		if err := os.WriteFile(filepath.Join(dst, filepath.FromSlash(name)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// tarGz packs a directory under a top-level folder, as tarballs often are.
func tarGz(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: "testapp-1.0.0/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// serve answers path with body on loopback; trust makes its origin a
// configured registry of the server (so that it may be fetched from).
func (e *env) serve(t *testing.T, trust bool, files map[string][]byte) *httptest.Server {
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
	if trust {
		f := e.Server.Apps.Fetcher
		f.Registries = append(f.Registries, srv.URL)
	}
	return srv
}

func testappSource(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("testdata/testapp")
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + abs
}

// install installs an app through the API and waits for the end.
func (e *env) install(t *testing.T, slug, source string) map[string]any {
	t.Helper()
	res, body := e.api(t, "POST", "/apps/"+slug+"?Source="+url.QueryEscape(source))
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("install %s: %d %s", slug, res.StatusCode, body)
	}
	e.Server.Apps.Wait()
	res, body = e.api(t, "GET", "/apps/"+slug)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("show %s: %d %s", slug, res.StatusCode, body)
	}
	return decode(t, body)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// instanceOptions are the options of the test instance.
func instanceOptions() instance.Options { return instance.Options{Locale: "en"} }

// alice creates a second instance, alice.localhost:PORT, for what needs a
// dotted instance name: flat sub-domains, and a browser that must see the
// instance and its apps as one site (alice.localhost and
// testapp.alice.localhost). It is reached with e.client() only.
func (e *env) alice(t *testing.T) *instance.Instance {
	t.Helper()
	inst, err := e.Instances.Create(t.Context(), instance.Options{Domain: "alice." + e.Inst.Domain, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// installIn installs an app in inst through the manager and waits for it.
func (e *env) installIn(t *testing.T, inst *instance.Instance, slug, source string) {
	t.Helper()
	op, err := e.Server.Apps.Install(t.Context(), inst, apps.Request{Kind: apps.Webapp, Slug: slug, Source: source, PermissionsAcked: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(); err != nil {
		t.Fatal(err)
	}
}
