package admin_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestAppsAPI(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := instance.Open(t.TempDir(), passhash.New(fast, 2), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if _, err := m.Create(context.Background(), instance.Options{Domain: "alice.localhost"}); err != nil {
		t.Fatal(err)
	}
	am := &apps.Manager{Stores: m, Perms: permstore.New(m), Log: log, Fetcher: &apps.Fetcher{}}
	t.Cleanup(am.Wait)
	r := gin.New()
	guard := &admin.Guard{Dev: true, Hasher: passhash.New(fast, 1)}
	(&admin.Handler{Instances: m, Resolver: resolver{}, Log: log, Apps: am}).Register(r.Group("/", guard.Middleware()))
	(&admin.Handler{Instances: m, Resolver: resolver{}, Log: log}).Register(r.Group("/off", guard.Middleware()))
	e, base := serve(t, r)

	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.webapp", `{"name":"Notes","version":"1.0.0","permissions":{"n":{"type":"io.cozy.notes"}}}`)
	write("manifest.konnector", `{"name":"Bank","version":"2.0.0","type":"konnector","language":"node"}`)
	src := "?Source=file://" + dir
	cases := []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/instances/alice.localhost/apps", 200, "[]"},
		{"POST", "/instances/alice.localhost/apps/notes" + src, 200, `"state":"ready"`},
		{"POST", "/instances/alice.localhost/apps/notes" + src, 409, "already installed"},
		{"POST", "/instances/alice.localhost/konnectors/bank" + src, 200, `"version":"2.0.0"`},
		{"GET", "/instances/alice.localhost/apps", 200, `"slug":"notes"`},
		{"GET", "/instances/alice.localhost/konnectors/bank", 200, `"_id":"io.cozy.konnectors/bank"`},
		{"PUT", "/instances/alice.localhost/apps/notes", 200, `"version":"1.0.0"`},
		{"PUT", "/instances/alice.localhost/apps/notes?PermissionsAcked=x", 400, "PermissionsAcked"},
		{"POST", "/instances/alice.localhost/apps/other?Source=file:///nonexistent", 404, "not reachable"},
		{"DELETE", "/instances/alice.localhost/apps/notes", 204, ""},
		{"GET", "/instances/alice.localhost/apps/notes", 404, "not installed"},
		{"GET", "/instances/nobody.localhost/apps", 404, ""},
		{"GET", "/off/instances/alice.localhost/apps", 501, ""},
	}
	var scenarios []webtest.Scenario
	for _, c := range cases {
		scenarios = append(scenarios, webtest.Scenario{Name: c.method + " " + c.path, Method: c.method, URL: base + c.path,
			ExpectedStatus: c.status, ExpectedContent: []string{c.want}})
	}
	e.Run(t, scenarios)
}
