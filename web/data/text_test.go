package data_test

import (
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestBodyText: every /data route that reads a JSON body refuses invalid
// UTF-8 and lone surrogate escapes (400), which encoding/json would
// otherwise store replaced by U+FFFD. Each body is first sent with a
// plain string, to show that it is refused for its text only.
func TestBodyText(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 200, "PUT", "/data/io.cozy.test/first", `{}`)
	e.must(t, 200, "POST", "/data/io.cozy.test/_index", `{"index":{"fields":["a"]}}`)
	routes := []struct {
		method, url, body string
		ok                int
	}{
		{"POST", "/data/io.cozy.test/", `{"a":"X"}`, 201},
		{"PUT", "/data/io.cozy.test/doc-N", `{"a":"X"}`, 200},
		{"PUT", "/data/io.cozy.test/_design/dd-N", `{"a":"X"}`, 200},
		{"POST", "/data/io.cozy.test/_bulk_docs", `{"docs":[{"a":"X"}]}`, 201},
		{"POST", "/data/io.cozy.test/_find", `{"selector":{"a":"X"}}`, 200},
		{"POST", "/data/io.cozy.test/_index", `{"index":{"fields":["X"]},"ddoc":"i-N"}`, 200},
		{"POST", "/data/io.cozy.test/_revs_diff", `{"X":["1-a"]}`, 200},
		{"POST", "/data/io.cozy.test/_bulk_get", `{"docs":[{"id":"X"}]}`, 200},
		{"PUT", "/data/io.cozy.test/_local/cp-N", `{"a":"X"}`, 201},
		{"POST", "/data/io.cozy.test/_all_docs", `{"keys":["X"]}`, 200},
		{"POST", "/data/io.cozy.test/_changes?filter=_doc_ids", `{"doc_ids":["X"]}`, 200},
	}
	var scenarios []webtest.Scenario
	for _, r := range routes {
		for n, text := range []string{"plain", `\ud800`, `a\udc00b`, `\ud83d\u0041`, "\xff", "a\xc3("} {
			name := r.method + " " + r.url + " " + text
			s := webtest.Scenario{Name: name, Method: r.method, URL: strings.Replace(r.url, "N", string(rune('a'+n)), 1),
				Body: strings.Replace(r.body, "X", text, 1), Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"bad_request"`, "invalid JSON"}}
			if text == "plain" {
				s.ExpectedStatus, s.ExpectedContent = r.ok, nil
			}
			scenarios = append(scenarios, s)
		}
	}
	// A valid pair is text, not an error.
	scenarios = append(scenarios, webtest.Scenario{Name: "surrogate pair", Method: "PUT", URL: "/data/io.cozy.test/emoji",
		Body: `{"a":"\ud83d\ude00"}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"a":"\ud83d\ude00"`}})
	e.Run(t, scenarios)
}

// TestIDControlChars: ids with NUL or other control characters are
// CouchDB's illegal_docid (400), wherever an id is written.
func TestIDControlChars(t *testing.T) {
	e := setup(t, 0)
	e.Run(t, []webtest.Scenario{
		{Name: "PUT NUL", Method: "PUT", URL: "/data/io.cozy.test/a%00b", Body: `{}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "PUT newline", Method: "PUT", URL: "/data/io.cozy.test/a%0Ab", Body: `{}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "PUT DEL", Method: "PUT", URL: "/data/io.cozy.test/a%7Fb", Body: `{}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "design NUL", Method: "PUT", URL: "/data/io.cozy.test/_design/a%00b", Body: `{}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "local NUL", Method: "PUT", URL: "/data/io.cozy.test/_local/a%00b", Body: `{}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "bulk NUL", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"a\u0000b"},{"_id":"ok"}]}`, Token: e.tok,
			ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "replicated NUL", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"new_edits":false,"docs":[{"_id":"a\u0001b","_rev":"1-a"}]}`, Token: e.tok,
			ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "body id NUL", Method: "PUT", URL: "/data/io.cozy.test/ab", Body: `{"_id":"a\u0000b"}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{`"error":"illegal_docid"`}},
		{Name: "nothing stored", Method: "GET", URL: "/data/io.cozy.test/_all_docs", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"total_rows":0`}},
		{Name: "underscore", Method: "PUT", URL: "/data/io.cozy.test/_x", Body: `{}`, Token: e.tok, ExpectedStatus: 404},
	})
}
