package apps_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
)

// TestLauncherPage: with no home app, GET / with a session lists the
// ready apps (name, icon of the installed version, link to the app) in
// the instance's language, with a logout form; its page headers are the
// server's own pages'.
func TestLauncherPage(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	fr, err := e.Instances.Create(context.Background(), instance.Options{Domain: "fr." + e.Inst.Domain, Locale: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Instances.SetPassphrase(context.Background(), fr.Domain, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	e.installIn(t, fr, "testapp", testappSource(t))
	c := e.client()
	s, err := e.Server.Sessions.Create(context.Background(), fr, false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(fr.URL())
	c.Jar.SetCookies(u, []*http.Cookie{session.Cookie(fr, s, false)})
	res, body := e.Do(t, c, "GET", fr.PageURL("/"), "", "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("launcher: %d %s", res.StatusCode, body)
	}
	for _, want := range []string{`lang="fr"`, "Vos applications", `href="` + fr.AppURL("testapp") + `"`,
		`src="/apps/testapp/icon/1.0.0"`, "Cozy Test App", `id="logout"`, `name="csrf_token"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in %s", want, body)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}
