package apps_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/webtest"
)

func TestInstallFromDirectoryAndAPI(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	doc := e.install(t, "testapp", testappSource(t))
	if attr(doc, "data", "attributes", "state") != "ready" || attr(doc, "data", "id") != "io.cozy.apps/testapp" {
		t.Fatalf("show: %v", doc)
	}
	for _, k := range []string{"services", "notifications", "intents", "permissions", "routes", "version", "icon"} {
		if attr(doc, "data", "attributes", k) == nil {
			t.Errorf("attribute %s missing: %v", k, doc)
		}
	}
	if attr(doc, "data", "attributes", "services", "count", "trigger") != "@event io.cozy.contacts:CREATED" {
		t.Errorf("service not stored: %v", attr(doc, "data", "attributes", "services"))
	}
	if attr(doc, "data", "links", "related") != e.url("testapp", "/") {
		t.Errorf("related link %v", attr(doc, "data", "links", "related"))
	}
	if p, err := e.Server.Perms.ForApp(context.Background(), e.Inst, "testapp"); err != nil || p.Rules[0].Type != "io.cozy.contacts" {
		t.Fatalf("permission doc %+v %v", p, err)
	}
	e.install(t, "second", testappSource(t))

	isJSONAPI := map[string]string{"Content-Type": "application/vnd.api+json"}
	e.Run(t, []webtest.Scenario{
		{Name: "list, first page", Method: "GET", URL: "/apps/?limit=1", Token: e.cli, ExpectedStatus: 200, ExpectedHeaders: isJSONAPI,
			ExpectedContent: []string{`"count":1`, `"next":"/apps/?limit=1\u0026start_key=io.cozy.apps%2Ftestapp"`}},
		{Name: "list, last page", Method: "GET", URL: "/apps/?limit=1&start_key=io.cozy.apps%2Ftestapp", Token: e.cli, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"io.cozy.apps/testapp"`}, NotExpectedContent: []string{`"next"`, "second"}},
		{Name: "list, bad limit", Method: "GET", URL: "/apps/?limit=x", Token: e.cli, ExpectedStatus: 400, ExpectedHeaders: isJSONAPI},
		{Name: "list without a token", Method: "GET", URL: "/apps/", ExpectedStatus: 401},
		{Name: "list with a token for another doctype", Method: "GET", URL: "/apps/", Token: e.Token(t, "io.cozy.files"), ExpectedStatus: 403},
		{Name: "icon", Method: "GET", URL: "/apps/testapp/icon", Token: e.cli, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "image/svg+xml"}, ExpectedContent: []string{"<svg"}},
		{Name: "download", Method: "GET", URL: "/apps/testapp/download", Token: e.cli, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "application/gzip"},
			After: func(t *testing.T, _ *http.Response, body string) {
				if !tarHas(t, []byte(body), "manifest.webapp") {
					t.Fatal("no manifest in the tarball")
				}
			}},
		{Name: "download of the version", Method: "GET", URL: "/apps/testapp/download/1.0.0", Token: e.cli, ExpectedStatus: 200},
		{Name: "download of an unknown version", Method: "GET", URL: "/apps/testapp/download/0.0.1", Token: e.cli, ExpectedStatus: http.StatusPreconditionFailed},
		{Name: "open", Method: "GET", URL: "/apps/testapp/open", Token: e.cli, ExpectedStatus: 200,
			ExpectedContent: []string{`"AppSlug":"testapp"`, `"Cookie":"cozysessid=`, `"type":"io.cozy.apps.open"`},
			After: func(t *testing.T, _ *http.Response, body string) {
				if tok, _ := attr(decode(t, body), "data", "attributes", "Token").(string); len(tok) < 20 {
					t.Fatalf("no token: %s", body)
				}
			}},
		{Name: "logs", Method: "POST", URL: "/apps/testapp/logs?job_id=1", Token: e.cli, ExpectedStatus: 204,
			Body: `[{"timestamp":"2026-01-01T00:00:00Z","level":"info","msg":"hello"}]`},
		{Name: "logs with a bad level", Method: "POST", URL: "/apps/testapp/logs", Token: e.cli, Body: `[{"level":"loud","msg":"x"}]`, ExpectedStatus: 422},
		{Name: "logs with bad JSON", Method: "POST", URL: "/apps/testapp/logs", Token: e.cli, Body: `{`, ExpectedStatus: 400},
		{Name: "logs too large", Method: "POST", URL: "/apps/testapp/logs", Token: e.cli, Body: `[{"msg":"` + strings.Repeat("x", 1<<20) + `"}]`,
			ExpectedStatus: http.StatusRequestEntityTooLarge},
		{Name: "logs of a missing app", Method: "POST", URL: "/apps/nothere/logs", Token: e.cli, Body: `[]`, ExpectedStatus: 404},
		// Uninstall: document, permission, files and sub-domain gone.
		{Name: "uninstall", Method: "DELETE", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 204},
		{Name: "after uninstall", Method: "GET", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 404, ExpectedHeaders: isJSONAPI,
			After: func(t *testing.T, _ *http.Response, _ string) {
				if _, err := e.Server.Perms.ForApp(context.Background(), e.Inst, "testapp"); err == nil || !strings.Contains(err.Error(), permstore.ErrNotFound.Error()) {
					t.Fatalf("permission after uninstall: %v", err)
				}
			}},
		{Name: "sub-domain after uninstall", Method: "GET", URL: e.url("testapp", "/"), Client: e.client(), ExpectedStatus: 404},
	})
}

func tarHas(t *testing.T, b []byte, name string) bool {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			return true
		}
	}
}
