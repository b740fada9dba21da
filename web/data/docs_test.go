package data_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestRootAndDoctypes(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 201, "POST", "/data/io.cozy.test/", `{"a":1}`)
	e.Run(t, []webtest.Scenario{
		{Name: "root", Method: "GET", URL: "/data/", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"couchdb":"Welcome"`, `"uuid"`}},
		{Name: "root without token", Method: "GET", URL: "/data/", ExpectedStatus: 401},
		{Name: "root POST", Method: "POST", URL: "/data/", Token: e.tok, ExpectedStatus: 405, ExpectedContent: []string{`"error":"method_not_allowed"`}},
		{Name: "doctypes", Method: "GET", URL: "/data/_all_doctypes", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"io.cozy.test"`, `"io.cozy.files"`}}, // and upstream's initial databases (pkg/stack)
		{Name: "doctypes needs io.cozy.doctypes", Method: "GET", URL: "/data/_all_doctypes", Token: e.Token(t, "io.cozy.test"), ExpectedStatus: 403},
	})
}

func TestCRUD(t *testing.T) {
	e := setup(t, 0)
	var id, rev string
	e.Run(t, []webtest.Scenario{{
		Name: "create", Method: "POST", URL: "/data/io.cozy.test/", Token: e.tok,
		Body:           `{"name":"été","nested":{"a":[1,2]},"_type":"io.cozy.test"}`,
		ExpectedStatus: 201, ExpectedContent: []string{`"ok":true`, `"type":"io.cozy.test"`, `"_type":"io.cozy.test"`, `"name":"été"`},
		ExpectedEvents: map[string]int{"CREATED io.cozy.test": 1},
		After: func(t *testing.T, _ *http.Response, body string) {
			m := object(t, body)
			id, rev = m["id"].(string), m["rev"].(string)
			if len(id) != 32 || m["data"].(map[string]any)["_id"] != id {
				t.Fatalf("create answer: %s", body)
			}
		},
	}})
	tok := e.tok
	e.Run(t, []webtest.Scenario{
		{Name: "get", Method: "GET", URL: "/data/io.cozy.test/" + id, Token: tok, ExpectedStatus: 200, ExpectedContent: []string{`"_type":"io.cozy.test"`, `"name":"été"`, rev},
			ExpectedHeaders: map[string]string{"Etag": `"` + rev + `"`}},
		{Name: "get missing", Method: "GET", URL: "/data/io.cozy.test/nope", Token: tok, ExpectedStatus: 404, ExpectedContent: []string{`"error":"not_found"`, `"reason":"missing"`}},
		{Name: "create with _id", Method: "POST", URL: "/data/io.cozy.test/", Body: `{"_id":"x"}`, Token: tok, ExpectedStatus: 400, ExpectedContent: []string{"_id"}},
		{Name: "create with _rev", Method: "POST", URL: "/data/io.cozy.test/", Body: `{"_rev":"1-a"}`, Token: tok, ExpectedStatus: 400, ExpectedContent: []string{"_rev"}},
		{Name: "create with _foo", Method: "POST", URL: "/data/io.cozy.test/", Body: `{"_foo":1}`, Token: tok, ExpectedStatus: 400, ExpectedContent: []string{"_foo", `"error":"doc_validation"`}},
		{Name: "malformed JSON", Method: "POST", URL: "/data/io.cozy.test/", Body: `{"a":`, Token: tok, ExpectedStatus: 400, ExpectedContent: []string{"bad_request"}},
		{Name: "not an object", Method: "POST", URL: "/data/io.cozy.test/", Body: `[1]`, Token: tok, ExpectedStatus: 400},
		{Name: "invalid doctype", Method: "POST", URL: "/data/IO..x/", Body: `{}`, Token: tok, ExpectedStatus: 400},
		{Name: "reserved doctype read", Method: "GET", URL: "/data/io.cozy.sessions/x", Token: e.Token(t, "io.cozy.sessions"), ExpectedStatus: 403, ExpectedContent: []string{"reserved doctype"}},
		{Name: "read-only doctype write", Method: "POST", URL: "/data/io.cozy.files/", Body: `{}`, Token: tok, ExpectedStatus: 403, ExpectedContent: []string{"reserved doctype"}},
		{Name: "read-only doctype bulk", Method: "POST", URL: "/data/io.cozy.files/_bulk_docs", Body: `{"docs":[{}]}`, Token: tok, ExpectedStatus: 403, ExpectedContent: []string{"reserved doctype"}},
		{Name: "no token", Method: "GET", URL: "/data/io.cozy.test/" + id, ExpectedStatus: 401},
		{Name: "other doctype", Method: "GET", URL: "/data/io.cozy.nope/" + id, Token: tok, ExpectedStatus: 403},
		{Name: "update without rev", Method: "PUT", URL: "/data/io.cozy.test/" + id, Body: `{"name":"b"}`, Token: tok, ExpectedStatus: 409, ExpectedContent: []string{"conflict"}},
		{Name: "update stale rev", Method: "PUT", URL: "/data/io.cozy.test/" + id, Body: `{"_rev":"1-abc","name":"b"}`, Token: tok, ExpectedStatus: 409},
		{Name: "update id mismatch", Method: "PUT", URL: "/data/io.cozy.test/" + id, Body: `{"_id":"other","_rev":"` + rev + `"}`, Token: tok, ExpectedStatus: 400},
		{Name: "invalid rev", Method: "PUT", URL: "/data/io.cozy.test/" + id, Body: `{"_rev":"zzz"}`, Token: tok, ExpectedStatus: 400},
		{Name: "update", Method: "PUT", URL: "/data/io.cozy.test/" + id, Body: `{"_rev":"` + rev + `","_type":"io.cozy.test","name":"b"}`, Token: tok,
			ExpectedStatus: 200, ExpectedContent: []string{`"rev":"2-`, `"name":"b"`}, ExpectedEvents: map[string]int{"UPDATED io.cozy.test": 1}},
		{Name: "fixed id with slash", Method: "PUT", URL: "/data/io.cozy.test/a%2Fb%3F%23%25", Body: `{"x":1}`, Token: tok,
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"a/b?#%"`}, ExpectedEvents: map[string]int{"CREATED io.cozy.test": 1}},
		{Name: "get fixed id", Method: "GET", URL: "/data/io.cozy.test/a%2Fb%3F%23%25", Token: tok, ExpectedStatus: 200, ExpectedContent: []string{`"_id":"a/b?#%"`}},
		{Name: "delete without rev", Method: "DELETE", URL: "/data/io.cozy.test/" + id, Token: tok, ExpectedStatus: 400, ExpectedContent: []string{"rev"}},
		{Name: "delete stale", Method: "DELETE", URL: "/data/io.cozy.test/" + id + "?rev=" + rev, Token: tok, ExpectedStatus: 409},
		{Name: "delete missing", Method: "DELETE", URL: "/data/io.cozy.test/nope?rev=1-a", Token: tok, ExpectedStatus: 404},
		{Name: "db info", Method: "GET", URL: "/data/io.cozy.test/", Token: tok, ExpectedStatus: 200, ExpectedContent: []string{`"doc_count":2`, `"update_seq":"`}},
		{Name: "db info missing", Method: "GET", URL: "/data/io.cozy.other/", Token: tok, ExpectedStatus: 404},
		{Name: "db create", Method: "PUT", URL: "/data/io.cozy.other/", Token: tok, ExpectedStatus: 201},
		{Name: "db create again", Method: "PUT", URL: "/data/io.cozy.other/", Token: tok, ExpectedStatus: 412},
		{Name: "bad method", Method: "PATCH", URL: "/data/io.cozy.test/" + id, Token: tok, ExpectedStatus: 405},
		{Name: "unknown special", Method: "GET", URL: "/data/io.cozy.test/_nope", Token: tok, ExpectedStatus: 404},
		{Name: "special bad method", Method: "PUT", URL: "/data/io.cozy.test/_find", Token: tok, ExpectedStatus: 405},
		{Name: "path too deep", Method: "GET", URL: "/data/io.cozy.test/a/b", Token: tok, ExpectedStatus: 404, ExpectedContent: []string{`"error":"not_found"`}},
	})
	rev2 := object(t, e.must(t, 200, "GET", "/data/io.cozy.test/"+id, ""))["_rev"].(string)
	e.Run(t, []webtest.Scenario{
		{Name: "delete with If-Match", Method: "DELETE", URL: "/data/io.cozy.test/" + id, Token: tok, Headers: map[string]string{"If-Match": `"` + rev2 + `"`},
			ExpectedStatus: 200, ExpectedContent: []string{`"_deleted":true`}, ExpectedEvents: map[string]int{"DELETED io.cozy.test": 1}},
		{Name: "get deleted", Method: "GET", URL: "/data/io.cozy.test/" + id, Token: tok, ExpectedStatus: 404, ExpectedContent: []string{"deleted"}},
	})
}

func TestRestrictedToken(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 200, "PUT", "/data/io.cozy.test/mine", `{"owner":"me"}`)
	e.must(t, 200, "PUT", "/data/io.cozy.test/theirs", `{"owner":"them"}`)
	one := e.Token(t, "io.cozy.test:ALL:mine")
	ro := e.Token(t, "io.cozy.test:GET")
	e.Run(t, []webtest.Scenario{
		{Name: "own doc", Method: "GET", URL: "/data/io.cozy.test/mine", Token: one, ExpectedStatus: 200},
		{Name: "other doc", Method: "GET", URL: "/data/io.cozy.test/theirs", Token: one, ExpectedStatus: 403},
		{Name: "list needs whole doctype", Method: "GET", URL: "/data/io.cozy.test/_all_docs", Token: one, ExpectedStatus: 403},
		{Name: "changes needs whole doctype", Method: "GET", URL: "/data/io.cozy.test/_changes", Token: one, ExpectedStatus: 403},
		{Name: "find needs whole doctype", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{}}`, Token: one, ExpectedStatus: 403},
		{Name: "bulk_docs needs whole doctype", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[]}`, Token: one, ExpectedStatus: 403},
		{Name: "bulk_get needs whole doctype", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: `{"docs":[{"id":"mine"}]}`, Token: one, ExpectedStatus: 403},
		{Name: "read-only token cannot write", Method: "PUT", URL: "/data/io.cozy.test/x", Body: `{}`, Token: ro, ExpectedStatus: 403},
		{Name: "read-only token writes checkpoints", Method: "PUT", URL: "/data/io.cozy.test/_local/cp", Body: `{"last_seq":"1"}`, Token: ro, ExpectedStatus: 201},
		{Name: "read-only token bulk_get", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: `{"docs":[{"id":"mine"}]}`, Token: ro, ExpectedStatus: 200, ExpectedContent: []string{`"owner":"me"`}},
		{Name: "read-only token bulk_docs", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[]}`, Token: ro, ExpectedStatus: 403},
		{Name: "update own doc", Method: "PUT", URL: "/data/io.cozy.test/mine", Body: `{"owner":"me2"}`, Token: one, ExpectedStatus: 409},
		{Name: "delete other doc", Method: "DELETE", URL: "/data/io.cozy.test/theirs?rev=1-a", Token: one, ExpectedStatus: 403},
	})
}

func TestBodyLimit(t *testing.T) {
	e := setup(t, 1024)
	big := `{"x":"` + strings.Repeat("a", 2000) + `"}`
	e.Run(t, []webtest.Scenario{
		{Name: "create too large", Method: "POST", URL: "/data/io.cozy.test/", Body: big, Token: e.tok, ExpectedStatus: 413, ExpectedContent: []string{`"error":"too_large"`}},
		{Name: "bulk too large", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[` + big + `]}`, Token: e.tok, ExpectedStatus: 413},
		{Name: "nothing written", Method: "GET", URL: "/data/io.cozy.test/", Token: e.tok, ExpectedStatus: 404},
	})
}

