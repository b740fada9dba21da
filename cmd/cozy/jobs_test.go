package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/web/webtest"
)

func TestJobsAndTriggersCLI(t *testing.T) {
	s, mgr := webtest.Server(t, nil)
	srv := httptest.NewServer(s.AdminHandler())
	t.Cleanup(func() { srv.Close() })
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: "alice.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Jobs.For(inst)
	if err != nil {
		t.Fatal(err)
	}
	tr := &jobs.Trigger{Type: jobs.TypeEvery, Arguments: "1h", Worker: "log"}
	if err := b.AddTrigger(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	t.Setenv("COZY_ADMIN_PASSPHRASE", "")
	t.Setenv("COZY_CONFIG", "")
	tests := []struct {
		args    []string
		wantOut string
		wantErr string
	}{
		{[]string{"jobs", "run", "log", "--domain", "alice.localhost", "--json", `{"hello":"cli"}`}, `"state": "done"`, ""},
		{[]string{"jobs", "run", "log", "--domain", "alice.localhost", "--wait", "0"}, `"worker": "log"`, ""},
		{[]string{"jobs", "run", "nope", "--domain", "alice.localhost"}, "", "unknown worker"},
		{[]string{"jobs", "run", "log", "--domain", "alice.localhost", "--json", "{"}, "", "valid JSON"},
		{[]string{"jobs", "run", "log"}, "", "--domain is required"},
		{[]string{"triggers", "ls", "--domain", "alice.localhost"}, tr.ID, ""},
		{[]string{"triggers", "launch", tr.ID, "--domain", "alice.localhost"}, `"trigger_id": "` + tr.ID, ""},
		{[]string{"triggers", "launch", "missing", "--domain", "alice.localhost"}, "", "not found"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			root := newRootCmd()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(io.Discard)
			root.SetArgs(append(tt.args, "--admin-host", srv.URL))
			err := root.Execute()
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output %s, want %q", out.String(), tt.wantOut)
			}
		})
	}
}
