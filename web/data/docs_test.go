package data_test

import (
	"strings"
	"testing"
)

func TestRootAndDoctypes(t *testing.T) {
	e := newEnv(t, 0)
	e.do(t, "POST", "/data/io.cozy.test/", e.tok, `{"a":1}`)
	e.run(t, []call{
		{name: "root", method: "GET", path: "/data/", status: 200, contains: []string{`"couchdb":"Welcome"`, `"uuid"`}},
		{name: "root without token", method: "GET", path: "/data/", tok: "-", status: 401},
		{name: "doctypes", method: "GET", path: "/data/_all_doctypes", status: 200, contains: []string{`["io.cozy.test"]`}},
		{name: "doctypes needs io.cozy.doctypes", method: "GET", path: "/data/_all_doctypes", tok: e.token(t, "io.cozy.test"), status: 403},
	})
}

func TestCRUD(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do(t, "POST", "/data/io.cozy.test/", e.tok, `{"name":"été","nested":{"a":[1,2]},"_type":"io.cozy.test"}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	id, rev := m["id"].(string), m["rev"].(string)
	data := m["data"].(map[string]any)
	if m["type"] != "io.cozy.test" || m["ok"] != true || data["_id"] != id || data["_type"] != "io.cozy.test" || data["name"] != "été" {
		t.Fatalf("create answer: %s", r.body)
	}
	e.run(t, []call{
		{name: "get", method: "GET", path: "/data/io.cozy.test/" + id, status: 200, contains: []string{`"_type":"io.cozy.test"`, `"name":"été"`, rev}},
		{name: "get missing", method: "GET", path: "/data/io.cozy.test/nope", status: 404, contains: []string{`"error":"not_found"`, `"reason":"missing"`}},
		{name: "create with _id", method: "POST", path: "/data/io.cozy.test/", body: `{"_id":"x"}`, status: 400, contains: []string{"_id"}},
		{name: "create with _rev", method: "POST", path: "/data/io.cozy.test/", body: `{"_rev":"1-a"}`, status: 400, contains: []string{"_rev"}},
		{name: "create with _foo", method: "POST", path: "/data/io.cozy.test/", body: `{"_foo":1}`, status: 400, contains: []string{"_foo"}},
		{name: "malformed JSON", method: "POST", path: "/data/io.cozy.test/", body: `{"a":`, status: 400, contains: []string{"bad_request"}},
		{name: "not an object", method: "POST", path: "/data/io.cozy.test/", body: `[1]`, status: 400},
		{name: "invalid doctype", method: "POST", path: "/data/IO..x/", body: `{}`, status: 400},
		{name: "reserved doctype read", method: "GET", path: "/data/io.cozy.sessions/x", tok: e.token(t, "io.cozy.sessions"), status: 403, contains: []string{"reserved doctype"}},
		{name: "read-only doctype write", method: "POST", path: "/data/io.cozy.files/", body: `{}`, status: 403, contains: []string{"reserved doctype"}},
		{name: "read-only doctype bulk", method: "POST", path: "/data/io.cozy.files/_bulk_docs", body: `{"docs":[{}]}`, status: 403, contains: []string{"reserved doctype"}},
		{name: "no token", method: "GET", path: "/data/io.cozy.test/" + id, tok: "-", status: 401},
		{name: "other doctype", method: "GET", path: "/data/io.cozy.nope/" + id, status: 403},
		{name: "update without rev", method: "PUT", path: "/data/io.cozy.test/" + id, body: `{"name":"b"}`, status: 409, contains: []string{"conflict"}},
		{name: "update stale rev", method: "PUT", path: "/data/io.cozy.test/" + id, body: `{"_rev":"1-abc","name":"b"}`, status: 409},
		{name: "update id mismatch", method: "PUT", path: "/data/io.cozy.test/" + id, body: `{"_id":"other","_rev":"` + rev + `"}`, status: 400},
		{name: "invalid rev", method: "PUT", path: "/data/io.cozy.test/" + id, body: `{"_rev":"zzz"}`, status: 400},
		{name: "update", method: "PUT", path: "/data/io.cozy.test/" + id, body: `{"_rev":"` + rev + `","_type":"io.cozy.test","name":"b"}`, status: 200, contains: []string{`"rev":"2-`, `"name":"b"`}},
		{name: "fixed id with slash", method: "PUT", path: "/data/io.cozy.test/a%2Fb%3F%23%25", body: `{"x":1}`, status: 200, contains: []string{`"id":"a/b?#%"`}},
		{name: "get fixed id", method: "GET", path: "/data/io.cozy.test/a%2Fb%3F%23%25", status: 200, contains: []string{`"_id":"a/b?#%"`}},
		{name: "delete without rev", method: "DELETE", path: "/data/io.cozy.test/" + id, status: 400, contains: []string{"rev"}},
		{name: "delete stale", method: "DELETE", path: "/data/io.cozy.test/" + id + "?rev=" + rev, status: 409},
		{name: "db info", method: "GET", path: "/data/io.cozy.test/", status: 200, contains: []string{`"doc_count":2`, `"update_seq":"`}},
		{name: "db info missing", method: "GET", path: "/data/io.cozy.other/", status: 404},
		{name: "db create", method: "PUT", path: "/data/io.cozy.other/", status: 201},
		{name: "db create again", method: "PUT", path: "/data/io.cozy.other/", status: 412},
		{name: "bad method", method: "PATCH", path: "/data/io.cozy.test/" + id, status: 405},
		{name: "unknown special", method: "GET", path: "/data/io.cozy.test/_nope", status: 404},
	})
	r = e.do(t, "GET", "/data/io.cozy.test/"+id, e.tok, "")
	rev2 := r.json(t)["_rev"].(string)
	r = e.do(t, "DELETE", "/data/io.cozy.test/"+id, e.tok, "", "If-Match", `"`+rev2+`"`)
	if r.status != 200 || !strings.Contains(r.body, `"_deleted":true`) {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.do(t, "GET", "/data/io.cozy.test/"+id, e.tok, ""); r.status != 404 || !strings.Contains(r.body, "deleted") {
		t.Fatalf("get deleted: %d %s", r.status, r.body)
	}
}

func TestRestrictedToken(t *testing.T) {
	e := newEnv(t, 0)
	e.do(t, "PUT", "/data/io.cozy.test/mine", e.tok, `{"owner":"me"}`)
	e.do(t, "PUT", "/data/io.cozy.test/theirs", e.tok, `{"owner":"them"}`)
	one := e.token(t, "io.cozy.test:ALL:mine")
	ro := e.token(t, "io.cozy.test:GET")
	e.run(t, []call{
		{name: "own doc", method: "GET", path: "/data/io.cozy.test/mine", tok: one, status: 200},
		{name: "other doc", method: "GET", path: "/data/io.cozy.test/theirs", tok: one, status: 403},
		{name: "list needs whole doctype", method: "GET", path: "/data/io.cozy.test/_all_docs", tok: one, status: 403},
		{name: "changes needs whole doctype", method: "GET", path: "/data/io.cozy.test/_changes", tok: one, status: 403},
		{name: "find needs whole doctype", method: "POST", path: "/data/io.cozy.test/_find", body: `{"selector":{}}`, tok: one, status: 403},
		{name: "bulk_docs needs whole doctype", method: "POST", path: "/data/io.cozy.test/_bulk_docs", body: `{"docs":[]}`, tok: one, status: 403},
		{name: "read-only token cannot write", method: "PUT", path: "/data/io.cozy.test/x", body: `{}`, tok: ro, status: 403},
		{name: "read-only token writes checkpoints", method: "PUT", path: "/data/io.cozy.test/_local/cp", body: `{"last_seq":"1"}`, tok: ro, status: 201},
		{name: "read-only token bulk_get", method: "POST", path: "/data/io.cozy.test/_bulk_get", body: `{"docs":[{"id":"mine"}]}`, tok: ro, status: 200, contains: []string{`"owner":"me"`}},
		{name: "read-only token bulk_docs", method: "POST", path: "/data/io.cozy.test/_bulk_docs", body: `{"docs":[]}`, tok: ro, status: 403},
	})
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, 1024)
	big := `{"x":"` + strings.Repeat("a", 2000) + `"}`
	e.run(t, []call{
		{name: "create too large", method: "POST", path: "/data/io.cozy.test/", body: big, status: 413},
		{name: "bulk too large", method: "POST", path: "/data/io.cozy.test/_bulk_docs", body: `{"docs":[` + big + `]}`, status: 413},
		{name: "nothing written", method: "GET", path: "/data/io.cozy.test/", status: 404},
	})
}