// TestWriteAnswerIsTheRead: the "data" of a create or update (rendered
// from what was written, without reading it back) is what a read gives,
// _type included; special members are refused on create as before.
func TestWriteAnswerIsTheRead(t *testing.T) {
	e := setup(t, 0)
	check := func(answer string) map[string]any {
		t.Helper()
		res := object(t, answer)
		data, _ := json.Marshal(res["data"])
		read := e.must(t, 200, "GET", "/data/io.cozy.test/"+res["id"].(string), "")
		var a, b any
		json.Unmarshal(data, &a)
		json.Unmarshal([]byte(read), &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("answer data %s, read %s", data, read)
		}
		return res
	}
	res := check(e.must(t, 201, "POST", "/data/io.cozy.test/", `{ "_type":"io.cozy.test", "b": [1, 2.50, {"c": "\u00e9"}], "a": null }`))
	id, rev := res["id"].(string), res["rev"].(string)
	check(e.must(t, 200, "PUT", "/data/io.cozy.test/"+id, `{"_id":"`+id+`","_rev":"`+rev+`","_type":"io.cozy.test","b":2}`))
	check(e.must(t, 200, "PUT", "/data/io.cozy.test/fixed", `{"x":"y"}`))
	e.must(t, 400, "POST", "/data/io.cozy.test/", `{"_id":"x"}`)
	e.must(t, 400, "POST", "/data/io.cozy.test/", `{"_rev":"1-a"}`)
	e.must(t, 400, "POST", "/data/io.cozy.test/", `{"a":1,"a":2}`)
}
