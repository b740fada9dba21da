package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/web/admin"
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
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	post := func(path, body string) (int, []byte) {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, raw
	}
	st, raw := post("/instances/alice.localhost/jobs/queue/log", `{"arguments":{"x":1}}`)
	var j jobs.Job
	if st != http.StatusAccepted || json.Unmarshal(raw, &j) != nil || j.Worker != "log" {
		t.Fatalf("push %d %s", st, raw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, raw = call(t, srv, "GET", "/instances/alice.localhost/jobs/"+j.ID, "")
		if st != http.StatusOK {
			t.Fatalf("get job %d %s", st, raw)
		}
		if strings.Contains(string(raw), `"state":"done"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not done: %s", raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st, raw = call(t, srv, "GET", "/instances/alice.localhost/triggers", ""); st != http.StatusOK || !strings.Contains(string(raw), tr.ID) {
		t.Fatalf("triggers %d %s", st, raw)
	}
	if st, raw = post("/instances/alice.localhost/triggers/"+tr.ID+"/launch", ""); st != http.StatusCreated || !strings.Contains(string(raw), `"trigger_id":"`+tr.ID) {
		t.Fatalf("launch %d %s", st, raw)
	}
	tests := []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/instances/alice.localhost/jobs/queue/nope", `{}`, http.StatusBadRequest},
		{"POST", "/instances/alice.localhost/jobs/queue/log", `{`, http.StatusBadRequest},
		{"POST", "/instances/bob.localhost/jobs/queue/log", `{}`, http.StatusNotFound},
		{"GET", "/instances/alice.localhost/jobs/missing", "", http.StatusNotFound},
		{"POST", "/instances/alice.localhost/triggers/missing/launch", "", http.StatusNotFound},
		{"GET", "/off/instances/alice.localhost/triggers", "", http.StatusNotImplemented},
	}
	for _, tc := range tests {
		var got int
		if tc.method == "POST" {
			got, raw = post(tc.path, tc.body)
		} else {
			got, raw = call(t, srv, tc.method, tc.path, "")
		}
		if got != tc.want {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, got, raw, tc.want)
		}
	}
}
