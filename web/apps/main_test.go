package apps_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

type env struct {
	srv  *httptest.Server
	s    *web.Server
	mgr  *instance.Manager
	inst *instance.Instance
	port string
	cli  string // a CLI token on io.cozy.apps and io.cozy.konnectors
	mode string // flat or nested sub-domains
}

// newEnv starts the real server; the instance is alice.cozy.localhost:PORT
// and its apps alice-<slug>.cozy.localhost:PORT (flat), all dialed on the
// server's loopback address.
func newEnv(t *testing.T) *env { return newEnvMode(t, config.SubdomainsFlat) }

// newEnvMode is newEnv with the given sub-domain mode.
func newEnvMode(t *testing.T, mode string) *env {
	t.Helper()
	s, mgr := webtest.Server(t, &config.Config{Subdomains: mode, BodyLimit: 1 << 20})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { s.Close() })
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: "alice.cozy.localhost:" + port, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := inst.Issue(token.CLI, "", "io.cozy.apps io.cozy.konnectors")
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, s: s, mgr: mgr, inst: inst, port: port, cli: cli, mode: mode}
}

// url returns an address on the instance ("") or on an app's sub-domain.
func (e *env) url(slug, path string) string {
	host := "alice.cozy.localhost:" + e.port
	switch {
	case slug != "" && e.mode == config.SubdomainsNested:
		host = slug + ".alice.cozy.localhost:" + e.port
	case slug != "":
		host = "alice-" + slug + ".cozy.localhost:" + e.port
	}
	return "http://" + host + path
}

// client is a browser-like client: a cookie jar, no redirects followed,
// every host dialed on the test server.
func (e *env) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	addr := e.srv.Listener.Addr().String()
	tr := &http.Transport{DisableCompression: true, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login opens a session and puts its cookie in c's jar for the instance.
func (e *env) login(t *testing.T, c *http.Client) *session.Session {
	t.Helper()
	s, err := e.s.Sessions.Create(context.Background(), e.inst, false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.url("", "/"))
	c.Jar.SetCookies(u, []*http.Cookie{session.Cookie(e.inst, s, false)})
	return s
}

type result struct {
	status int
	body   []byte
	header http.Header
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return m
}

func do(t *testing.T, c *http.Client, method, u, body string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return result{res.StatusCode, b, res.Header}
}

// api calls the instance's API with the CLI token.
func (e *env) api(t *testing.T, method, path string, hdr ...string) result {
	t.Helper()
	return do(t, e.client(t), method, e.url("", path), "", append(hdr, "Authorization", "Bearer "+e.cli)...)
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

// serve answers path with body on loopback.
func serve(t *testing.T, files map[string][]byte) *httptest.Server {
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
	res := e.api(t, "POST", "/apps/"+slug+"?Source="+url.QueryEscape(source))
	if res.status != http.StatusAccepted {
		t.Fatalf("install %s: %d %s", slug, res.status, res.body)
	}
	e.s.Apps.Apps.Wait()
	got := e.api(t, "GET", "/apps/"+slug)
	if got.status != http.StatusOK {
		t.Fatalf("show %s: %d %s", slug, got.status, got.body)
	}
	return got.json(t)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
