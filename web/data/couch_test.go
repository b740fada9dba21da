package data_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestLongIDs: ids up to 4 KiB are stored, read, listed by a doc_ids
// filter and indexed (a view emitting the id, a mango index); longer ones
// are a 400 illegal_docid, nothing stored.
func TestLongIDs(t *testing.T) {
	e := setup(t, 0)
	long := strings.Repeat("aB3+/=", 700)[:4096]
	esc := url.PathEscape(long)
	e.must(t, 200, "PUT", "/data/io.cozy.test/_design/ids", `{"views":{"by_id":{"map":"function(doc){ emit(doc._id, doc.n) }"}}}`)
	e.must(t, 200, "POST", "/data/io.cozy.test/_index", `{"index":{"fields":["n"]},"ddoc":"by_n","name":"by_n"}`)
	e.Run(t, []webtest.Scenario{
		{Name: "4 KiB id", Method: "PUT", URL: "/data/io.cozy.test/" + esc, Body: `{"n":1}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"ok":true`}},
		{Name: "read back", Method: "GET", URL: "/data/io.cozy.test/" + esc, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"_id":"` + long + `"`}},
		{Name: "in bulk", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"` + long[:4000] + `","n":2}]}`, Token: e.tok,
			ExpectedStatus: 201, NotExpectedContent: []string{`"error"`}},
		{Name: "doc_ids filter", Method: "POST", URL: "/data/io.cozy.test/_changes?filter=_doc_ids", Body: `{"doc_ids":["` + long + `"]}`, Token: e.tok,
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + long + `"`}, NotExpectedContent: []string{`"id":"` + long[:4000] + `"`}},
		{Name: "view emitting the id", Method: "GET", URL: "/data/io.cozy.test/_design/ids/_view/by_id", Token: e.tok,
			ExpectedStatus: 200, ExpectedContent: []string{`"total_rows":2`, `"key":"` + long + `"`}},
		{Name: "mango index", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"n":{"$gt":0}},"use_index":"by_n","fields":["_id"]}`, Token: e.tok,
			ExpectedStatus: 200, ExpectedContent: []string{`"_id":"` + long + `"`, `"_id":"` + long[:4000] + `"`}},
		{Name: "one byte more", Method: "PUT", URL: "/data/io.cozy.test/" + esc + "x", Body: `{}`, Token: e.tok,
			ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`, "longer than 4096 bytes"}},
		{Name: "one byte more in bulk", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"` + long + `x"}]}`, Token: e.tok,
			ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "nothing stored", Method: "GET", URL: "/data/io.cozy.test/", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"doc_count":4`}},
	})
}

// TestLocalDeleteMissing: deleting a missing _local document is a 404
// whatever the rev given (CouchDB checks existence first); a bad rev on an
// existing one stays a 400, a stale one a 409.
func TestLocalDeleteMissing(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 201, "PUT", "/data/io.cozy.test/_local/there", `{}`)
	e.Run(t, []webtest.Scenario{
		{Name: "made-up rev", Method: "DELETE", URL: "/data/io.cozy.test/_local/foo?rev=1-fake", Token: e.tok, ExpectedStatus: 404, ExpectedContent: []string{`"error":"not_found"`}},
		{Name: "local rev", Method: "DELETE", URL: "/data/io.cozy.test/_local/foo?rev=0-1", Token: e.tok, ExpectedStatus: 404, ExpectedContent: []string{`"error":"not_found"`}},
		{Name: "no rev", Method: "DELETE", URL: "/data/io.cozy.test/_local/foo", Token: e.tok, ExpectedStatus: 404},
		{Name: "bad rev on an existing one", Method: "DELETE", URL: "/data/io.cozy.test/_local/there?rev=1-fake", Token: e.tok, ExpectedStatus: 400},
		{Name: "stale rev on an existing one", Method: "DELETE", URL: "/data/io.cozy.test/_local/there?rev=0-7", Token: e.tok, ExpectedStatus: 409},
		{Name: "bulk delete of a missing one", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"_local/foo","_rev":"1-fake","_deleted":true}]}`, Token: e.tok,
			ExpectedStatus: 201, ExpectedContent: []string{`"error":"not_found"`}},
		{Name: "still there", Method: "GET", URL: "/data/io.cozy.test/_local/there", Token: e.tok, ExpectedStatus: 200},
	})
}

// TestBulkNoEditsWithoutRev: with new_edits=false a document without _rev
// (or without _id) refuses the whole request, as CouchDB does; nothing of
// it is stored. _revisions alone is a rev, and _local ids need none.
func TestBulkNoEditsWithoutRev(t *testing.T) {
	e := setup(t, 0)
	e.Run(t, []webtest.Scenario{
		{Name: "no _rev", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"new_edits":false,"docs":[{"_id":"ok","_rev":"1-a"},{"_id":"norev"}]}`, Token: e.tok,
			ExpectedStatus: 400, ExpectedContent: []string{`"error":"bad_request"`, "rev is required"}},
		{Name: "no _id", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"new_edits":false,"docs":[{"_id":"ok","_rev":"1-a"},{"_rev":"1-b"}]}`, Token: e.tok,
			ExpectedStatus: 400, ExpectedContent: []string{`"error":"bad_request"`, "id is required"}},
		{Name: "nothing stored", Method: "GET", URL: "/data/io.cozy.test/ok", Token: e.tok, ExpectedStatus: 404},
		{Name: "_revisions is enough", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"new_edits":false,"docs":[{"_id":"h","_revisions":{"start":1,"ids":["a"]}},{"_id":"_local/cp","n":1}]}`, Token: e.tok,
			ExpectedStatus: 201, NotExpectedContent: []string{`"error"`}},
		{Name: "a bad rev stays per document", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"new_edits":false,"docs":[{"_id":"x","_rev":"zz"}]}`, Token: e.tok,
			ExpectedStatus: 201, ExpectedContent: []string{`"error"`}},
		{Name: "with new edits, no _rev is a create", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"norev"}]}`, Token: e.tok,
			ExpectedStatus: 201, ExpectedContent: []string{`"ok":true`}},
	})
}

