package apps_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestBrowser installs the test app from its directory and from a
// tarball (as a second app), logs in through the real login form in
// headless Chromium, and checks that the app's index got a working token
// its script used to write and read /data, and that the same token is
// refused from the other app's origin.
func TestBrowser(t *testing.T) {
	e := newEnv(t)
	const passphrase = "the app test passphrase"
	if _, err := e.mgr.SetPassphrase(context.Background(), e.inst.Domain, passphrase); err != nil {
		t.Fatal(err)
	}
	e.install(t, "testapp", testappSource(t))
	srv := serve(t, map[string][]byte{"/testapp.tgz": tarGz(t, "testdata/testapp")})
	e.install(t, "other", srv.URL+"/testapp.tgz")

	out := webtest.Script{Path: "apps-browser.mjs", Args: []string{e.url("testapp", "/"), e.url("other", "/"),
		strings.TrimSuffix(e.url("", "/"), "/"), passphrase},
		Modules: []string{"playwright-core"}, Browser: true}.Run(t)
	var got struct {
		LoginURL string
		AppURL   string
		App      struct {
			TokenMatches, HasToken bool
			Slug                   string
			CreateStatus           int
			ReadStatus             int
			ReadName               string
			Error                  string
		}
		OtherURL string
		Stolen   int
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("browser output %s: %v", out, err)
	}
	login, _ := url.Parse(got.LoginURL)
	if login.Host != "alice.cozy.localhost:"+e.port || login.Path != "/auth/login" {
		t.Errorf("not sent to the login page: %s", got.LoginURL)
	}
	if got.AppURL != e.url("testapp", "/") || got.OtherURL != e.url("other", "/") {
		t.Errorf("pages %s %s", got.AppURL, got.OtherURL)
	}
	a := got.App
	if !a.HasToken || !a.TokenMatches || a.Slug != "testapp" || a.CreateStatus != 201 || a.ReadStatus != 200 || a.ReadName != "Alice from the app" {
		t.Fatalf("the app saw %s", out)
	}
	if got.Stolen != 401 {
		t.Fatalf("the token from another app's origin answered %d", got.Stolen)
	}
}
