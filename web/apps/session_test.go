package apps_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestSessionCodes checks that the codes handing a session to an app's
// sub-domain are single-use and bound to their app, and that upstream's
// ?session_code= (from POST /auth/session_code) opens an app's page.
func TestSessionCodes(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	e.install(t, "testapp", testappSource(t))
	e.install(t, "other", testappSource(t))
	c := e.client()
	e.login(t, c)

	// The instance hands its session over with a code in the redirect.
	handOver := func() string {
		res, _ := e.get(t, c, e.url("", "/apps/testapp/session?redirect=%2F"))
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.Inst.AppOrigin("testapp")+"/.cozy/session?code=") {
			t.Fatalf("hand-over: %d %q", res.StatusCode, loc)
		}
		return loc
	}
	loc := handOver()
	fresh := handOver()
	browser := e.client()
	code := e.Server.Codes.Issue(e.Inst.ID, "", "")
	webview := e.client()
	setsCookie := func(t *testing.T, res *http.Response, _ string) {
		if !strings.Contains(res.Header.Get("Set-Cookie"), "cozysessid=") {
			t.Fatalf("no session cookie: %v", res.Header)
		}
	}
	e.Run(t, []webtest.Scenario{
		// The code is for testapp only: presented to another app it is
		// refused, and burnt.
		{Name: "code for testapp at other", Method: "GET", URL: strings.Replace(loc, e.Inst.AppHost("testapp"), e.Inst.AppHost("other"), 1),
			Client: e.client(), ExpectedStatus: http.StatusBadRequest},
		{Name: "burnt code", Method: "GET", URL: loc, Client: e.client(), ExpectedStatus: http.StatusBadRequest},
		// A fresh code works once.
		{Name: "fresh code", Method: "GET", URL: fresh, Client: browser, ExpectedStatus: http.StatusSeeOther, After: setsCookie},
		{Name: "code used twice", Method: "GET", URL: fresh, Client: e.client(), ExpectedStatus: http.StatusBadRequest},
		{Name: "the app's page after the hand-over", Method: "GET", URL: e.url("testapp", "/"), Client: browser, ExpectedStatus: http.StatusOK},
		// Upstream's flagship flow: a code from the server opens a new
		// session where the app's page is opened, and the code leaves the URL.
		{Name: "session_code on an app page", Method: "GET", URL: e.url("testapp", "/?x=1&session_code="+code), Client: webview,
			ExpectedStatus: http.StatusSeeOther, ExpectedHeaders: map[string]string{"Location": "/?x=1"}, After: setsCookie},
		// The index's CozyData carries the server's real capabilities.
		{Name: "the app's page in the webview", Method: "GET", URL: e.url("testapp", "/?x=1"), Client: webview, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{"flat_subdomains&#34;:false", "file_versioning&#34;:false"}},
		{Name: "session_code used twice", Method: "GET", URL: e.url("testapp", "/?session_code="+code), Client: e.client(), ExpectedStatus: http.StatusBadRequest},
	})
}
