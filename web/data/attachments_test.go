package data_test

import (
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestPouchDBAttachments replicates documents with attachments both ways
// with real PouchDB 9, then pulls again (see
// web/e2e/pouchdb/attachments.mjs for the steps and assertions).
func TestPouchDBAttachments(t *testing.T) {
	webtest.SkipE2E(t)
	e := setup(t, 0)
	out := webtest.Script{Path: "pouchdb/attachments.mjs", Modules: []string{"pouchdb-core"},
		Env: []string{"COZY_URL=" + e.URL(), "COZY_TOKEN=" + e.Token(t, "io.cozy.test"), "COZY_DOCTYPE=io.cozy.test"}}.Run(t)
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("pouchdb attachments printed no result:\n%s", out)
	}
}
