package jobs_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	if services.IsChild() {
		services.ChildMain()
		return
	}
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// jobsEnv is webtest's server for the /jobs tests.
type jobsEnv struct {
	*webtest.Env
	t *testing.T
}

func setup(t *testing.T) *jobsEnv {
	t.Helper()
	return &jobsEnv{Env: webtest.NewEnv(t, nil, instance.Options{}), t: t}
}

// call sends a request through webtest and decodes its JSON answer into
// out (when non-nil); it returns the status.
func (e *jobsEnv) call(method, path, tok, body string, out any) int {
	e.t.Helper()
	res, raw := e.Do(e.t, nil, method, path, tok, body, nil)
	if out != nil && raw != "" {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

type resource struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Attributes map[string]any `json:"attributes"`
}

// wait polls cond (webtest.WaitFor) for at most 15 s.
func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	webtest.WaitFor(t, 15*time.Second, what, cond)
}

func TestQueueAndJob(t *testing.T) {
	e := setup(t)
	tok := e.Token(t, "io.cozy.jobs")
	var pushed struct{ Data resource }
	if st := e.call("POST", "/jobs/queue/log", tok, `{"data":{"attributes":{"arguments":{"msg":"hi"}}}}`, &pushed); st != http.StatusAccepted {
		t.Fatalf("push %d", st)
	}
	if pushed.Data.Type != "io.cozy.jobs" || pushed.Data.Attributes["worker"] != "log" {
		t.Fatalf("pushed %+v", pushed)
	}
	var got struct{ Data resource }
	wait(t, "log job done", func() bool {
		e.call("GET", "/jobs/"+pushed.Data.ID, tok, "", &got)
		return got.Data.Attributes["state"] == "done"
	})
	var list struct{ Data []resource }
	if st := e.call("GET", "/jobs/queue/log", tok, "", &list); st != http.StatusOK || len(list.Data) != 0 {
		t.Fatalf("queue %d %+v", st, list)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "no token", Method: "POST", URL: "/jobs/queue/log", Body: `{}`, ExpectedStatus: http.StatusUnauthorized},
		{Name: "unknown worker", Method: "POST", URL: "/jobs/queue/nope", Token: tok, Body: `{}`, ExpectedStatus: http.StatusBadRequest},
		{Name: "bad body", Method: "POST", URL: "/jobs/queue/log", Token: tok, Body: `{`, ExpectedStatus: http.StatusBadRequest,
			ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}},
		{Name: "invalid UTF-8", Method: "POST", URL: "/jobs/queue/log", Token: tok, Body: "{\"data\":{\"attributes\":{\"arguments\":\"\xff\"}}}",
			ExpectedStatus: http.StatusBadRequest},
		{Name: "lone surrogate", Method: "POST", URL: "/jobs/queue/log", Token: tok, Body: `{"data":{"attributes":{"arguments":"\ud800"}}}`,
			ExpectedStatus: http.StatusBadRequest},
		{Name: "too large", Method: "POST", URL: "/jobs/queue/log", Token: tok, Body: `{"data":{"attributes":{"arguments":"` + strings.Repeat("x", 1<<20) + `"}}}`,
			ExpectedStatus: http.StatusRequestEntityTooLarge},
		{Name: "missing job", Method: "GET", URL: "/jobs/missing", Token: tok, ExpectedStatus: http.StatusNotFound},
		{Name: "other worker only", Method: "POST", URL: "/jobs/queue/log", Token: e.Token(t, "io.cozy.jobs:POST:service:worker"), Body: `{}`, ExpectedStatus: http.StatusForbidden},
		{Name: "selected worker", Method: "POST", URL: "/jobs/queue/log", Token: e.Token(t, "io.cozy.jobs:POST:log:worker"), Body: `{}`, ExpectedStatus: http.StatusAccepted},
		{Name: "no jobs permission", Method: "GET", URL: "/jobs/" + pushed.Data.ID, Token: e.Token(t, "io.cozy.notes"), ExpectedStatus: http.StatusForbidden},
	})
}

