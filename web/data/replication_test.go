package data_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestReplicationRoutes(t *testing.T) {
	e := setup(t, 0)
	e.Run(t, []webtest.Scenario{
		{Name: "replicated write", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body:  `{"new_edits":false,"docs":[{"_id":"r1","_rev":"2-bbb","_revisions":{"start":2,"ids":["bbb","aaa"]},"v":2},{"_id":"r1","_rev":"2-ccc","_revisions":{"start":2,"ids":["ccc","aaa"]},"v":3}]}`,
			Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`[]`}},
		{Name: "bulk new edits per doc", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body:  `{"docs":[{"_id":"n1","a":1},{"_id":"r1","v":9},{"_id":"n2","_foo":1}]}`,
			Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`{"id":"n1","ok":true,"rev":"1-`, `{"error":"conflict","id":"r1"`, `"error":"doc_validation"`}},
		{Name: "bulk with an illegal id is refused whole", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body:  `{"docs":[{"_id":"n3","a":1},{"_id":"_bad"}]}`,
			Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "nothing of it written", Method: "GET", URL: "/data/io.cozy.test/n3", Token: e.tok, ExpectedStatus: 404},
		{Name: "bulk without docs", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bulk malformed", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bulk bad revisions", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body: `{"new_edits":false,"docs":[{"_id":"x","_rev":"zz"}]}`, Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"error"`}},
		{Name: "revs_diff", Method: "POST", URL: "/data/io.cozy.test/_revs_diff", Body: `{"r1":["2-bbb","3-ddd"],"zz":["1-a"]}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"r1":{"missing":["3-ddd"]`, `"zz":{"missing":["1-a"]}`}},
		{Name: "revs_diff malformed", Method: "POST", URL: "/data/io.cozy.test/_revs_diff", Body: `["x"]`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bulk_get", Method: "POST", URL: "/data/io.cozy.test/_bulk_get?revs=true", Body: `{"docs":[{"id":"r1","rev":"2-bbb"},{"id":"nope"}]}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"_revisions":{"start":2,"ids":["bbb","aaa"]}`, `"id":"nope"`, `"error":"not_found"`}},
		{Name: "bulk_get bad flag", Method: "POST", URL: "/data/io.cozy.test/_bulk_get?revs=maybe", Body: `{"docs":[]}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "conflicts", Method: "GET", URL: "/data/io.cozy.test/r1?conflicts=true", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"_rev":"2-ccc"`, `"_conflicts":["2-bbb"]`}},
		{Name: "get rev with revs", Method: "GET", URL: "/data/io.cozy.test/r1?rev=2-bbb&revs=true", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"v":2`, `"_revisions"`}},
		{Name: "open_revs all", Method: "GET", URL: "/data/io.cozy.test/r1?open_revs=all", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`{"ok":{"_id":"r1","_rev":"2-bbb"`, `"_rev":"2-ccc"`}},
		{Name: "open_revs list", Method: "GET", URL: `/data/io.cozy.test/r1?open_revs=["2-ccc","9-zzz"]&revs=true`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"missing":"9-zzz"`, `"_revisions"`}},
		{Name: "open_revs latest", Method: "GET", URL: `/data/io.cozy.test/r1?open_revs=["1-aaa"]&latest=true`, Token: e.tok, ExpectedStatus: 200},
		{Name: "open_revs malformed", Method: "GET", URL: `/data/io.cozy.test/r1?open_revs=[x`, Token: e.tok, ExpectedStatus: 400},
		{Name: "local missing", Method: "GET", URL: "/data/io.cozy.test/_local/cp", Token: e.tok, ExpectedStatus: 404},
		{Name: "local put", Method: "PUT", URL: "/data/io.cozy.test/_local/cp", Body: `{"last_seq":"3"}`, Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"id":"_local/cp"`, `"rev":"0-1"`}},
		{Name: "local get", Method: "GET", URL: "/data/io.cozy.test/_local/cp", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"last_seq":"3"`}},
		{Name: "local stale", Method: "PUT", URL: "/data/io.cozy.test/_local/cp", Body: `{"last_seq":"4"}`, Token: e.tok, ExpectedStatus: 409},
		{Name: "local update", Method: "PUT", URL: "/data/io.cozy.test/_local/cp", Body: `{"_rev":"0-1","last_seq":"4"}`, Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"rev":"0-2"`}},
		{Name: "local malformed", Method: "PUT", URL: "/data/io.cozy.test/_local/cp", Body: `{`, Token: e.tok, ExpectedStatus: 400},
		{Name: "local not in all_docs", Method: "GET", URL: "/data/io.cozy.test/_all_docs", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"total_rows":2`}},
		{Name: "local delete", Method: "DELETE", URL: "/data/io.cozy.test/_local/cp?rev=0-2", Token: e.tok, ExpectedStatus: 200},
		{Name: "ensure_full_commit", Method: "POST", URL: "/data/io.cozy.test/_ensure_full_commit", Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"ok":true`}},
		{Name: "info", Method: "GET", URL: "/data/io.cozy.test/", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"db_name":"io.cozy.test"`, `"doc_count":2`}},
		{Name: "delete db needs whole DELETE", Method: "DELETE", URL: "/data/io.cozy.test/", Token: e.Token(t, "io.cozy.test:GET,POST"), ExpectedStatus: 403},
		{Name: "delete db", Method: "DELETE", URL: "/data/io.cozy.test/", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"deleted":true`}},
		{Name: "deleted db", Method: "GET", URL: "/data/io.cozy.test/", Token: e.tok, ExpectedStatus: 404},
	})
}

// TestBulkDocsAtomicPerDoc: a bad document does not stop the good ones, and
// nothing of the bad one is stored.
func TestBulkDocsAtomicPerDoc(t *testing.T) {
	e := setup(t, 0)
	status, body := e.send(t, "POST", "/data/io.cozy.test/_bulk_docs", `{"docs":[{"_id":"ok1"},{"_id":"bad","_revisions":5},{"_id":"ok2"}]}`)
	var res []map[string]any
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res) != 3 {
		t.Fatalf("bulk: %d %s", status, body)
	}
	if res[0]["ok"] != true || res[1]["error"] == nil || res[2]["ok"] != true {
		t.Fatalf("per-document results: %s", body)
	}
	e.must(t, 404, "GET", "/data/io.cozy.test/bad", "")
	if body := e.must(t, 200, "GET", "/data/io.cozy.test/_all_docs", ""); !strings.Contains(body, `"total_rows":2`) {
		t.Fatalf("all_docs: %s", body)
	}
}
