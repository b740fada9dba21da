package apps_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestBrowser installs the test app from its directory and from a
// tarball of a configured registry (as a second app), logs in through the
// real login form in headless Chromium, and checks that the app's index
// got a working token its script used to write and read /data, and that
// the same token is refused from the other app's origin. The instance is
// alice.localhost:PORT and its apps on nested sub-domains
// (<slug>.alice.localhost), which Chromium resolves and sees as one site.
func TestBrowser(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	alice := e.alice(t)
	const passphrase = "the app test passphrase"
	if _, err := e.Instances.SetPassphrase(context.Background(), alice.Domain, passphrase); err != nil {
		t.Fatal(err)
	}
	e.installIn(t, alice, "testapp", testappSource(t))
	srv := e.serve(t, true, map[string][]byte{"/testapp.tgz": tarGz(t, "testdata/testapp")})
	e.installIn(t, alice, "other", srv.URL+"/testapp.tgz")

	out := webtest.Script{Path: "apps-browser.mjs", Args: []string{alice.AppURL("testapp"), alice.AppURL("other"), alice.Origin(), passphrase},
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
	if login.Host != alice.Domain || login.Path != "/auth/login" {
		t.Errorf("not sent to the login page: %s", got.LoginURL)
	}
	if got.AppURL != alice.AppURL("testapp") || got.OtherURL != alice.AppURL("other") {
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