func TestTriggerRoutes(t *testing.T) {
	e := setup(t)
	tok := e.Token(t, "io.cozy.triggers io.cozy.jobs")
	var tr struct{ Data resource }
	if st := e.call("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"log","worker_arguments":{"a":1}}}}`, &tr); st != http.StatusCreated {
		t.Fatalf("create %d", st)
	}
	id := tr.Data.ID
	if tr.Data.Attributes["type"] != "@every" || tr.Data.Attributes["message"] == nil {
		t.Fatalf("trigger %+v", tr)
	}
	var one struct{ Data resource }
	if st := e.call("GET", "/jobs/triggers/"+id, tok, "", &one); st != http.StatusOK || one.Data.ID != id {
		t.Fatalf("get %d", st)
	}
	var patched struct{ Data resource }
	if st := e.call("PATCH", "/jobs/triggers/"+id, tok, `{"data":{"attributes":{"arguments":"2h"}}}`, &patched); st != http.StatusOK || patched.Data.Attributes["arguments"] != "2h" {
		t.Fatalf("patch %d %+v", st, patched)
	}
	var job struct{ Data resource }
	if st := e.call("POST", "/jobs/triggers/"+id+"/launch", tok, "", &job); st != http.StatusCreated {
		t.Fatalf("launch %d", st)
	}
	var state struct{ Data resource }
	wait(t, "launched job done", func() bool {
		e.call("GET", "/jobs/triggers/"+id+"/state", tok, "", &state)
		return state.Data.Attributes["status"] == "done"
	})
	if state.Data.Attributes["last_manual_job_id"] != job.Data.ID {
		t.Fatalf("state %+v", state)
	}
	// A token limited to the log worker sees only log triggers.
	var other struct{ Data resource }
	e.call("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"service"}}}`, &other)
	var list struct{ Data []resource }
	logOnly := e.Token(t, "io.cozy.triggers:GET:log:worker")
	if st := e.call("GET", "/jobs/triggers", logOnly, "", &list); st != http.StatusOK || len(list.Data) != 1 || list.Data[0].ID != id {
		t.Fatalf("list %d %+v", st, list)
	}
	if st := e.call("GET", "/jobs/triggers?Worker=service", tok, "", &list); st != http.StatusOK || len(list.Data) != 1 || list.Data[0].ID != other.Data.ID {
		t.Fatalf("list by worker %d %+v", st, list)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "forbidden worker", Method: "GET", URL: "/jobs/triggers/" + other.Data.ID, Token: logOnly, ExpectedStatus: http.StatusForbidden},
		{Name: "bad type", Method: "POST", URL: "/jobs/triggers", Token: tok, Body: `{"data":{"attributes":{"type":"@nope","worker":"log"}}}`, ExpectedStatus: http.StatusBadRequest},
		{Name: "bad cron", Method: "POST", URL: "/jobs/triggers", Token: tok, Body: `{"data":{"attributes":{"type":"@cron","arguments":"* * *","worker":"log"}}}`, ExpectedStatus: http.StatusBadRequest},
		{Name: "create for another worker", Method: "POST", URL: "/jobs/triggers", Token: e.Token(t, "io.cozy.triggers:POST:log:worker"), Body: `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"service"}}}`, ExpectedStatus: http.StatusForbidden},
		{Name: "bad limit", Method: "GET", URL: "/jobs/triggers/" + id + "/jobs?Limit=x", Token: tok, ExpectedStatus: http.StatusBadRequest},
		{Name: "delete", Method: "DELETE", URL: "/jobs/triggers/" + id, Token: tok, ExpectedStatus: http.StatusNoContent},
		{Name: "gone", Method: "GET", URL: "/jobs/triggers/" + id, Token: tok, ExpectedStatus: http.StatusNotFound},
		{Name: "launch gone", Method: "POST", URL: "/jobs/triggers/" + id + "/launch", Token: tok, ExpectedStatus: http.StatusNotFound},
	})
}

