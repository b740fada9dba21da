package apps_test

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	appsweb "github.com/cozypi/cozy/web/apps"
	"github.com/cozypi/cozy/web/webtest"
)

func TestSharedAssets(t *testing.T) {
	if _, err := fs.Stat(appsweb.SharedAssets(), "js/cozy-bar.min.js"); err != nil {
		t.Fatalf("the shared assets are not fetched: run make assets (then rebuild): %v", err)
	}
	e := newEnv(t, config.SubdomainsNested)
	cached := map[string]string{"Cache-Control": "public, max-age=86400"}
	asset := func(path, ctype string) webtest.Scenario {
		return webtest.Scenario{Name: path, Method: "GET", URL: path, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": ctype, "Cache-Control": cached["Cache-Control"]},
			After: func(t *testing.T, res *http.Response, _ string) {
				if res.Header.Get("ETag") == "" {
					t.Fatal("no ETag")
				}
			}}
	}
	res, _ := e.get(t, nil, e.url("", "/assets/js/cozy-bar.min.js"))
	e.Run(t, []webtest.Scenario{
		asset("/assets/js/cozy-bar.min.js", "text/javascript; charset=utf-8"),
		asset("/assets/css/cozy-bar.min.css", "text/css; charset=utf-8"),
		asset("/assets/js/cozy-client.min.js", "text/javascript; charset=utf-8"),
		asset("/assets/fonts/fonts.css", "text/css; charset=utf-8"),
		asset("/assets/fonts/lato-latin-400.woff2", "font/woff2"),
		{Name: "readme", Method: "GET", URL: "/assets/README.md", ExpectedStatus: 404},
		{Name: "stamp", Method: "GET", URL: "/assets/.stamp", ExpectedStatus: 404},
		{Name: "climbing", Method: "GET", URL: "/assets/../assets/.gitignore", ExpectedStatus: 404},
		{Name: "missing", Method: "GET", URL: "/assets/nope.js", ExpectedStatus: 404},
		{Name: "If-None-Match", Method: "GET", URL: "/assets/js/cozy-bar.min.js", ExpectedStatus: http.StatusNotModified,
			Headers: map[string]string{"If-None-Match": res.Header.Get("ETag")}},
		{Name: "gzip", Method: "GET", URL: "/assets/fonts/fonts.css", ExpectedStatus: 200, Headers: map[string]string{"Accept-Encoding": "gzip"}},
	})

	// The index's helpers point at them, on the instance's public origin.
	e.install(t, "testapp", testappSource(t))
	c := e.client()
	e.login(t, c)
	_, page := enterApp(t, e, c, "testapp", "/")
	want := `<script src="` + e.Inst.Origin() + `/assets/js/cozy-client.min.js"></script>`
	if !strings.Contains(page, want) {
		t.Fatalf("index lacks %s:\n%s", want, page)
	}
}
