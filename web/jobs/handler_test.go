package jobs_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/admin"
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

type env struct {
	t    *testing.T
	url  string
	srv  *web.Server
	mgr  *instance.Manager
	inst *instance.Instance
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s, mgr := webtest.Server(t, nil)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
		mgr.Close()
	})
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: strings.TrimPrefix(hs.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: hs.URL, srv: s, mgr: mgr, inst: inst}
}

func (e *env) token(scope string) string {
	e.t.Helper()
	tok, err := e.inst.Issue(token.CLI, "", scope)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends a request and decodes a JSON answer into out (when non-nil).
func (e *env) do(method, path, tok, body string, out any) int {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
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

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQueueAndJob(t *testing.T) {
	e := newEnv(t)
	tok := e.token("io.cozy.jobs")
	var pushed struct{ Data resource }
	if st := e.do("POST", "/jobs/queue/log", tok, `{"data":{"attributes":{"arguments":{"msg":"hi"}}}}`, &pushed); st != http.StatusAccepted {
		t.Fatalf("push %d", st)
	}
	if pushed.Data.Type != "io.cozy.jobs" || pushed.Data.Attributes["worker"] != "log" {
		t.Fatalf("pushed %+v", pushed)
	}
	var got struct{ Data resource }
	waitFor(t, "log job done", func() bool {
		e.do("GET", "/jobs/"+pushed.Data.ID, tok, "", &got)
		return got.Data.Attributes["state"] == "done"
	})
	var list struct{ Data []resource }
	if st := e.do("GET", "/jobs/queue/log", tok, "", &list); st != http.StatusOK || len(list.Data) != 0 {
		t.Fatalf("queue %d %+v", st, list)
	}
	tests := []struct {
		name, method, path, tok, body string
		want                          int
	}{
		{"no token", "POST", "/jobs/queue/log", "", `{}`, http.StatusUnauthorized},
		{"unknown worker", "POST", "/jobs/queue/nope", tok, `{}`, http.StatusBadRequest},
		{"bad body", "POST", "/jobs/queue/log", tok, `{`, http.StatusBadRequest},
		{"missing job", "GET", "/jobs/missing", tok, "", http.StatusNotFound},
		{"other worker only", "POST", "/jobs/queue/log", e.token("io.cozy.jobs:POST:service:worker"), `{}`, http.StatusForbidden},
		{"selected worker", "POST", "/jobs/queue/log", e.token("io.cozy.jobs:POST:log:worker"), `{}`, http.StatusAccepted},
		{"no jobs permission", "GET", "/jobs/" + pushed.Data.ID, e.token("io.cozy.notes"), "", http.StatusForbidden},
	}
	for _, tc := range tests {
		if st := e.do(tc.method, tc.path, tc.tok, tc.body, nil); st != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
		}
	}
}

func TestTriggerRoutes(t *testing.T) {
	e := newEnv(t)
	tok := e.token("io.cozy.triggers io.cozy.jobs")
	var tr struct{ Data resource }
	if st := e.do("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"log","worker_arguments":{"a":1}}}}`, &tr); st != http.StatusCreated {
		t.Fatalf("create %d", st)
	}
	id := tr.Data.ID
	if tr.Data.Attributes["type"] != "@every" || tr.Data.Attributes["message"] == nil {
		t.Fatalf("trigger %+v", tr)
	}
	var one struct{ Data resource }
	if st := e.do("GET", "/jobs/triggers/"+id, tok, "", &one); st != http.StatusOK || one.Data.ID != id {
		t.Fatalf("get %d", st)
	}
	var patched struct{ Data resource }
	if st := e.do("PATCH", "/jobs/triggers/"+id, tok, `{"data":{"attributes":{"arguments":"2h"}}}`, &patched); st != http.StatusOK || patched.Data.Attributes["arguments"] != "2h" {
		t.Fatalf("patch %d %+v", st, patched)
	}
	var job struct{ Data resource }
	if st := e.do("POST", "/jobs/triggers/"+id+"/launch", tok, "", &job); st != http.StatusCreated {
		t.Fatalf("launch %d", st)
	}
	var state struct{ Data resource }
	waitFor(t, "launched job done", func() bool {
		e.do("GET", "/jobs/triggers/"+id+"/state", tok, "", &state)
		return state.Data.Attributes["status"] == "done"
	})
	if state.Data.Attributes["last_manual_job_id"] != job.Data.ID {
		t.Fatalf("state %+v", state)
	}
	// A token limited to the log worker sees only log triggers.
	var other struct{ Data resource }
	e.do("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"service"}}}`, &other)
	var list struct{ Data []resource }
	logOnly := e.token("io.cozy.triggers:GET:log:worker")
	if st := e.do("GET", "/jobs/triggers", logOnly, "", &list); st != http.StatusOK || len(list.Data) != 1 || list.Data[0].ID != id {
		t.Fatalf("list %d %+v", st, list)
	}
	if st := e.do("GET", "/jobs/triggers?Worker=service", tok, "", &list); st != http.StatusOK || len(list.Data) != 1 || list.Data[0].ID != other.Data.ID {
		t.Fatalf("list by worker %d %+v", st, list)
	}
	tests := []struct {
		name, method, path, tok, body string
		want                          int
	}{
		{"forbidden worker", "GET", "/jobs/triggers/" + other.Data.ID, logOnly, "", http.StatusForbidden},
		{"bad type", "POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@nope","worker":"log"}}}`, http.StatusBadRequest},
		{"bad cron", "POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@cron","arguments":"* * *","worker":"log"}}}`, http.StatusBadRequest},
		{"create for another worker", "POST", "/jobs/triggers", e.token("io.cozy.triggers:POST:log:worker"), `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"service"}}}`, http.StatusForbidden},
		{"bad limit", "GET", "/jobs/triggers/" + id + "/jobs?Limit=x", tok, "", http.StatusBadRequest},
		{"delete", "DELETE", "/jobs/triggers/" + id, tok, "", http.StatusNoContent},
		{"gone", "GET", "/jobs/triggers/" + id, tok, "", http.StatusNotFound},
		{"launch gone", "POST", "/jobs/triggers/" + id + "/launch", tok, "", http.StatusNotFound},
	}
	for _, tc := range tests {
		if st := e.do(tc.method, tc.path, tc.tok, tc.body, nil); st != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
		}
	}
}

