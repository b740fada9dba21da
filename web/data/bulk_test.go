package data_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// emptyDocs is a bulk body of n "{}" (or item) documents.
func emptyDocs(n int, item string) string {
	return `{"docs":[` + strings.Repeat(item+`,`, n-1) + item + `]}`
}

// TestBulkCaps: _bulk_docs and _bulk_get name at most 10000 documents;
// more is refused whole with 413 (CouchDB's max_bulk_docs_count and
// max_bulk_get_count), before anything is written.
func TestBulkCaps(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 200, "PUT", "/data/io.cozy.test/first", `{}`)
	count := func(want string) func(t *testing.T, _ *http.Response, _ string) {
		return func(t *testing.T, _ *http.Response, _ string) {
			if body := e.must(t, 200, "GET", "/data/io.cozy.test/", ""); !strings.Contains(body, `"doc_count":`+want+`,`) {
				t.Fatalf("db info: %s, want doc_count %s", body, want)
			}
		}
	}
	e.Run(t, []webtest.Scenario{
		{Name: "400k tiny docs", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: emptyDocs(400000, `{}`), Token: e.tok,
			ExpectedStatus: 413, ExpectedContent: []string{`"error":"max_bulk_docs_count_exceeded"`, "10000"}, After: count("1")},
		{Name: "10001 docs", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: emptyDocs(10001, `{}`), Token: e.tok,
			ExpectedStatus: 413, ExpectedContent: []string{`"error":"max_bulk_docs_count_exceeded"`}, After: count("1")},
		{Name: "10000 docs", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: emptyDocs(10000, `{}`), Token: e.tok,
			ExpectedStatus: 201, After: func(t *testing.T, res *http.Response, body string) {
				var out []map[string]any
				if err := json.Unmarshal([]byte(body), &out); err != nil || len(out) != 10000 {
					t.Fatalf("%d results: %v", len(out), err)
				}
				for _, r := range out {
					if r["ok"] != true {
						t.Fatalf("result %v", r)
					}
				}
				count("10001")(t, res, body)
			}},
		{Name: "bulk_get 10001", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: emptyDocs(10001, `{"id":"first"}`), Token: e.tok,
			ExpectedStatus: 413, ExpectedContent: []string{`"error":"max_bulk_get_count_exceeded"`}},
		{Name: "bulk_get 10000", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: emptyDocs(10000, `{"id":"first"}`), Token: e.tok,
			ExpectedStatus: 200},
		{Name: "docs twice", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[],"docs":[{}]}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "docs not an array", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":{}}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "trailing data", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[]} {}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad new_edits", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[],"new_edits":"no"}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "unknown member skipped", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"all_or_nothing":false,"docs":[{"_id":"x"}]}`, Token: e.tok,
			ExpectedStatus: 201, ExpectedContent: []string{`"id":"x","ok":true`}, ExpectedEvents: map[string]int{"CREATED io.cozy.test": 1}},
		{Name: "bulk_get bad item", Method: "POST", URL: "/data/io.cozy.test/_bulk_get", Body: `{"docs":[{"id":1}]}`, Token: e.tok, ExpectedStatus: 400},
	})
}

// TestBulkDocsChunks: a bulk larger than a write chunk keeps CouchDB's
// per-document results in order, a document repeated across chunks
// included, and publishes one event per written document.
func TestBulkDocsChunks(t *testing.T) {
	e := setup(t, 0)
	var sb strings.Builder
	sb.WriteString(`{"docs":[{"_id":"dup"}`)
	for i := 1; i < 1200; i++ {
		sb.WriteString(`,{}`)
	}
	sb.WriteString(`,{"_id":"dup"}]}`)
	e.Run(t, []webtest.Scenario{{
		Name: "1201 docs", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: sb.String(), Token: e.tok,
		ExpectedStatus: 201, ExpectedEvents: map[string]int{"CREATED io.cozy.test": 1200},
		After: func(t *testing.T, _ *http.Response, body string) {
			var out []map[string]any
			if err := json.Unmarshal([]byte(body), &out); err != nil || len(out) != 1201 {
				t.Fatalf("%d results: %v", len(out), err)
			}
			if out[0]["id"] != "dup" || out[0]["ok"] != true || out[1200]["id"] != "dup" || out[1200]["error"] != "conflict" {
				t.Fatalf("first %v, last %v", out[0], out[1200])
			}
		},
	}})
}
