package data_test

import (
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// vduDDoc refuses documents with "bad" (forbidden) or "anon" (unauthorized),
// refuses deleting a document marked "keep" (it sees the old document), and
// checks what it is given.
const vduDDoc = `{"validate_doc_update": "function(newDoc, oldDoc, userCtx, secObj) {
  if (newDoc.bad) throw({forbidden: 'bad is not allowed'});
  if (newDoc.anon) throw({unauthorized: 'who are you?'});
  if (newDoc._deleted && oldDoc && oldDoc.keep) throw({forbidden: 'kept'});
  if (newDoc.ctx && (userCtx.db !== 'io.cozy.test' || userCtx.name !== null || userCtx.roles.length !== 0 || typeof secObj !== 'object'))
    throw({forbidden: 'bad context ' + JSON.stringify(userCtx)});
  if (newDoc.boom) throw new Error('boom');
  var atts = newDoc._attachments || {}, oldAtts = (oldDoc && oldDoc._attachments) || {};
  if (atts['bad.txt']) throw({forbidden: 'bad attachment ' + atts['bad.txt'].content_type});
  if (oldAtts['keep.txt'] && !atts['keep.txt']) throw({forbidden: 'keep the attachment'});
  if (newDoc.self && this._id !== '_design/vdu') throw({forbidden: 'this is not the design doc'});
}"}`

func TestValidateDocUpdate(t *testing.T) {
	e := setup(t, 0)
	db := "/data/io.cozy.test/"
	e.must(t, 200, "PUT", db+"_design/vdu", strings.ReplaceAll(vduDDoc, "\n", " "))
	e.must(t, 200, "PUT", db+"kept", `{"keep":true}`)
	type tc struct {
		name, method, path, body string
		status                   int
		want                     string // a substring of the answer
	}
	cases := []tc{
		{"PUT accepted", "PUT", db + "ok1", `{"a":1}`, 200, `"id":"ok1"`},
		{"PUT forbidden", "PUT", db + "no1", `{"bad":true}`, 403, `"error":"forbidden","reason":"bad is not allowed"`},
		{"PUT unauthorized", "PUT", db + "no2", `{"anon":true}`, 401, `"error":"unauthorized","reason":"who are you?"`},
		{"POST forbidden", "POST", db, `{"bad":1}`, 403, `"forbidden"`},
		{"POST accepted", "POST", db, `{"b":1}`, 201, `"ok":true`},
		{"context and this", "PUT", db + "ctx", `{"ctx":true,"self":true}`, 200, `"id":"ctx"`},
		{"a function error is a 500", "PUT", db + "boom", `{"boom":true}`, 500, `boom`},
		{"bulk: per doc", "POST", db + "_bulk_docs", `{"docs":[{"_id":"b1"},{"_id":"b2","bad":1},{"_id":"b3","anon":1}]}`, 201,
			`{"error":"forbidden","id":"b2","reason":"bad is not allowed"},{"error":"unauthorized","id":"b3","reason":"who are you?"}]`},
		{"bulk: forbidden entry", "POST", db + "_bulk_docs", `{"docs":[{"_id":"b4","bad":1}]}`, 201,
			`[{"error":"forbidden","id":"b4","reason":"bad is not allowed"}]`},
		{"bulk: unauthorized entry", "POST", db + "_bulk_docs", `{"docs":[{"_id":"b5","anon":1}]}`, 201,
			`[{"error":"unauthorized","id":"b5","reason":"who are you?"}]`},
		{"bulk new_edits=false", "POST", db + "_bulk_docs", `{"new_edits":false,"docs":[{"_id":"r1","_rev":"1-abc","bad":1},{"_id":"r2","_rev":"1-abc"}]}`, 201,
			`[{"error":"forbidden","id":"r1","reason":"bad is not allowed"}]`},
		{"design docs are validated", "PUT", db + "_design/other", `{"bad":true}`, 403, `"forbidden"`},
		{"_local docs are not", "PUT", db + "_local/l1", `{"bad":true}`, 201, `"ok":true`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, out := e.send(t, c.method, c.path, c.body)
			if got != c.status || !strings.Contains(out, c.want) {
				t.Fatalf("status %d, want %d with %s: %s", got, c.status, c.want, out)
			}
		})
	}
	// Refused documents were not written; accepted ones were.
	for _, id := range []string{"no1", "no2", "b2", "b3", "b4", "b5", "r1", "_design/other"} {
		e.must(t, 404, "GET", db+id, "")
	}
	for _, id := range []string{"ok1", "b1", "r2", "ctx"} {
		e.must(t, 200, "GET", db+id, "")
	}
	// The old document: deleting a kept one is refused.
	out := e.must(t, 200, "GET", db+"kept", "")
	rev := object(t, out)["_rev"].(string)
	e.must(t, 403, "DELETE", db+"kept?rev="+rev, "")
	// Attachment-only writes: the old document with the stub set or removed.
	txt := map[string]string{"Content-Type": "text/plain"}
	res, out := e.Do(t, nil, "PUT", db+"att/bad.txt", e.tok, "x", txt)
	if res.StatusCode != 403 || !strings.Contains(out, `"reason":"bad attachment text/plain"`) {
		t.Fatalf("PUT a refused attachment: %d %s", res.StatusCode, out)
	}
	e.must(t, 404, "GET", db+"att", "")
	res, out = e.Do(t, nil, "PUT", db+"att/keep.txt", e.tok, "x", txt)
	if res.StatusCode != 201 {
		t.Fatalf("PUT an attachment: %d %s", res.StatusCode, out)
	}
	attRev := object(t, out)["rev"].(string)
	e.must(t, 403, "DELETE", db+"att/keep.txt?rev="+attRev, "")
	// Removing the function lifts the refusals (the cache follows ddoc writes).
	dd := object(t, e.must(t, 200, "GET", db+"_design/vdu", ""))
	e.must(t, 200, "DELETE", db+"_design/vdu?rev="+dd["_rev"].(string), "")
	e.must(t, 200, "PUT", db+"no1", `{"bad":true}`)
	e.must(t, 200, "DELETE", db+"kept?rev="+rev, "")
	e.must(t, 200, "DELETE", db+"att/keep.txt?rev="+attRev, "")
}

// TestValidateDocUpdatePouchDB pushes with real PouchDB 9 into a doctype
// whose design document refuses some documents (see
// web/e2e/pouchdb/validate.mjs for the steps and assertions).
func TestValidateDocUpdatePouchDB(t *testing.T) {
	webtest.SkipE2E(t)
	e := setup(t, 0)
	out := webtest.Script{Path: "pouchdb/validate.mjs", Modules: []string{"pouchdb-core"},
		Env: []string{"COZY_URL=" + e.URL(), "COZY_TOKEN=" + e.tok, "COZY_DOCTYPE=io.cozy.test"}}.Run(t)
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("validate.mjs printed no result:\n%s", out)
	}
	t.Logf("pouchdb validate: %s", strings.TrimSpace(string(out)))
}
