package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestJobsAPI(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := instance.Open(t.TempDir(), passhash.New(fast, 2), log)
	if err != nil {
		t.Fatal(err)
	}
	jm := jobs.NewManager(jobs.Config{Workers: map[string]jobs.Worker{"log": jobs.LogWorker(nil)}, Log: log}, m)
	m.OnStoreOpen(jm.Attach)
	t.Cleanup(func() { jm.Close(); m.Close() })
	inst, err := m.Create(ctx, instance.Options{Domain: "alice.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := jm.For(inst)
	if err != nil {
		t.Fatal(err)
	}
	tr := &jobs.Trigger{Type: jobs.TypeEvery, Arguments: "1h", Worker: "log"}
	if err := b.AddTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	guard := &admin.Guard{Dev: true, Hasher: passhash.New(fast, 1)}
	(&admin.Handler{Instances: m, Resolver: resolver{}, Log: log, Jobs: jm}).Register(r.Group("/", guard.Middleware()))
	(&admin.Handler{Instances: m, Resolver: resolver{}, Log: log}).Register(r.Group("/off", guard.Middleware()))
	e, base := serve(t, r)
	res, raw := e.Do(t, nil, "POST", base+"/instances/alice.localhost/jobs/queue/log", "", `{"arguments":{"x":1}}`, nil)
	var j jobs.Job
	if res.StatusCode != http.StatusAccepted || json.Unmarshal([]byte(raw), &j) != nil || j.Worker != "log" {
		t.Fatalf("push %d %s", res.StatusCode, raw)
	}
	webtest.WaitFor(t, 10*time.Second, "the job to be done", func() bool {
		res, raw := e.Do(t, nil, "GET", base+"/instances/alice.localhost/jobs/"+j.ID, "", "", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("get job %d %s", res.StatusCode, raw)
		}
		return strings.Contains(raw, `"state":"done"`)
	})
	e.Run(t, []webtest.Scenario{
		{Name: "triggers", Method: "GET", URL: base + "/instances/alice.localhost/triggers", ExpectedStatus: http.StatusOK, ExpectedContent: []string{tr.ID}},
		{Name: "launch", Method: "POST", URL: base + "/instances/alice.localhost/triggers/" + tr.ID + "/launch", ExpectedStatus: http.StatusCreated,
			ExpectedContent: []string{`"trigger_id":"` + tr.ID}},
		{Name: "unknown worker", Method: "POST", URL: base + "/instances/alice.localhost/jobs/queue/nope", Body: `{}`, ExpectedStatus: http.StatusBadRequest},
		{Name: "bad JSON", Method: "POST", URL: base + "/instances/alice.localhost/jobs/queue/log", Body: `{`, ExpectedStatus: http.StatusBadRequest},
		{Name: "unknown instance", Method: "POST", URL: base + "/instances/bob.localhost/jobs/queue/log", Body: `{}`, ExpectedStatus: http.StatusNotFound},
		{Name: "unknown job", Method: "GET", URL: base + "/instances/alice.localhost/jobs/missing", ExpectedStatus: http.StatusNotFound},
		{Name: "unknown trigger", Method: "POST", URL: base + "/instances/alice.localhost/triggers/missing/launch", ExpectedStatus: http.StatusNotFound},
		{Name: "jobs off", Method: "GET", URL: base + "/off/instances/alice.localhost/triggers", ExpectedStatus: http.StatusNotImplemented},
	})
}
