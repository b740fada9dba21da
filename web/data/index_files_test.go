package data_test

import (
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestIndexesOnFiles: on io.cozy.files, written only by /files, a client
// may define Mango indexes with GET on the doctype, and delete or copy them
// with DELETE (POST) on the whole doctype, by either route
// cozy-stack-client or PouchDB uses; the server's own indexes stay.
func TestIndexesOnFiles(t *testing.T) {
	e := setup(t, 0)
	readOnly := e.Token(t, "io.cozy.files:GET")
	e.must(t, 200, "POST", "/data/io.cozy.files/_index", `{"index":{"fields":["class"]},"ddoc":"mine","name":"mine"}`)
	rev := object(t, e.must(t, 200, "GET", "/data/io.cozy.files/_design/mine", ""))["_rev"].(string)
	e.Run(t, []webtest.Scenario{
		{Name: "GET only: delete refused", Method: "DELETE", URL: "/data/io.cozy.files/_index/mine/json/mine", Token: readOnly, ExpectedStatus: 403},
		{Name: "GET only: delete design refused", Method: "DELETE", URL: "/data/io.cozy.files/_design/mine?rev=" + rev, Token: readOnly, ExpectedStatus: 403},
		{Name: "GET only: copy refused", Method: "POST", URL: "/data/io.cozy.files/_design/mine/copy?rev=" + rev, Headers: map[string]string{"Destination": "_design/copy"}, Token: readOnly, ExpectedStatus: 403},
		{Name: "copy", Method: "POST", URL: "/data/io.cozy.files/_design/mine/copy?rev=" + rev, Headers: map[string]string{"Destination": "_design/copy"}, Token: e.tok, ExpectedStatus: 201},
		{Name: "copy without destination", Method: "POST", URL: "/data/io.cozy.files/_design/mine/copy?rev=" + rev, Token: e.tok, ExpectedStatus: 400},
		{Name: "delete index", Method: "DELETE", URL: "/data/io.cozy.files/_index/_design/mine/json/mine", Token: e.tok, ExpectedStatus: 200},
		{Name: "index gone", Method: "GET", URL: "/data/io.cozy.files/_design/mine", Token: e.tok, ExpectedStatus: 404},
		{Name: "server's index by _index", Method: "DELETE", URL: "/data/io.cozy.files/_index/by-path/json/by-path", Token: e.tok, ExpectedStatus: 403, ExpectedContent: []string{"reserved doctype"}},
		{Name: "server's index by _design", Method: "DELETE", URL: "/data/io.cozy.files/_design/by-dir-id-name?rev=1-x", Token: e.tok, ExpectedStatus: 403},
		{Name: "copy over the server's index", Method: "POST", URL: "/data/io.cozy.files/_design/copy/copy", Headers: map[string]string{"Destination": "by-path"}, Token: e.tok, ExpectedStatus: 403},
		{Name: "design documents stay unwritable", Method: "PUT", URL: "/data/io.cozy.files/_design/js", Body: `{"views":{"v":{"map":"function(d){emit(d._id)}"}}}`, Token: e.tok, ExpectedStatus: 403},
	})
	rev = object(t, e.must(t, 200, "GET", "/data/io.cozy.files/_design/copy", ""))["_rev"].(string)
	e.must(t, 200, "DELETE", "/data/io.cozy.files/_design/copy?rev="+rev, "")
	e.must(t, 404, "GET", "/data/io.cozy.files/_design/copy", "")
}
