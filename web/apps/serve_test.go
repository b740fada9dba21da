package apps_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// enterApp follows the session hand-off: app -> instance -> app with a
// code -> the page; it returns the page.
func enterApp(t *testing.T, e *env, c *http.Client, slug, path string) result {
	t.Helper()
	res := do(t, c, "GET", e.url(slug, path), "")
	if res.status != http.StatusSeeOther {
		t.Fatalf("private page without session: %d %s", res.status, res.body)
	}
	for i := 0; i < 4 && res.status == http.StatusSeeOther; i++ {
		loc := res.header.Get("Location")
		if strings.HasPrefix(loc, "/") {
			loc = e.url(slug, loc)
		}
		res = do(t, c, "GET", loc, "")
	}
	return res
}

func TestServeApp(t *testing.T) {
	e := newEnv(t)
	e.install(t, "testapp", testappSource(t))
	e.install(t, "other", testappSource(t))
	c := e.client(t)

	// Without a session: to the instance, which sends to the login page.
	res := do(t, c, "GET", e.url("testapp", "/?x=1"), "")
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || loc != e.url("", "/apps/testapp/session?redirect=%2F%3Fx%3D1") {
		t.Fatalf("no session: %d %q", res.status, loc)
	}
	res = do(t, c, "GET", loc, "")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/auth/login?redirect=") {
		t.Fatalf("instance without session: %d %q", res.status, res.header.Get("Location"))
	}
	// A forged or foreign code is refused.
	if res := do(t, c, "GET", e.url("testapp", "/.cozy/session?code=abc.def"), ""); res.status != 400 {
		t.Fatalf("forged code: %d", res.status)
	}

	e.login(t, c)
	page := enterApp(t, e, c, "testapp", "/")
	if page.status != 200 || page.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("index: %d %v %s", page.status, page.header, page.body)
	}
	if cc := page.header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("index Cache-Control %q", cc)
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' "+e.url("", "")) {
		t.Errorf("CSP %q", csp)
	}
	tok := regexp.MustCompile(`data-cozy-token="([^"]+)"`).FindSubmatch(page.body)
	if tok == nil || !bytes.Contains(page.body, []byte(`data-cozy-domain="alice.cozy.localhost:`+e.port+`"`)) {
		t.Fatalf("index not rendered: %s", page.body)
	}
	token := string(tok[1])

	// The token works from its app's origin with the session cookie, and
	// is refused from another app's origin or without the cookie.
	read := func(c *http.Client, origin string) int {
		return do(t, c, "POST", e.url("", "/data/io.cozy.contacts/"), `{"n":1}`, "Authorization", "Bearer "+token,
			"Content-Type", "application/json", "Origin", origin).status
	}
	if st := read(c, strings.TrimSuffix(e.url("testapp", ""), "/")); st != http.StatusCreated {
		t.Fatalf("from the app's origin: %d", st)
	}
	if st := read(c, strings.TrimSuffix(e.url("other", ""), "/")); st != http.StatusUnauthorized {
		t.Fatalf("from another app's origin: %d", st)
	}
	if st := read(e.client(t), strings.TrimSuffix(e.url("testapp", ""), "/")); st != http.StatusUnauthorized {
		t.Fatalf("without the session cookie: %d", st)
	}

	// A hashed asset: immutable, ETag, 304, gzip, content type.
	asset := e.url("testapp", "/js/app.0123456789abcdef.js")
	res = do(t, c, "GET", asset, "")
	if res.status != 200 || res.header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		res.header.Get("Content-Type") != "text/javascript; charset=utf-8" || res.header.Get("ETag") == "" {
		t.Fatalf("asset: %d %v", res.status, res.header)
	}
	if res2 := do(t, c, "GET", asset, "", "If-None-Match", res.header.Get("ETag")); res2.status != http.StatusNotModified || len(res2.body) != 0 {
		t.Fatalf("If-None-Match: %d", res2.status)
	}
	gz := do(t, c, "GET", asset, "", "Accept-Encoding", "gzip, br")
	if gz.header.Get("Content-Encoding") != "gzip" || gz.header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: %v", gz.header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, res.body) {
		t.Fatal("gzipped body differs")
	}
	icon := do(t, c, "GET", e.url("testapp", "/icon.svg"), "")
	if icon.header.Get("Content-Type") != "image/svg+xml" || icon.header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("icon: %v", icon.header)
	}
	if res := do(t, c, "GET", e.url("testapp", "/nope.js"), ""); res.status != 404 {
		t.Fatalf("missing file: %d", res.status)
	}
	if res := do(t, c, "GET", e.url("testapp", "/%2e%2e/%2e%2e/manifest.webapp"), ""); res.status != 404 {
		t.Fatalf("climbing path: %d", res.status)
	}
	if res := do(t, c, "POST", e.url("testapp", "/"), ""); res.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST to an app: %d", res.status)
	}

	// The public route: no session needed, no token given.
	anon := e.client(t)
	pub := do(t, anon, "GET", e.url("testapp", "/public"), "")
	if pub.status != 200 || !bytes.Contains(pub.body, []byte("[]")) || !bytes.Contains(pub.body, []byte(">false<")) {
		t.Fatalf("public route: %d %s", pub.status, pub.body)
	}
	if res := do(t, anon, "GET", e.url("nothere", "/"), ""); res.status != 404 {
		t.Fatalf("app not installed: %d", res.status)
	}
	// The redirect after the hand-off stays on the app.
	res = do(t, c, "GET", e.url("", "/apps/testapp/session?redirect="+url.QueryEscape("//evil.example/")), "")
	next, _ := url.Parse(res.header.Get("Location"))
	if next.Query().Get("redirect") != "/" {
		t.Fatalf("open redirect: %q", res.header.Get("Location"))
	}
}

// TestServeNested serves an app on a nested sub-domain and hands the
// session over to it.
func TestServeNested(t *testing.T) {
	e := newEnvMode(t, "nested")
	doc := e.install(t, "testapp", testappSource(t))
	if attr(doc, "data", "links", "related") != "http://testapp.alice.cozy.localhost:"+e.port+"/" {
		t.Fatalf("related link %v", attr(doc, "data", "links", "related"))
	}
	c := e.client(t)
	if res := do(t, c, "GET", e.url("testapp", "/public"), ""); res.status != 200 {
		t.Fatalf("public route: %d", res.status)
	}
	e.login(t, c)
	page := enterApp(t, e, c, "testapp", "/")
	if page.status != 200 || !bytes.Contains(page.body, []byte(`data-cozy-token="ey`)) {
		t.Fatalf("index: %d %s", page.status, page.body)
	}
}
