package data_test

import (
	"net/http"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// Validation as CouchDB does it (the cases of PouchDB's suite).
func TestValidationLikeCouchDB(t *testing.T) {
	e := setup(t, 0)
	rev := object(t, e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/v", `{"a":1}`))["rev"].(string)
	e.Run(t, []webtest.Scenario{
		{Name: "rev hash with an underscore is a conflict", Method: "PUT", URL: "/data/io.cozy.test/v", Body: `{"_rev":"1-abc_def","a":2}`,
			Token: e.tok, ExpectedStatus: 409, ExpectedContent: []string{`"error":"conflict"`}},
		{Name: "rev without a generation is malformed", Method: "PUT", URL: "/data/io.cozy.test/v", Body: `{"_rev":"abc","a":2}`,
			Token: e.tok, ExpectedStatus: 400},
		{Name: "_revisions wins over a different _rev", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body:  `{"new_edits":false,"docs":[{"_id":"w","_rev":"1-zzz","_revisions":{"start":2,"ids":["bbb","aaa"]},"v":2}]}`,
			Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`[]`}},
		{Name: "stored at the _revisions leaf", Method: "GET", URL: "/data/io.cozy.test/w", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"_rev":"2-bbb"`}},
		{Name: "_replication_ members accepted", Method: "PUT", URL: "/data/io.cozy.test/repl",
			Body: `{"source":"a","_replication_state":"completed","_replication_id":"x","_replication_state_time":"2026"}`, Token: e.tok, ExpectedStatus: 200},
		{Name: "_replication_ members kept", Method: "GET", URL: "/data/io.cozy.test/repl", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"_replication_state":"completed"`, `"_replication_id":"x"`}},
		{Name: "_replication_ members through POST", Method: "POST", URL: "/data/io.cozy.test/",
			Body: `{"_replication_state":"triggered"}`, Token: e.tok, ExpectedStatus: 201},
		{Name: "other special members refused", Method: "PUT", URL: "/data/io.cozy.test/bad", Body: `{"_foo":1}`, Token: e.tok, ExpectedStatus: 400,
			ExpectedContent: []string{`"error":"doc_validation"`}},
		{Name: "_local with _revisions start 0", Method: "PUT", URL: "/data/io.cozy.test/_local/cp",
			Body: `{"last_seq":"1","_revisions":{"start":0,"ids":["x"]}}`, Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"rev":"0-1"`}},
		{Name: "documents still refuse a malformed _revisions", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body:  `{"new_edits":false,"docs":[{"_id":"w2","_revisions":{"start":0,"ids":["x"]}}]}`,
			Token: e.tok, ExpectedStatus: 201, ExpectedContent: []string{`"error":"bad_request"`}},
		{Name: "bulk: an illegal id refuses everything", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs",
			Body: `{"docs":[{"_id":"fine"},{"_id":1}]}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "the current rev still updates", Method: "PUT", URL: "/data/io.cozy.test/v", Body: `{"_rev":"` + rev + `","a":3}`, Token: e.tok, ExpectedStatus: 200},
	})
}
