package jobs_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// installApp installs testdata/<dir> as slug through the apps API and waits
// for the install to end.
func (e *jobsEnv) installApp(slug, dir string) {
	e.t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", dir))
	if err != nil {
		e.t.Fatal(err)
	}
	tok := e.Token(e.t, "io.cozy.apps")
	var out map[string]any
	if st := e.call("POST", "/apps/"+slug+"?Source="+url.QueryEscape("file://"+abs), tok, "", &out); st != http.StatusAccepted {
		e.t.Fatalf("install %s: %d %v", slug, st, out)
	}
	e.Server.Apps.Wait()
}

// serviceTriggers returns the triggers of the service worker, by service name.
func (e *jobsEnv) serviceTriggers(tok string) map[string]resource {
	e.t.Helper()
	var list struct{ Data []resource }
	if st := e.call("GET", "/jobs/triggers?Worker=service", tok, "", &list); st != http.StatusOK {
		e.t.Fatalf("list triggers: %d", st)
	}
	out := map[string]resource{}
	for _, r := range list.Data {
		msg, _ := r.Attributes["message"].(map[string]any)
		name, _ := msg["name"].(string)
		out[name] = r
	}
	return out
}

// finishedJob waits for the first job of a trigger to end.
func (e *jobsEnv) finishedJob(tok, triggerID string) map[string]any {
	e.t.Helper()
	var jobs struct{ Data []resource }
	wait(e.t, "the job of trigger "+triggerID+" to end", func() bool {
		e.call("GET", "/jobs/triggers/"+triggerID+"/jobs", tok, "", &jobs)
		return len(jobs.Data) == 1 && (jobs.Data[0].Attributes["state"] == "done" || jobs.Data[0].Attributes["state"] == "errored")
	})
	return jobs.Data[0].Attributes
}

func logsOf(job map[string]any) string {
	b, _ := json.Marshal(job["logs"])
	return string(b)
}

// TestManifestServiceEndToEnd: a test app whose manifest declares services
// is installed through the apps API; its @event service on io.cozy.notes
// runs in the sandbox, reads the new note through fetch with the app's
// token, writes a derived document, and its log lines are on the job.
// Hostile services of the same app are stopped or refused, each with its
// job errored and a clear message, and the server keeps serving.
// Uninstalling the app removes its triggers.
func TestManifestServiceEndToEnd(t *testing.T) {
	e := setup(t)
	e.installApp("svcapp", "svcapp")
	tok := e.Token(e.t, "io.cozy.triggers io.cozy.jobs io.cozy.notes io.cozy.notes.derived io.cozy.hostile io.cozy.apps")
	var trigs map[string]resource
	wait(t, "the manifest's triggers", func() bool {
		trigs = e.serviceTriggers(tok)
		return len(trigs) == 4
	})
	if a := trigs["derive"].Attributes; a["type"] != "@event" || a["arguments"] != "io.cozy.notes:CREATED" {
		t.Fatalf("derive trigger %v", a)
	}
	if _, ok := trigs["loop"]; ok {
		t.Fatal("a service without trigger got one")
	}

	if st := e.call("POST", "/data/io.cozy.notes/", tok, `{"title":"hello"}`, nil); st != http.StatusCreated {
		t.Fatalf("create note: %d", st)
	}
	job := e.finishedJob(tok, trigs["derive"].ID)
	if logs := logsOf(job); job["state"] != "done" || !strings.Contains(logs, `"read hello"`) || !strings.Contains(logs, `"wrote `) {
		t.Fatalf("derive job %v", job)
	}
	var all struct {
		Rows []struct {
			Doc map[string]any `json:"doc"`
		} `json:"rows"`
	}
	if st := e.call("GET", "/data/io.cozy.notes.derived/_all_docs?include_docs=true", tok, "", &all); st != http.StatusOK {
		t.Fatalf("all docs %d", st)
	}
	if len(all.Rows) != 1 || all.Rows[0].Doc["upper"] != "HELLO" {
		t.Fatalf("derived %+v", all.Rows)
	}

	hostile := []struct{ kind, log, err string }{
		{"env", `"HOME=undefined"`, "process.env.HOME is not visible"},
		{"file", `"reading /etc/passwd"`, `EACCES: permission denied (outside the service's scratch directory)`},
	}
	if !raceBuild { // see race_test.go
		hostile = append(hostile, struct{ kind, log, err string }{"alloc", ``, "memory"})
	}
	for _, h := range hostile {
		if st := e.call("POST", "/data/io.cozy.hostile/", tok, `{"kind":"`+h.kind+`"}`, nil); st != http.StatusCreated {
			t.Fatalf("create %s: %d", h.kind, st)
		}
	}
	for _, h := range hostile {
		job := e.finishedJob(tok, trigs[h.kind].ID)
		msg, _ := job["error"].(string)
		if job["state"] != "errored" || !strings.Contains(msg, h.err) || !strings.Contains(logsOf(job), h.log) {
			t.Errorf("%s: job %v", h.kind, job)
		}
	}

	// The loop has no trigger: it is queued by hand with a time limit long
	// enough for the sandbox to start and log on a loaded machine (a -race
	// child starts several times slower), so that its logs are checked.
	limit := 4
	if raceBuild {
		limit = 10
	}
	var pushed struct{ Data resource }
	start := time.Now()
	body := `{"data":{"attributes":{"arguments":{"slug":"svcapp","name":"loop","type":"node","file":"/services/loop.js"},"options":{"timeout":` +
		strconv.Itoa(limit) + `}}}}`
	if st := e.call("POST", "/jobs/queue/service", tok, body, &pushed); st != http.StatusAccepted {
		t.Fatalf("queue loop: %d", st)
	}
	var got struct{ Data resource }
	webtest.WaitFor(t, time.Minute, "the loop to be stopped", func() bool {
		e.call("GET", "/jobs/"+pushed.Data.ID, tok, "", &got)
		return got.Data.Attributes["state"] == "errored"
	})
	if msg, _ := got.Data.Attributes["error"].(string); !strings.Contains(msg, "time") || !strings.Contains(logsOf(got.Data.Attributes), `"looping"`) {
		t.Errorf("loop job %v after %s", got.Data.Attributes, time.Since(start))
	}

	// The server is unharmed: the derive service still runs.
	if st := e.call("POST", "/data/io.cozy.notes/", tok, `{"title":"again"}`, nil); st != http.StatusCreated {
		t.Fatalf("create note: %d", st)
	}
	wait(t, "a second derived document", func() bool {
		e.call("GET", "/data/io.cozy.notes.derived/_all_docs?include_docs=true", tok, "", &all)
		return len(all.Rows) == 2
	})

	// Uninstalling the app removes its triggers.
	if st := e.call("DELETE", "/apps/svcapp", tok, "", nil); st != http.StatusNoContent {
		t.Fatalf("uninstall: %d", st)
	}
	wait(t, "the triggers to go", func() bool { return len(e.serviceTriggers(tok)) == 0 })
}

