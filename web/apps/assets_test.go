package apps_test

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"

	appsweb "github.com/cozypi/cozy/web/apps"
)

func TestSharedAssets(t *testing.T) {
	if _, err := fs.Stat(appsweb.SharedAssets(), "js/cozy-bar.min.js"); err != nil {
		t.Fatalf("the shared assets are not fetched: run make assets (then rebuild): %v", err)
	}
	e := newEnv(t)
	c := e.client(t)
	cases := []struct {
		path, ctype string
		status      int
	}{
		{"/assets/js/cozy-bar.min.js", "text/javascript; charset=utf-8", 200},
		{"/assets/css/cozy-bar.min.css", "text/css; charset=utf-8", 200},
		{"/assets/js/cozy-client.min.js", "text/javascript; charset=utf-8", 200},
		{"/assets/fonts/fonts.css", "text/css; charset=utf-8", 200},
		{"/assets/fonts/lato-latin-400.woff2", "font/woff2", 200},
		{"/assets/README.md", "", 404},
		{"/assets/.stamp", "", 404},
		{"/assets/../assets/.gitignore", "", 404},
		{"/assets/nope.js", "", 404},
	}
	for _, tc := range cases {
		res := do(t, c, "GET", e.url("", tc.path), "")
		if res.status != tc.status || (tc.ctype != "" && res.header.Get("Content-Type") != tc.ctype) {
			t.Errorf("%s: %d %q", tc.path, res.status, res.header.Get("Content-Type"))
		}
		if res.status == 200 && (res.header.Get("ETag") == "" || res.header.Get("Cache-Control") != "public, max-age=86400") {
			t.Errorf("%s: caching headers %v", tc.path, res.header)
		}
	}
	res := do(t, c, "GET", e.url("", "/assets/js/cozy-bar.min.js"), "")
	if again := do(t, c, "GET", e.url("", "/assets/js/cozy-bar.min.js"), "", "If-None-Match", res.header.Get("ETag")); again.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", again.status)
	}
	if gz := do(t, c, "GET", e.url("", "/assets/fonts/fonts.css"), "", "Accept-Encoding", "gzip"); gz.status != 200 {
		t.Errorf("gzip: %d", gz.status)
	}

	// The index's helpers point at them, on the instance's domain.
	e.install(t, "testapp", testappSource(t))
	e.login(t, c)
	page := enterApp(t, e, c, "testapp", "/")
	want := `<script src="//alice.cozy.localhost:` + e.port + `/assets/js/cozy-client.min.js"></script>`
	if !strings.Contains(string(page.body), want) {
		t.Fatalf("index lacks %s:\n%s", want, page.body)
	}
}
