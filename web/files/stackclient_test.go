package files_test

import (
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
)

// TestCozyStackClient drives /files with cozy-stack-client's file
// collection (web/e2e/files/stack-client.mjs holds the steps).
func TestCozyStackClient(t *testing.T) {
	e := newEnv(t, 0)
	tok, err := e.Inst.Issue(token.CLI, "", "io.cozy.files")
	if err != nil {
		t.Fatal(err)
	}
	out := webtest.Script{Path: "files/stack-client.mjs", Modules: []string{"cozy-stack-client"},
		Env: []string{"COZY_URL=" + e.url, "COZY_TOKEN=" + tok}}.Run(t)
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("cozy-stack-client printed no result:\n%s", out)
	}
	t.Logf("cozy-stack-client: %s", strings.TrimSpace(string(out)))
}
