package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/services"
)

func TestServiceWorker(t *testing.T) {
	scripts := map[string]string{
		"ok.js":   `console.log("doc", JSON.parse(process.env.COZY_COUCH_DOC).title, process.env.COZY_CREDENTIALS); console.warn("careful")`,
		"fail.js": `throw new Error("bad service")`,
	}
	sw := &ServiceWorker{
		Runner: &services.Runner{},
		Script: func(_ context.Context, _ *instance.Instance, slug, file string) ([]byte, error) {
			if s, ok := scripts[file]; ok && slug == "notes" {
				return []byte(s), nil
			}
			return nil, errors.New("no such service")
		},
		Credentials: func(context.Context, *instance.Instance, string) (string, error) { return "tok", nil },
		URL:         func(*instance.Instance) string { return "http://127.0.0.1:1" },
	}
	w := sw.Worker()
	w.MaxExecCount = 1
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"service": w}})
	ctx := context.Background()
	ev, _ := json.Marshal(Event{Doctype: "io.cozy.notes", Verb: "CREATED", Doc: json.RawMessage(`{"title":"hi"}`)})
	tests := []struct {
		msg     string
		state   State
		errPart string
		logs    string
	}{
		{`{"slug":"notes","file":"ok.js"}`, Done, "", "info:doc hi tok|warning:careful"},
		{`{"slug":"notes","file":"fail.js"}`, Errored, "bad service", ""},
		{`{"slug":"notes","file":"missing.js"}`, Errored, "no such service", ""},
		{`{"slug":"notes"}`, Errored, "slug and file", ""},
	}
	for _, tc := range tests {
		j, err := b.Push(ctx, Request{Worker: "service", Message: json.RawMessage(tc.msg), Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		got := waitState(t, b, j.ID, tc.state)
		if !strings.Contains(got.Error, tc.errPart) {
			t.Errorf("%s: error %q", tc.msg, got.Error)
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
