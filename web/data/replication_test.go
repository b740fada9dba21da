package data_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReplicationRoutes(t *testing.T) {
	e := newEnv(t, 0)
	e.run(t, []call{
		{name: "replicated write", method: "POST", path: "/data/io.cozy.test/_bulk_docs",
			body:   `{"new_edits":false,"docs":[{"_id":"r1","_rev":"2-bbb","_revisions":{"start":2,"ids":["bbb","aaa"]},"v":2},{"_id":"r1","_rev":"2-ccc","_revisions":{"start":2,"ids":["ccc","aaa"]},"v":3}]}`,
			status: 201, contains: []string{`[]`}},
		{name: "bulk new edits per doc", method: "POST", path: "/data/io.cozy.test/_bulk_docs",
			body:   `{"docs":[{"_id":"n1","a":1},{"_id":"r1","v":9},{"_id":"_bad"},{"_id":"n2","_foo":1}]}`,
			status: 201, contains: []string{`{"id":"n1","ok":true,"rev":"1-`, `{"error":"conflict","id":"r1"`, `"id":"_bad"`, `"error":"doc_validation"`}},
		{name: "bulk without docs", method: "POST", path: "/data/io.cozy.test/_bulk_docs", body: `{}`, status: 400},
		{name: "bulk malformed", method: "POST", path: "/data/io.cozy.test/_bulk_docs", body: `{"docs":[`, status: 400},
		{name: "bulk bad revisions", method: "POST", path: "/data/io.cozy.test/_bulk_docs",
			body: `{"new_edits":false,"docs":[{"_id":"x","_rev":"zz"}]}`, status: 201, contains: []string{`"error"`}},
		{name: "revs_diff", method: "POST", path: "/data/io.cozy.test/_revs_diff", body: `{"r1":["2-bbb","3-ddd"],"zz":["1-a"]}`,
			status: 200, contains: []string{`"r1":{"missing":["3-ddd"]`, `"zz":{"missing":["1-a"]}`}},
		{name: "revs_diff malformed", method: "POST", path: "/data/io.cozy.test/_revs_diff", body: `["x"]`, status: 400},
		{name: "bulk_get", method: "POST", path: "/data/io.cozy.test/_bulk_get?revs=true", body: `{"docs":[{"id":"r1","rev":"2-bbb"},{"id":"nope"}]}`,
			status: 200, contains: []string{`"_revisions":{"start":2,"ids":["bbb","aaa"]}`, `"id":"nope"`, `"error":"not_found"`}},
		{name: "bulk_get bad flag", method: "POST", path: "/data/io.cozy.test/_bulk_get?revs=maybe", body: `{"docs":[]}`, status: 400},
		{name: "conflicts", method: "GET", path: "/data/io.cozy.test/r1?conflicts=true", status: 200, contains: []string{`"_rev":"2-ccc"`, `"_conflicts":["2-bbb"]`}},
		{name: "get rev with revs", method: "GET", path: "/data/io.cozy.test/r1?rev=2-bbb&revs=true", status: 200, contains: []string{`"v":2`, `"_revisions"`}},
		{name: "open_revs all", method: "GET", path: "/data/io.cozy.test/r1?open_revs=all", status: 200, contains: []string{`{"ok":{"_id":"r1","_rev":"2-bbb"`, `"_rev":"2-ccc"`}},
		{name: "open_revs list", method: "GET", path: `/data/io.cozy.test/r1?open_revs=["2-ccc","9-zzz"]&revs=true`, status: 200, contains: []string{`"missing":"9-zzz"`, `"_revisions"`}},
		{name: "open_revs latest", method: "GET", path: `/data/io.cozy.test/r1?open_revs=["1-aaa"]&latest=true`, status: 200},
		{name: "open_revs malformed", method: "GET", path: `/data/io.cozy.test/r1?open_revs=[x`, status: 400},
		{name: "local missing", method: "GET", path: "/data/io.cozy.test/_local/cp", status: 404},
		{name: "local put", method: "PUT", path: "/data/io.cozy.test/_local/cp", body: `{"last_seq":"3"}`, status: 201, contains: []string{`"id":"_local/cp"`, `"rev":"0-1"`}},
		{name: "local get", method: "GET", path: "/data/io.cozy.test/_local/cp", status: 200, contains: []string{`"last_seq":"3"`}},
		{name: "local stale", method: "PUT", path: "/data/io.cozy.test/_local/cp", body: `{"last_seq":"4"}`, status: 409},
		{name: "local update", method: "PUT", path: "/data/io.cozy.test/_local/cp", body: `{"_rev":"0-1","last_seq":"4"}`, status: 201, contains: []string{`"rev":"0-2"`}},
		{name: "local malformed", method: "PUT", path: "/data/io.cozy.test/_local/cp", body: `{`, status: 400},
		{name: "local not in all_docs", method: "GET", path: "/data/io.cozy.test/_all_docs", status: 200, contains: []string{`"total_rows":2`}},
		{name: "local delete", method: "DELETE", path: "/data/io.cozy.test/_local/cp?rev=0-2", status: 200},
		{name: "ensure_full_commit", method: "POST", path: "/data/io.cozy.test/_ensure_full_commit", status: 201, contains: []string{`"ok":true`}},
		{name: "info", method: "GET", path: "/data/io.cozy.test/", status: 200, contains: []string{`"db_name":"io.cozy.test"`, `"doc_count":2`}},
		{name: "delete db needs whole DELETE", method: "DELETE", path: "/data/io.cozy.test/", tok: e.token(t, "io.cozy.test:GET,POST"), status: 403},
		{name: "delete db", method: "DELETE", path: "/data/io.cozy.test/", status: 200, contains: []string{`"deleted":true`}},
		{name: "deleted db", method: "GET", path: "/data/io.cozy.test/", status: 404},
	})
}

// TestBulkDocsAtomicPerDoc: a bad document does not stop the good ones, and
// nothing of the bad one is stored.
func TestBulkDocsAtomicPerDoc(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do(t, "POST", "/data/io.cozy.test/_bulk_docs", e.tok, `{"docs":[{"_id":"ok1"},{"_id":"bad","_revisions":5},{"_id":"ok2"}]}`)
	var res []map[string]any
	if err := json.Unmarshal([]byte(r.body), &res); err != nil || len(res) != 3 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	if res[0]["ok"] != true || res[1]["error"] == nil || res[2]["ok"] != true {
		t.Fatalf("per-document results: %s", r.body)
	}
	if g := e.do(t, "GET", "/data/io.cozy.test/bad", e.tok, ""); g.status != 404 {
		t.Fatalf("half-written document: %d %s", g.status, g.body)
	}
	if g := e.do(t, "GET", "/data/io.cozy.test/_all_docs", e.tok, ""); !strings.Contains(g.body, `"total_rows":2`) {
		t.Fatalf("all_docs: %s", g.body)
	}
}