// TestLocalAttachments: a _local document takes no attachment: any
// attachment path under it is a 400 (existing document or not, every
// method), and "_attachments" in its body is dropped, not kept nor
// returned.
func TestLocalAttachments(t *testing.T) {
	e := setup(t, 0)
	const reason = `"reason":"_local documents do not accept attachments."`
	att := `"_attachments":{"a.txt":{"content_type":"text/plain","data":"aGVsbG8="}}`
	e.Run(t, []webtest.Scenario{
		{Name: "put with attachments", Method: "PUT", URL: "/data/io.cozy.test/_local/withatt", Body: `{"n":1,` + att + `}`, Token: e.tok, ExpectedStatus: 201},
		{Name: "read drops them", Method: "GET", URL: "/data/io.cozy.test/_local/withatt", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"n":1`}, NotExpectedContent: []string{"_attachments"}},
		{Name: "attachments=true too", Method: "GET", URL: "/data/io.cozy.test/_local/withatt?attachments=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"n":1`}, NotExpectedContent: []string{"_attachments", "aGVsbG8="}},
		{Name: "bulk drops them", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"_local/bulk",` + att + `}]}`, Token: e.tok,
			ExpectedStatus: 201, NotExpectedContent: []string{`"error"`}},
		{Name: "bulk read", Method: "GET", URL: "/data/io.cozy.test/_local/bulk", Token: e.tok, ExpectedStatus: 200, NotExpectedContent: []string{"_attachments"}},
		{Name: "get attachment", Method: "GET", URL: "/data/io.cozy.test/_local/withatt/a.txt", Token: e.tok, ExpectedStatus: 400,
			ExpectedContent: []string{`"error":"bad_request"`, reason}},
		{Name: "get missing attachment", Method: "GET", URL: "/data/io.cozy.test/_local/withatt/nope", Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{reason}},
		{Name: "attachment of a missing doc", Method: "GET", URL: "/data/io.cozy.test/_local/nodoc/a.txt", Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{reason}},
		{Name: "put attachment", Method: "PUT", URL: "/data/io.cozy.test/_local/withatt/b.txt", Body: "hello", Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{reason}},
		{Name: "delete attachment", Method: "DELETE", URL: "/data/io.cozy.test/_local/withatt/a.txt?rev=0-1", Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{reason}},
		{Name: "doc untouched", Method: "GET", URL: "/data/io.cozy.test/_local/withatt", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"_rev":"0-1"`}},
		{Name: "needs a token", Method: "GET", URL: "/data/io.cozy.test/_local/withatt/a.txt", ExpectedStatus: 401},
	})
}

// TestViewSeesConflicts: map functions get the document with "_conflicts"
// (CouchDB's and PouchDB's documented way to list conflicted documents);
// resolving the conflict takes the document out of such a view.
func TestViewSeesConflicts(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 201, "POST", "/data/io.cozy.test/_bulk_docs",
		`{"new_edits":false,"docs":[{"_id":"c","_rev":"1-aaa","v":"a"},{"_id":"c","_rev":"1-bbb","v":"b"},{"_id":"plain","_rev":"1-ccc"}]}`)
	e.must(t, 200, "PUT", "/data/io.cozy.test/_design/conf",
		`{"views":{"conflicted":{"map":"function(doc){ if (doc._conflicts) emit(doc._id, doc._conflicts) }"},"all":{"map":"function(doc){ emit(doc._id, !!doc._conflicts) }"}}}`)
	e.Run(t, []webtest.Scenario{
		{Name: "conflicted doc found", Method: "GET", URL: "/data/io.cozy.test/_design/conf/_view/conflicted", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"total_rows":1`, `{"id":"c","key":"c","value":["1-aaa"]}`}},
		{Name: "no _conflicts on the others", Method: "GET", URL: "/data/io.cozy.test/_design/conf/_view/all", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"total_rows":2`, `{"id":"plain","key":"plain","value":false}`}},
		{Name: "resolve", Method: "DELETE", URL: "/data/io.cozy.test/c?rev=1-aaa", Token: e.tok, ExpectedStatus: 200},
		{Name: "gone from the view", Method: "GET", URL: "/data/io.cozy.test/_design/conf/_view/conflicted", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"total_rows":0`}},
	})
}