// TestKonnectorEndToEnd: a konnector installed through the konnectors API
// runs from its package.json main with COZY_FIELDS and COZY_PARAMETERS, a
// konnector token limited to its manifest's permissions, and fails its job
// on a LOGIN_FAILED event, without the retry its default max_exec_count
// would allow.
func TestKonnectorEndToEnd(t *testing.T) {
	e := setup(t)
	abs, err := filepath.Abs("testdata/konn")
	if err != nil {
		t.Fatal(err)
	}
	tok := e.Token(e.t, "io.cozy.konnectors io.cozy.jobs io.cozy.bank.operations")
	if st := e.call("POST", "/konnectors/testbank?Source="+url.QueryEscape("file://"+abs), tok, "", nil); st != http.StatusAccepted {
		t.Fatalf("install: %d", st)
	}
	e.Server.Apps.Wait()
	run := func(account, want string) map[string]any {
		t.Helper()
		var pushed, got struct{ Data resource }
		if st := e.call("POST", "/jobs/queue/konnector", tok, `{"data":{"attributes":{"arguments":{"konnector":"testbank","account":"`+account+`"}}}}`, &pushed); st != http.StatusAccepted {
			t.Fatalf("queue: %d", st)
		}
		wait(t, "konnector job "+want, func() bool {
			e.call("GET", "/jobs/"+pushed.Data.ID, tok, "", &got)
			return got.Data.Attributes["state"] == want
		})
		return got.Data.Attributes
	}
	job := run("a1", "done")
	if logs := logsOf(job); !strings.Contains(logs, `"account a1 secret s3cr3t"`) || !strings.Contains(logs, `"contacts 403"`) {
		t.Fatalf("job %v", job)
	}
	var all struct {
		Rows []struct {
			Doc map[string]any `json:"doc"`
		} `json:"rows"`
	}
	if st := e.call("GET", "/data/io.cozy.bank.operations/_all_docs?include_docs=true", tok, "", &all); st != http.StatusOK || len(all.Rows) != 1 || all.Rows[0].Doc["account"] != "a1" {
		t.Fatalf("operations %d %+v", st, all.Rows)
	}
	job = run("bad", "errored")
	if msg, _ := job["error"].(string); !strings.Contains(msg, "LOGIN_FAILED") || job["exec_count"] != 1.0 {
		t.Fatalf("bad job %v", job)
	}

	// POST /konnectors/:slug/trigger makes its @cron trigger and, with
	// ExecNow, runs it at once.
	if st := e.call("POST", "/konnectors/testbank/trigger?AccountID=a2", tok, "", nil); st != http.StatusForbidden {
		t.Fatalf("trigger without io.cozy.triggers: %d", st)
	}
	withTriggers := e.Token(e.t, "io.cozy.triggers io.cozy.jobs")
	if st := e.call("POST", "/konnectors/nope/trigger", withTriggers, "", nil); st != http.StatusNotFound {
		t.Fatalf("trigger of a konnector not installed: %d", st)
	}
	var tr struct{ Data resource }
	if st := e.call("POST", "/konnectors/testbank/trigger?AccountID=a2&ExecNow=true", withTriggers, "", &tr); st != http.StatusCreated {
		t.Fatalf("konnector trigger: %d", st)
	}
	a := tr.Data.Attributes
	if a["type"] != "@cron" || a["worker"] != "konnector" || len(strings.Fields(a["arguments"].(string))) != 6 {
		t.Fatalf("trigger %v", a)
	}
	if m, _ := a["message"].(map[string]any); m["konnector"] != "testbank" || m["account"] != "a2" {
		t.Fatalf("trigger message %v", a["message"])
	}
	var jobs struct{ Data []resource }
	wait(t, "the trigger's job done", func() bool {
		e.call("GET", "/jobs/triggers/"+tr.Data.ID+"/jobs", withTriggers, "", &jobs)
		return len(jobs.Data) == 1 && jobs.Data[0].Attributes["state"] == "done"
	})
}
