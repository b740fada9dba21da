package data_test

import (
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestPouchDBInterop replicates with real PouchDB 9 (see
// web/e2e/pouchdb/replicate.mjs for the steps and assertions).
func TestPouchDBInterop(t *testing.T) {
	e := setup(t, 0)
	out := webtest.Script{Path: "pouchdb/replicate.mjs", Modules: []string{"pouchdb-core"},
		Env: []string{"COZY_URL=" + e.URL(), "COZY_TOKEN=" + e.Token(t, "io.cozy.test"), "COZY_DOCTYPE=io.cozy.test"}}.Run(t)
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("pouchdb interop printed no result:\n%s", out)
	}
	t.Logf("pouchdb interop: %s", strings.TrimSpace(string(out)))
}