func TestWebhookRoute(t *testing.T) {
	e := setup(t)
	tok := e.Token(t, "io.cozy.triggers io.cozy.jobs")
	var tr struct {
		Data struct {
			resource
			Links map[string]string `json:"links"`
		}
	}
	if st := e.call("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@webhook","worker":"log"}}}`, &tr); st != http.StatusCreated {
		t.Fatalf("create %d", st)
	}
	hook := tr.Data.Links["webhook"]
	if hook != "/jobs/webhooks/"+tr.Data.ID {
		t.Fatalf("links %v", tr.Data.Links)
	}
	if st := e.call("POST", hook, "", `{"event":"sync"}`, nil); st != http.StatusNoContent {
		t.Fatalf("webhook %d", st)
	}
	var jobs struct{ Data []resource }
	wait(t, "webhook job", func() bool {
		e.call("GET", "/jobs/triggers/"+tr.Data.ID+"/jobs", tok, "", &jobs)
		return len(jobs.Data) == 1 && jobs.Data[0].Attributes["state"] == "done"
	})
	e.Run(t, []webtest.Scenario{
		{Name: "unknown webhook", Method: "POST", URL: "/jobs/webhooks/unknown", Body: `{}`, ExpectedStatus: http.StatusNotFound},
		{Name: "too large", Method: "POST", URL: hook, Body: `{"a":"` + strings.Repeat("x", 1<<20) + `"}`,
			ExpectedStatus: http.StatusRequestEntityTooLarge},
	})
}

func TestClientJobPatch(t *testing.T) {
	e := setup(t)
	tok := e.Token(t, "io.cozy.triggers io.cozy.jobs")
	var tr struct{ Data resource }
	if st := e.call("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@client","worker":"client"}}}`, &tr); st != http.StatusCreated {
		t.Fatalf("create %d", st)
	}
	var job struct{ Data resource }
	if st := e.call("POST", "/jobs/triggers/"+tr.Data.ID+"/launch", tok, "", &job); st != http.StatusCreated || job.Data.Attributes["state"] != "running" {
		t.Fatalf("launch %d %+v", st, job)
	}
	var patched struct{ Data resource }
	body := `{"data":{"type":"io.cozy.jobs","id":"` + job.Data.ID + `","attributes":{"state":"errored","error":"LOGIN_FAILED"}}}`
	if st := e.call("PATCH", "/jobs/"+job.Data.ID, tok, body, &patched); st != http.StatusOK || patched.Data.Attributes["error"] != "LOGIN_FAILED" || patched.Data.Attributes["finished_at"] == nil {
		t.Fatalf("patch %d %+v", st, patched)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "without the PATCH verb", Method: "PATCH", URL: "/jobs/" + job.Data.ID, Token: e.Token(t, "io.cozy.jobs:GET"), Body: body,
			ExpectedStatus: http.StatusForbidden},
		{Name: "bad state", Method: "PATCH", URL: "/jobs/" + job.Data.ID, Token: tok, Body: `{"data":{"attributes":{"state":"sleeping"}}}`,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"sleeping"}},
		{Name: "missing job", Method: "PATCH", URL: "/jobs/missing", Token: tok, Body: body, ExpectedStatus: http.StatusNotFound},
	})
}

// TestServerRestart: a job left queued in the store when the server stopped
// runs when the next server starts, and triggers are still there.
func TestServerRestart(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	hasher := passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1)
	cfg := &config.Config{FsURL: dir, Subdomains: config.SubdomainsFlat}
	ctx := context.Background()

	mgr, err := instance.Open(dir, hasher, log)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := mgr.Create(ctx, instance.Options{Domain: "alice.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := mgr.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	db := st.DB("io.cozy.jobs")
	if err := db.Create(ctx); err != nil {
		t.Fatal(err)
	}
	left := `{"_id":"leftover","domain":"alice.localhost","worker":"log","message":{"from":"before"},"state":"queued","queued_at":"2026-01-01T00:00:00Z"}`
	if _, err := db.Put(ctx, store.Doc{Body: json.RawMessage(left)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := mgr.Close(); err != nil {
		t.Fatal(err)
	}

	mgr, err = instance.Open(dir, hasher, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	s := webtest.NewServer(t, cfg, mgr, log) // its stack resumes the instance's broker
	inst, err = mgr.Get("alice.localhost")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Jobs.For(inst)
	if err != nil {
		t.Fatal(err)
	}
	wait(t, "the leftover job", func() bool {
		j, err := b.Job(ctx, "leftover")
		return err == nil && j.State == "done" && len(j.Logs) == 1
	})
}

// TestKonnectorNeedsWorkerRule: an app or konnector needs a rule
// restricted to the worker to queue jobs or create triggers.
func TestKonnectorNeedsWorkerRule(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	install := func(slug, scope string) string {
		rules, err := permission.ParseScope(scope)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Server.Perms.Put(ctx, e.Inst, &permission.Permission{Type: permission.TypeKonnector, SourceID: "io.cozy.konnectors/" + slug, Rules: rules}); err != nil {
			t.Fatal(err)
		}
		tok, err := e.Inst.Issue(token.Konnector, slug, "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	whole := install("whole", "io.cozy.jobs io.cozy.triggers")
	scoped := install("scoped", "io.cozy.jobs:POST:log:worker io.cozy.triggers:POST:log:worker")
	trig := `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"log"}}}`
	e.Run(t, []webtest.Scenario{
		{Name: "whole jobs", Method: "POST", URL: "/jobs/queue/log", Token: whole, Body: `{}`, ExpectedStatus: http.StatusForbidden},
		{Name: "whole triggers", Method: "POST", URL: "/jobs/triggers", Token: whole, Body: trig, ExpectedStatus: http.StatusForbidden},
		{Name: "scoped jobs", Method: "POST", URL: "/jobs/queue/log", Token: scoped, Body: `{}`, ExpectedStatus: http.StatusAccepted},
		{Name: "scoped triggers", Method: "POST", URL: "/jobs/triggers", Token: scoped, Body: trig, ExpectedStatus: http.StatusCreated},
		{Name: "scoped other worker", Method: "POST", URL: "/jobs/queue/service", Token: scoped, Body: `{}`, ExpectedStatus: http.StatusForbidden},
	})
}