func TestWebhookRoute(t *testing.T) {
	e := newEnv(t)
	tok := e.token("io.cozy.triggers io.cozy.jobs")
	var tr struct {
		Data struct {
			resource
			Links map[string]string `json:"links"`
		}
	}
	if st := e.do("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@webhook","worker":"log"}}}`, &tr); st != http.StatusCreated {
		t.Fatalf("create %d", st)
	}
	hook := tr.Data.Links["webhook"]
	if hook != "/jobs/webhooks/"+tr.Data.ID {
		t.Fatalf("links %v", tr.Data.Links)
	}
	if st := e.do("POST", hook, "", `{"event":"sync"}`, nil); st != http.StatusNoContent {
		t.Fatalf("webhook %d", st)
	}
	var jobs struct{ Data []resource }
	waitFor(t, "webhook job", func() bool {
		e.do("GET", "/jobs/triggers/"+tr.Data.ID+"/jobs", tok, "", &jobs)
		return len(jobs.Data) == 1 && jobs.Data[0].Attributes["state"] == "done"
	})
	if st := e.do("POST", "/jobs/webhooks/unknown", "", `{}`, nil); st != http.StatusNotFound {
		t.Fatalf("unknown webhook %d", st)
	}
}

func TestClientJobPatch(t *testing.T) {
	e := newEnv(t)
	tok := e.token("io.cozy.triggers io.cozy.jobs")
	var tr struct{ Data resource }
	if st := e.do("POST", "/jobs/triggers", tok, `{"data":{"attributes":{"type":"@client","worker":"client"}}}`, &tr); st != http.StatusCreated {
		t.Fatalf("create %d", st)
	}
	var job struct{ Data resource }
	if st := e.do("POST", "/jobs/triggers/"+tr.Data.ID+"/launch", tok, "", &job); st != http.StatusCreated || job.Data.Attributes["state"] != "running" {
		t.Fatalf("launch %d %+v", st, job)
	}
	var patched struct{ Data resource }
	body := `{"data":{"type":"io.cozy.jobs","id":"` + job.Data.ID + `","attributes":{"state":"errored","error":"LOGIN_FAILED"}}}`
	if st := e.do("PATCH", "/jobs/"+job.Data.ID, tok, body, &patched); st != http.StatusOK || patched.Data.Attributes["error"] != "LOGIN_FAILED" || patched.Data.Attributes["finished_at"] == nil {
		t.Fatalf("patch %d %+v", st, patched)
	}
	if st := e.do("PATCH", "/jobs/"+job.Data.ID, e.token("io.cozy.jobs:GET"), body, nil); st != http.StatusForbidden {
		t.Fatalf("patch without PATCH verb: %d", st)
	}
	if st := e.do("PATCH", "/jobs/"+job.Data.ID, tok, `{"data":{"attributes":{"state":"sleeping"}}}`, nil); st != http.StatusBadRequest {
		t.Fatalf("bad state: %d", st)
	}
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
	s, err := web.New(cfg, mgr, log, &admin.Guard{Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); mgr.Close() })
	inst, err = mgr.Get("alice.localhost")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Jobs.For(inst)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the leftover job", func() bool {
		j, err := b.Job(ctx, "leftover")
		return err == nil && j.State == "done" && len(j.Logs) == 1
	})
}

// TestKonnectorNeedsWorkerRule: an app or konnector needs a rule
// restricted to the worker to queue jobs or create triggers.
func TestKonnectorNeedsWorkerRule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	install := func(slug, scope string) string {
		rules, err := permission.ParseScope(scope)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.srv.Perms.Put(ctx, e.inst, &permission.Permission{Type: permission.TypeKonnector, SourceID: "io.cozy.konnectors/" + slug, Rules: rules}); err != nil {
			t.Fatal(err)
		}
		tok, err := e.inst.Issue(token.Konnector, slug, "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	whole := install("whole", "io.cozy.jobs io.cozy.triggers")
	scoped := install("scoped", "io.cozy.jobs:POST:log:worker io.cozy.triggers:POST:log:worker")
	trig := `{"data":{"attributes":{"type":"@every","arguments":"1h","worker":"log"}}}`
	tests := []struct {
		name, tok, path, body string
		want                  int
	}{
		{"whole jobs", whole, "/jobs/queue/log", `{}`, http.StatusForbidden},
		{"whole triggers", whole, "/jobs/triggers", trig, http.StatusForbidden},
		{"scoped jobs", scoped, "/jobs/queue/log", `{}`, http.StatusAccepted},
		{"scoped triggers", scoped, "/jobs/triggers", trig, http.StatusCreated},
		{"scoped other worker", scoped, "/jobs/queue/service", `{}`, http.StatusForbidden},
	}
	for _, tc := range tests {
		if st := e.do("POST", tc.path, tc.tok, tc.body, nil); st != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
		}
	}
}
