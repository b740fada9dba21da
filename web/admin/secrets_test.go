package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestRemoteSecrets(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	inst, err := m.Create(context.Background(), instance.Options{Domain: "alice.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	(&admin.Handler{Instances: m, Log: log}).Register(r)
	e, url := serve(t, r)

	const base = "/instances/alice.localhost/remote_secrets/org.example"
	steps := []struct {
		name, method, path, body string
		want                     int
		wantBody                 string
	}{
		{"set", "PUT", base + "/token", `{"value":"s3cret"}`, 204, ""},
		{"set another", "PUT", base + "/user", `{"value":"alice"}`, 204, ""},
		{"list names only", "GET", base, "", 200, `{"doctype":"org.example","names":["token","user"]}`},
		{"bad body", "PUT", base + "/token", `s3cret`, 400, ""},
		{"empty value", "PUT", base + "/token", `{"value":""}`, 400, ""},
		{"reserved name", "PUT", base + "/_rev", `{"value":"x"}`, 400, ""},
		{"bad doctype", "PUT", "/instances/alice.localhost/remote_secrets/..x/token", `{"value":"x"}`, 400, ""},
		{"unknown instance", "PUT", "/instances/bob.localhost/remote_secrets/org.example/token", `{"value":"x"}`, 404, ""},
		{"delete", "DELETE", base + "/user", "", 204, ""},
		{"delete again", "DELETE", base + "/user", "", 404, ""},
		{"list after delete", "GET", base, "", 200, `{"doctype":"org.example","names":["token"]}`},
	}
	var scenarios []webtest.Scenario
	for _, s := range steps {
		sc := webtest.Scenario{Name: s.name, Method: s.method, URL: url + s.path, Body: s.body, ExpectedStatus: s.want,
			NotExpectedContent: []string{"s3cret"}}
		if s.wantBody != "" {
			want := s.wantBody
			sc.After = func(t *testing.T, _ *http.Response, body string) {
				if body != want {
					t.Fatalf("body %s, want %s", body, want)
				}
			}
		}
		scenarios = append(scenarios, sc)
	}
	e.Run(t, scenarios)
	st, err := m.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := (remote.StoreSecrets{Store: st}).Get(context.Background(), "org.example", "token"); err != nil || v != "s3cret" {
		t.Fatalf("stored secret = %q, %v", v, err)
	}
}
