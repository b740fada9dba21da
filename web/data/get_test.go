package data_test

import (
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestOpenRevsSelectorToken: a token restricted by a selector reads only the
// revisions its rule accepts. The winner of "doc" matches it; a conflicting
// revision (written by replication) does not, and its content must not come
// out through open_revs, latest, rev or _bulk_get.
func TestOpenRevsSelectorToken(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 201, "POST", "/data/io.cozy.test/_bulk_docs", `{"new_edits":false,"docs":[
		{"_id":"doc","_rev":"2-ccc","_revisions":{"start":2,"ids":["ccc","aaa"]},"kind":"public","v":"shown"},
		{"_id":"doc","_rev":"2-bbb","_revisions":{"start":2,"ids":["bbb","aaa"]},"kind":"secret","v":"s3cr3t"}]}`)
	sel := e.Token(t, "io.cozy.test:GET:public:kind")
	hidden := []string{"s3cr3t", `"kind":"secret"`}
	e.Run(t, []webtest.Scenario{
		{Name: "winner", Method: "GET", URL: "/data/io.cozy.test/doc", Token: sel, ExpectedStatus: 200, ExpectedContent: []string{`"_rev":"2-ccc"`}},
		{Name: "open_revs all leaves the conflict out", Method: "GET", URL: "/data/io.cozy.test/doc?open_revs=all", Token: sel, ExpectedStatus: 200,
			ExpectedContent: []string{`[{"ok":{"_id":"doc","_rev":"2-ccc"`}, NotExpectedContent: append(hidden, "2-bbb")},
		{Name: "open_revs named conflict is missing", Method: "GET", URL: `/data/io.cozy.test/doc?open_revs=["2-bbb","2-ccc","9-zzz"]&revs=true`, Token: sel, ExpectedStatus: 200,
			ExpectedContent: []string{`{"missing":"2-bbb"}`, `"_rev":"2-ccc"`, `{"missing":"9-zzz"}`}, NotExpectedContent: hidden},
		{Name: "open_revs latest", Method: "GET", URL: `/data/io.cozy.test/doc?open_revs=["1-aaa"]&latest=true`, Token: sel, ExpectedStatus: 200,
			ExpectedContent: []string{`"_rev":"2-ccc"`}, NotExpectedContent: append(hidden, "2-bbb")},
		{Name: "rev", Method: "GET", URL: "/data/io.cozy.test/doc?rev=2-bbb", Token: sel, ExpectedStatus: 403, NotExpectedContent: hidden},
		{Name: "rev latest", Method: "GET", URL: "/data/io.cozy.test/doc?rev=2-bbb&latest=true", Token: sel, ExpectedStatus: 403, NotExpectedContent: hidden},
		{Name: "bulk_get", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: `{"docs":[{"id":"doc","rev":"2-bbb"}]}`, Token: sel, ExpectedStatus: 403, NotExpectedContent: hidden},
		{Name: "whole token sees both", Method: "GET", URL: "/data/io.cozy.test/doc?open_revs=all", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"_rev":"2-bbb"`, "s3cr3t", `"_rev":"2-ccc"`}},
		{Name: "whole token bulk_get", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: `{"docs":[{"id":"doc","rev":"2-bbb"},{"id":"doc","rev":"1-aaa"}]}`, Token: e.tok,
			ExpectedStatus: 200, ExpectedContent: []string{"s3cr3t", `"reason":"missing","rev":"1-aaa"`}},
	})
}

// TestOpenRevsIDToken: a token restricted to some ids reads every revision
// of those documents and nothing of the others.
func TestOpenRevsIDToken(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 201, "POST", "/data/io.cozy.test/_bulk_docs", `{"new_edits":false,"docs":[
		{"_id":"mine","_rev":"1-aaa","v":1},{"_id":"mine","_rev":"1-bbb","v":2},{"_id":"theirs","_rev":"1-aaa","v":3}]}`)
	one := e.Token(t, "io.cozy.test:GET:mine")
	e.Run(t, []webtest.Scenario{
		{Name: "own conflicts", Method: "GET", URL: "/data/io.cozy.test/mine?open_revs=all", Token: one, ExpectedStatus: 200,
			ExpectedContent: []string{`"_rev":"1-aaa"`, `"_rev":"1-bbb"`}},
		{Name: "other document", Method: "GET", URL: "/data/io.cozy.test/theirs?open_revs=all", Token: one, ExpectedStatus: 403, NotExpectedContent: []string{`"v":3`}},
		{Name: "missing document", Method: "GET", URL: "/data/io.cozy.test/nope?open_revs=all", Token: one, ExpectedStatus: 403},
	})
}
