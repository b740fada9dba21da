package apps_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
)

// enterApp follows the session hand-off: app -> instance -> app with a
// code -> the page; it returns the page.
func enterApp(t *testing.T, e *env, c *http.Client, slug, path string) (*http.Response, string) {
	t.Helper()
	res, body := e.get(t, c, e.url(slug, path))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("private page without session: %d %s", res.StatusCode, body)
	}
	for i := 0; i < 4 && res.StatusCode == http.StatusSeeOther; i++ {
		loc := res.Header.Get("Location")
		if strings.HasPrefix(loc, "/") {
			loc = e.url(slug, loc)
		}
		res, body = e.get(t, c, loc)
	}
	return res, body
}

func TestServeApp(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	e.install(t, "testapp", testappSource(t))
	e.install(t, "other", testappSource(t))
	c := e.client()

	// Without a session: to the instance, which sends to the login page.
	res, _ := e.get(t, c, e.url("testapp", "/?x=1"))
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc != e.url("", "/apps/testapp/session?redirect=%2F%3Fx%3D1") {
		t.Fatalf("no session: %d %q", res.StatusCode, loc)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "instance without session", Method: "GET", URL: loc, Client: c, ExpectedStatus: http.StatusSeeOther,
			After: func(t *testing.T, res *http.Response, _ string) {
				if !strings.HasPrefix(res.Header.Get("Location"), "/auth/login?redirect=") {
					t.Fatalf("to %q", res.Header.Get("Location"))
				}
			}},
		{Name: "forged code", Method: "GET", URL: e.url("testapp", "/.cozy/session?code=abc.def"), Client: c, ExpectedStatus: 400},
	})

	e.login(t, c)
	page, body := enterApp(t, e, c, "testapp", "/")
	if page.StatusCode != 200 || page.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("index: %d %v %s", page.StatusCode, page.Header, body)
	}
	if cc := page.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("index Cache-Control %q", cc)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' "+e.Inst.Origin()+" ws://"+e.Inst.Domain) {
		t.Errorf("CSP %q", csp)
	}
	tok := regexp.MustCompile(`data-cozy-token="([^"]+)"`).FindStringSubmatch(body)
	if tok == nil || !strings.Contains(body, `data-cozy-domain="`+e.Inst.Domain+`"`) {
		t.Fatalf("index not rendered: %s", body)
	}
	token := tok[1]

	// The token works from its app's origin with the session cookie, and
	// is refused from another app's origin or without the cookie.
	write := func(name string, c *http.Client, origin string, status int) webtest.Scenario {
		return webtest.Scenario{Name: name, Method: "POST", URL: "/data/io.cozy.contacts/", Body: `{"n":1}`, Token: token, Client: c,
			Headers: map[string]string{"Origin": origin}, ExpectedStatus: status}
	}
	asset := e.url("testapp", "/js/app.0123456789abcdef.js")
	anon := e.client()
	e.Run(t, []webtest.Scenario{
		write("from the app's origin", c, e.Inst.AppOrigin("testapp"), http.StatusCreated),
		write("from another app's origin", c, e.Inst.AppOrigin("other"), http.StatusUnauthorized),
		write("without the session cookie", e.client(), e.Inst.AppOrigin("testapp"), http.StatusUnauthorized),
		{Name: "hashed asset", Method: "GET", URL: asset, Client: c, ExpectedStatus: 200, ExpectedHeaders: map[string]string{
			"Cache-Control": "public, max-age=31536000, immutable", "Content-Type": "text/javascript; charset=utf-8"},
			After: func(t *testing.T, res *http.Response, body string) {
				e.Test(t, webtest.Scenario{Method: "GET", URL: asset, Client: c, Headers: map[string]string{"If-None-Match": res.Header.Get("ETag")},
					ExpectedStatus: http.StatusNotModified})
				gz, zipped := e.get(t, c, asset, "Accept-Encoding", "gzip, br")
				if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("Vary") != "Accept-Encoding" {
					t.Fatalf("gzip: %v", gz.Header)
				}
				zr, err := gzip.NewReader(strings.NewReader(zipped))
				if err != nil {
					t.Fatal(err)
				}
				if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, []byte(body)) {
					t.Fatal("gzipped body differs")
				}
			}},
		{Name: "icon", Method: "GET", URL: e.url("testapp", "/icon.svg"), Client: c, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "image/svg+xml", "Cache-Control": "no-cache"}},
		{Name: "missing file", Method: "GET", URL: e.url("testapp", "/nope.js"), Client: c, ExpectedStatus: 404},
		{Name: "climbing path", Method: "GET", URL: e.url("testapp", "/%2e%2e/%2e%2e/manifest.webapp"), Client: c, ExpectedStatus: 404},
		{Name: "POST to an app", Method: "POST", URL: e.url("testapp", "/"), Client: c, ExpectedStatus: http.StatusMethodNotAllowed},
		// The public route: no session needed, no token given.
		{Name: "public route", Method: "GET", URL: e.url("testapp", "/public"), Client: anon, ExpectedStatus: 200,
			ExpectedContent: []string{"[]", ">false<"}},
		{Name: "app not installed", Method: "GET", URL: e.url("nothere", "/"), Client: anon, ExpectedStatus: 404},
		// The redirect after the hand-off stays on the app.
		{Name: "no open redirect", Method: "GET", URL: e.url("", "/apps/testapp/session?redirect="+url.QueryEscape("//evil.example/")), Client: c,
			ExpectedStatus: http.StatusSeeOther, After: func(t *testing.T, res *http.Response, _ string) {
				next, _ := url.Parse(res.Header.Get("Location"))
				if next.Query().Get("redirect") != "/" || next.Host != e.Inst.AppHost("testapp") {
					t.Fatalf("open redirect: %q", res.Header.Get("Location"))
				}
			}},
	})
}

