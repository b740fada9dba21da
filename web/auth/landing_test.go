package auth_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/web/webtest"
)

// writeApp writes a minimal web app with an icon and returns its source.
func writeApp(t *testing.T, slug string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.webapp": `{"name":"` + slug + `","name_prefix":"Cozy","slug":"` + slug + `","icon":"icon.svg","version":"2.0.0","permissions":{}}`,
		"index.html":      "<!DOCTYPE html><title>" + slug + "</title>",
		"icon.svg":        `<svg xmlns="http://www.w3.org/2000/svg"/>`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + dir
}

// TestLandingAfterLogin: after login (no redirect asked) and on GET / with
// a session, the user lands in the home app, as upstream; with no home
// app, GET / lists the installed apps with their icons and links. Before,
// both led to the server's logged-in page ("you are logged in"), a dead
// end.
func TestLandingAfterLogin(t *testing.T) {
	e := newEnv(t, nil)
	t.Cleanup(e.Server.Apps.Close)
	c := browser(t)
	onboard(t, e, c)
	install := func(slug string) {
		t.Helper()
		op, err := e.Server.Apps.Install(t.Context(), e.Inst, apps.Request{Kind: apps.Webapp, Slug: slug, Source: writeApp(t, slug), PermissionsAcked: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := op.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	login := func() string {
		t.Helper()
		res, body := e.Do(t, c, "POST", "/auth/login", "", `{"passphrase":"`+secret(t, e, passphrase)+`"}`,
			map[string]string{"Content-Type": "application/json", "Accept": "application/json"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("login: %d %s", res.StatusCode, body)
		}
		return body
	}
	if body := login(); !strings.Contains(body, `"redirect":"`+e.Inst.PageURL("/")+`"`) {
		t.Fatalf("login without apps: %s", body)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "launcher without apps", Client: c, Method: "GET", URL: "/", ExpectedStatus: 200,
			ExpectedContent: []string{"No application is installed yet"}},
		{Name: "not logged in", Method: "GET", URL: "/", ExpectedStatus: http.StatusSeeOther,
			ExpectedHeaders: map[string]string{"Location": e.Inst.PageURL("/auth/login")}},
	})
	install("drive")
	e.Run(t, []webtest.Scenario{
		{Name: "launcher lists drive", Client: c, Method: "GET", URL: "/", ExpectedStatus: 200,
			ExpectedContent: []string{`href="` + e.Inst.AppURL("drive") + `"`, `src="/apps/drive/icon/2.0.0"`, "Cozy drive"}},
		{Name: "its icon with the cookie", Client: c, Method: "GET", URL: "/apps/drive/icon/2.0.0", ExpectedStatus: 200,
			ExpectedContent: []string{"<svg"}},
	})
	install("home")
	if body := login(); !strings.Contains(body, `"redirect":"`+e.Inst.AppURL("home")+`"`) {
		t.Fatalf("login with home: %s", body)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "root goes home", Client: c, Method: "GET", URL: "/", ExpectedStatus: http.StatusSeeOther,
			ExpectedHeaders: map[string]string{"Location": e.Inst.AppURL("home")}},
		{Name: "an asked redirect wins", Client: c, Method: "POST", URL: "/auth/login",
			Body:    `{"passphrase":"` + secret(t, e, passphrase) + `","redirect":"` + e.Inst.AppURL("drive") + `"}`,
			Headers: map[string]string{"Content-Type": "application/json", "Accept": "application/json"}, ExpectedStatus: 200,
			ExpectedContent: []string{`"redirect":"` + e.Inst.AppURL("drive") + `"`}},
	})
}
