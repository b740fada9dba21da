package apps_test

import (
	"net/http"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestIconWithSessionCookie: Home shows the apps' icons with
// <img src=".../apps/:slug/icon/:version">, which carries the session
// cookie and no token. Before: 401 for the cookie, and 404 for the
// versioned path.
func TestIconWithSessionCookie(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	e.install(t, "testapp", testappSource(t))
	browser := e.client()
	e.login(t, browser)
	anonymous := e.client()
	svg := map[string]string{"Content-Type": "image/svg+xml"}
	e.Run(t, []webtest.Scenario{
		{Name: "icon with the cookie", Method: "GET", URL: "/apps/testapp/icon", Client: browser, ExpectedStatus: 200,
			ExpectedHeaders: svg, ExpectedContent: []string{"<svg"}},
		{Name: "icon of the installed version", Method: "GET", URL: "/apps/testapp/icon/1.0.0", Client: browser, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=31536000, immutable"}},
		{Name: "icon of another version", Method: "GET", URL: "/apps/testapp/icon/0.9.0", Client: browser, ExpectedStatus: 200,
			After: func(t *testing.T, res *http.Response, _ string) {
				if cc := res.Header.Get("Cache-Control"); cc == "public, max-age=31536000, immutable" {
					t.Fatalf("another version's icon cached for good: %s", cc)
				}
			}},
		{Name: "icon with a token", Method: "GET", URL: "/apps/testapp/icon/1.0.0", Token: e.cli, ExpectedStatus: 200},
		{Name: "icon without credentials", Method: "GET", URL: "/apps/testapp/icon/1.0.0", Client: anonymous, ExpectedStatus: 401},
		{Name: "icon of an app not installed", Method: "GET", URL: "/apps/nope/icon", Client: browser, ExpectedStatus: 404},
	})
}