// TestServeStaysInTheFolder checks that a file of an installed app is
// read through its folder only: a symbolic link inside pointing out of
// it, to a file or a directory, and "../" paths are refused (404).
func TestServeStaysInTheFolder(t *testing.T) {
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
	pub := filepath.Join(e.Server.Apps.Root(e.Inst, a), "public")
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(pub, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(pub, "out")); err != nil {
		t.Fatal(err)
	}
	anon := e.client()
	var scenarios []webtest.Scenario
	for _, p := range []string{"/public/leak.txt", "/public/out/secret.txt", "/public/../../../secret.txt", "/public/%2e%2e/manifest.webapp",
		"/public/..%2f..%2fmanifest.webapp"} {
		scenarios = append(scenarios, webtest.Scenario{Name: p, Method: "GET", URL: e.url("testapp", p), Client: anon,
			ExpectedStatus: 404, NotExpectedContent: []string{"the secret", outside}})
	}
	e.Run(t, scenarios)
}

// TestServeFlat serves an app on a flat sub-domain
// (<name>-<slug>.<rest>) and hands the session over to it. The instance
// needs a dotted name: alice.localhost:PORT, reached with e.client().
func TestServeFlat(t *testing.T) {
	e := newEnv(t, config.SubdomainsFlat)
	alice := e.alice(t)
	c := e.client()
	cli, err := alice.Issue(token.CLI, "", "io.cozy.apps")
	if err != nil {
		t.Fatal(err)
	}
	res, body := e.Do(t, c, "POST", alice.URL()+"apps/testapp?Source="+url.QueryEscape(testappSource(t)), cli, "", nil)
	if res.StatusCode != http.StatusAccepted || attr(decode(t, body), "data", "links", "related") != "http://alice-testapp."+e.Inst.Domain+"/" {
		t.Fatalf("install: %d %s", res.StatusCode, body)
	}
	e.Server.Apps.Wait()
	e.Test(t, webtest.Scenario{Method: "GET", URL: alice.AppOrigin("testapp") + "/public", Client: c, ExpectedStatus: 200})
	s, err := e.Server.Sessions.Create(t.Context(), alice, false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(alice.URL())
	c.Jar.SetCookies(u, []*http.Cookie{session.Cookie(alice, s, false)})
	res, _ = e.get(t, c, alice.AppURL("testapp"))
	for i := 0; i < 4 && res.StatusCode == http.StatusSeeOther; i++ {
		loc := res.Header.Get("Location")
		if strings.HasPrefix(loc, "/") {
			loc = alice.AppOrigin("testapp") + loc
		}
		res, body = e.get(t, c, loc)
	}
	if res.StatusCode != 200 || !strings.Contains(body, `data-cozy-token="ey`) || !strings.Contains(body, "flat_subdomains&#34;:true") {
		t.Fatalf("index: %d %s", res.StatusCode, body)
	}
}

// TestPublicURLFromConfiguration checks that links, redirects, the CSP
// and the session cookie of the apps follow the configured scheme, not
// how the request came in (plain http on loopback here).
func TestPublicURLFromConfiguration(t *testing.T) {
	w := webtest.NewEnv(t, &config.Config{Scheme: "https", Subdomains: config.SubdomainsNested, BodyLimit: 1 << 20}, instanceOptions())
	t.Cleanup(w.Server.Apps.Close)
	e := &env{Env: w, cli: w.Token(t, "io.cozy.apps io.cozy.konnectors")}
	doc := e.install(t, "testapp", testappSource(t))
	if attr(doc, "data", "links", "related") != "https://"+e.Inst.AppHost("testapp")+"/" {
		t.Fatalf("related link %v", attr(doc, "data", "links", "related"))
	}
	c := e.client()
	appURL := "http://" + e.Inst.AppHost("testapp")
	res, _ := e.get(t, c, appURL+"/")
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "https://"+e.Inst.Domain+"/apps/testapp/session?") {
		t.Fatalf("to the instance: %q", loc)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://"+e.Inst.Domain+" wss://"+e.Inst.Domain) {
		t.Fatalf("CSP %q", csp)
	}
	e.login(t, c)
	res, _ = e.get(t, c, e.url("", "/apps/testapp/session?redirect=%2F"))
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "https://"+e.Inst.AppHost("testapp")+"/.cozy/session?code=") {
		t.Fatalf("hand-over: %q", loc)
	}
	res, _ = e.get(t, c, strings.Replace(loc, "https://", "http://", 1))
	if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, "cozysessid=") || !strings.Contains(sc, "Secure") {
		t.Fatalf("session cookie without Secure: %q", sc)
	}
}
