package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/services"
)

func TestKonnectorEvent(t *testing.T) {
	tests := []struct{ level, msg, wantLevel, wantText string }{
		{"info", `plain text`, "info", "plain text"},
		{"info", `{"type":"error","message":"LOGIN_FAILED"}`, "error", "LOGIN_FAILED"},
		{"info", `{"type":"critical","message":{"code":1}}`, "critical", `{"code":1}`},
		{"info", `{"type":"progress","message":"50"}`, "info", `{"type":"progress","message":"50"}`},
		{"error", `{"no":"type"}`, "error", `{"no":"type"}`},
		{"warning", `{broken`, "warning", `{broken`},
	}
	for _, tc := range tests {
		l, txt := konnectorEvent(services.LogLine{Level: tc.level, Message: tc.msg})
		if l != tc.wantLevel || txt != tc.wantText {
			t.Errorf("%s %q: %s %q", tc.level, tc.msg, l, txt)
		}
	}
}

func TestKonnectorWorker(t *testing.T) {
	const script = `const f = JSON.parse(process.env.COZY_FIELDS);
const p = JSON.parse(process.env.COZY_PARAMETERS);
console.log(JSON.stringify({type: "info", message: [f.konnector, f.account, p.secret, process.env.COZY_CREDENTIALS,
  process.env.COZY_LANGUAGE, process.env.COZY_JOB_MANUAL_EXECUTION, process.env.COZY_PAYLOAD].join(" ")}));
if (f.account === "bad") console.log(JSON.stringify({type: "error", message: "LOGIN_FAILED"}));
if (f.account === "cgu") console.log(JSON.stringify({type: "error", message: "USER_ACTION_NEEDED.CGU_FORM"}));
if (f.account === "throws") throw new Error("VENDOR_DOWN");
console.error("a plain error line does not fail the run");`
	kw := &KonnectorWorker{
		Runner: &services.Runner{},
		Package: func(_ context.Context, _ *instance.Instance, slug string) (*KonnectorPackage, error) {
			if slug != "bank" {
				return nil, errors.New("not installed")
			}
			return &KonnectorPackage{Script: []byte(script), Parameters: json.RawMessage(`{"secret":"s3"}`)}, nil
		},
		Credentials: func(context.Context, *instance.Instance, string) (string, error) { return "ktok", nil },
		URL:         func(*instance.Instance) string { return "http://127.0.0.1:1" },
	}
	w := kw.Worker()
	w.MaxExecCount, w.RetryDelay = 2, time.Millisecond
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"konnector": w}})
	ctx := context.Background()
	tests := []struct {
		msg     string
		state   State
		errPart string
		logs    string
		execs   int
	}{
		{`{"konnector":"bank","account":"a1"}`, Done, "", `info:bank a1 s3 ktok node true {"x":1}|error:a plain error line does not fail the run`, 1},
		{`{"konnector":"bank","account":"bad"}`, Errored, "konnector bank: LOGIN_FAILED", "", 1},
		{`{"konnector":"bank","account":"cgu"}`, Errored, "USER_ACTION_NEEDED.CGU_FORM", "", 2},
		{`{"konnector":"bank","account":"throws"}`, Errored, "VENDOR_DOWN", "", 2},
		{`{"konnector":"other"}`, Errored, "not installed", "", 2},
		{`{"account":"a1"}`, Errored, "konnector's slug", "", 2},
	}
	for _, tc := range tests {
		j, err := b.Push(ctx, Request{Worker: "konnector", Message: json.RawMessage(tc.msg), Manual: true, Payload: json.RawMessage(`{"x":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		got := waitState(t, b, j.ID, tc.state)
		if !strings.Contains(got.Error, tc.errPart) || got.ExecCount != tc.execs {
			t.Errorf("%s: error %q after %d executions, want %d", tc.msg, got.Error, got.ExecCount, tc.execs)
		}
		if tc.logs != "" {
			var parts []string
			for _, l := range got.Logs {
				parts = append(parts, l.Level+":"+l.Message)
			}
			if strings.Join(parts, "|") != tc.logs {
				t.Errorf("%s: logs %q", tc.msg, parts)
			}
		}
	}
}

// TestKonnectorNeedsUserAction: after a LOGIN_FAILED, the automatic runs of
// the trigger are refused without running the konnector, until a manual
// run succeeds.
func TestKonnectorNeedsUserAction(t *testing.T) {
	var runs atomic.Int32
	kw := &KonnectorWorker{
		Runner: &services.Runner{},
		Package: func(context.Context, *instance.Instance, string) (*KonnectorPackage, error) {
			runs.Add(1)
			return &KonnectorPackage{Script: []byte(`const f = JSON.parse(process.env.COZY_FIELDS);
if (f.account === "bad") console.log(JSON.stringify({type: "error", message: "LOGIN_FAILED"}));`)}, nil
		},
		Credentials: func(context.Context, *instance.Instance, string) (string, error) { return "ktok", nil },
		URL:         func(*instance.Instance) string { return "http://127.0.0.1:1" },
	}
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"konnector": kw.Worker()}})
	ctx := context.Background()
	tr := &Trigger{Type: TypeWebhook, Worker: "konnector", Message: json.RawMessage(`{"konnector":"bank","account":"bad"}`)}
	if err := b.AddTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		manual  bool
		account string
		state   State
		errPart string
		ran     bool
	}{
		{false, "bad", Errored, "LOGIN_FAILED", true},
		{false, "bad", Errored, "LOGIN_FAILED (not run automatically", false},
		{false, "bad", Errored, "LOGIN_FAILED (not run automatically", false},
		{true, "bad", Errored, "LOGIN_FAILED", true},
		{false, "good", Errored, "not run automatically", false},
		{true, "good", Done, "", true},
		{false, "good", Done, "", true},
	}
	for i, s := range steps {
		msg := json.RawMessage(`{"konnector":"bank","account":"` + s.account + `"}`)
		if _, err := b.PatchTrigger(ctx, tr.ID, TriggerPatch{Message: msg}); err != nil {
			t.Fatal(err)
		}
		before := runs.Load()
		var j *Job
		var err error
		if s.manual {
			j, err = b.Launch(ctx, tr.ID)
		} else {
			j, err = b.Webhook(ctx, tr.ID, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		got := waitState(t, b, j.ID, s.state)
		if !strings.Contains(got.Error, s.errPart) || (runs.Load() > before) != s.ran || got.ExecCount != 1 {
			t.Errorf("step %d: error %q, ran %v, executions %d", i, got.Error, runs.Load() > before, got.ExecCount)
		}
	}
}
