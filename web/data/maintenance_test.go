package data_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// Replaced revisions stay readable until _compact; _revs_limit and _purge
// as CouchDB.
func TestRevisionsCompactPurgeRevsLimit(t *testing.T) {
	e := setup(t, 0)
	rev1 := object(t, e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/d", `{"v":1}`))["rev"].(string)
	rev2 := object(t, e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/d", `{"_rev":"`+rev1+`","v":2}`))["rev"].(string)
	e.must(t, http.StatusCreated, "POST", "/data/io.cozy.test/_bulk_docs",
		`{"new_edits":false,"docs":[{"_id":"c","_rev":"1-aaa","v":"a"},{"_id":"c","_rev":"1-bbb","v":"b"},{"_id":"gone","_rev":"1-ccc"}]}`)
	ro := e.Token(t, "io.cozy.test:GET")
	e.Run(t, []webtest.Scenario{
		{Name: "replaced revision readable", Method: "GET", URL: "/data/io.cozy.test/d?rev=" + rev1, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"v":1`}},
		{Name: "revs_info says available", Method: "GET", URL: "/data/io.cozy.test/d?revs_info=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`{"rev":"` + rev1 + `","status":"available"}`}},
		{Name: "compact needs POST", Method: "POST", URL: "/data/io.cozy.test/_compact", Token: ro, ExpectedStatus: 403},
		{Name: "compact", Method: "POST", URL: "/data/io.cozy.test/_compact", Token: e.tok, ExpectedStatus: 202, ExpectedContent: []string{`"ok":true`}},
		{Name: "replaced revision gone", Method: "GET", URL: "/data/io.cozy.test/d?rev=" + rev1, Token: e.tok, ExpectedStatus: 404},
		{Name: "revs_info says missing", Method: "GET", URL: "/data/io.cozy.test/d?revs_info=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`{"rev":"` + rev1 + `","status":"missing"}`}},
		{Name: "leaf still there", Method: "GET", URL: "/data/io.cozy.test/d?rev=" + rev2, Token: e.tok, ExpectedStatus: 200},
		{Name: "compact a missing doctype", Method: "POST", URL: "/data/io.cozy.other/_compact", Token: e.tok, ExpectedStatus: 404},

		{Name: "revs_limit default", Method: "GET", URL: "/data/io.cozy.test/_revs_limit", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`1000`}},
		{Name: "revs_limit set", Method: "PUT", URL: "/data/io.cozy.test/_revs_limit", Body: `2`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"ok":true`}},
		{Name: "revs_limit read", Method: "GET", URL: "/data/io.cozy.test/_revs_limit", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`2`}},
		{Name: "revs_limit bad", Method: "PUT", URL: "/data/io.cozy.test/_revs_limit", Body: `0`, Token: e.tok, ExpectedStatus: 400},
		{Name: "revs_limit needs PUT", Method: "PUT", URL: "/data/io.cozy.test/_revs_limit", Body: `5`, Token: ro, ExpectedStatus: 403},

		{Name: "purge needs DELETE", Method: "POST", URL: "/data/io.cozy.test/_purge", Body: `{"c":["1-bbb"]}`, Token: ro, ExpectedStatus: 403},
		{Name: "purge a conflict and a whole doc", Method: "POST", URL: "/data/io.cozy.test/_purge", Body: `{"c":["1-bbb","9-nope"],"gone":["1-ccc"],"none":["1-x"]}`,
			Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"purged":{`, `"c":["1-bbb"]`, `"gone":["1-ccc"]`},
			NotExpectedContent: []string{`"none"`}},
		{Name: "winner after purge", Method: "GET", URL: "/data/io.cozy.test/c?conflicts=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"_rev":"1-aaa"`}, NotExpectedContent: []string{`_conflicts`}},
		{Name: "purged doc is missing", Method: "GET", URL: "/data/io.cozy.test/gone", Token: e.tok, ExpectedStatus: 404, ExpectedContent: []string{`"missing"`}},
		{Name: "revs_diff wants it again", Method: "POST", URL: "/data/io.cozy.test/_revs_diff", Body: `{"c":["1-bbb"]}`, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"missing":["1-bbb"]`}},
		{Name: "index", Method: "POST", URL: "/data/io.cozy.test/_index", Body: `{"index":{"fields":["v"]}}`, Token: e.tok, ExpectedStatus: 200},
		{Name: "purged conflict out of the index", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"v":{"$in":["a","b"]}}}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"v":"a"`}, NotExpectedContent: []string{`"v":"b"`}},
		{Name: "purge the winner", Method: "POST", URL: "/data/io.cozy.test/_purge", Body: `{"c":["1-aaa"]}`, Token: e.tok, ExpectedStatus: 201},
		{Name: "purged doc out of the index", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"v":{"$in":["a","b"]}}}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"docs":[]`}},
		{Name: "purge malformed rev", Method: "POST", URL: "/data/io.cozy.test/_purge", Body: `{"c":["x"]}`, Token: e.tok, ExpectedStatus: 400},
	})
	// The revision limit applies from the next write.
	rev := rev2
	for i := 0; i < 3; i++ {
		rev = object(t, e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/d", `{"_rev":"`+rev+`"}`))["rev"].(string)
	}
	out := e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/d?revs=true", "")
	ids, _ := object(t, out)["_revisions"].(map[string]any)["ids"].([]any)
	if !strings.Contains(out, `"_revisions":{"start":5,`) || len(ids) != 2 {
		t.Fatalf("revs_limit 2 not applied: %s", out)
	}
}
