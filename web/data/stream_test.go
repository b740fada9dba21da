package data_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStreamedAnswers: answers longer than the store's batches (256 rows)
// come whole, as one valid JSON object with the members in order.
func TestStreamedAnswers(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 200, "POST", "/data/io.cozy.test/_index", `{"index":{"fields":["n"]}}`)
	const n = 700
	docs := make([]string, n)
	for i := range docs {
		docs[i] = fmt.Sprintf(`{"_id":"doc-%04d","n":%d,"html":"<b>&</b>"}`, i, i)
	}
	e.must(t, 201, "POST", "/data/io.cozy.test/_bulk_docs", `{"docs":[`+strings.Join(docs, ",")+`]}`)
	tests := []struct {
		name, method, url, body string
		prefix, member          string
		rows                    int
	}{
		{"changes", "GET", "/data/io.cozy.test/_changes?include_docs=true", "", `{"results":[{"seq":"1-`, "results", n + 1},
		{"changes limit", "GET", "/data/io.cozy.test/_changes?limit=300&since=1", "", `{"results":[{"seq":"2-`, "results", 300},
		{"all_docs", "GET", "/data/io.cozy.test/_all_docs?include_docs=true&skip=1", "", `{"offset":1,"rows":[{"id":"doc-0000"`, "rows", n},
		{"all_docs keys", "POST", "/data/io.cozy.test/_all_docs", `{"keys":["doc-0003","nope","doc-0001"]}`, `{"offset":0,"rows":[{"id":"doc-0003"`, "rows", 3},
		{"find", "POST", "/data/io.cozy.test/_find", `{"selector":{"n":{"$gte":5}},"limit":600}`, `{"docs":[{"_id":"doc-0005"`, "docs", 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := e.must(t, 200, tt.method, tt.url, tt.body)
			if !strings.HasPrefix(body, tt.prefix) {
				t.Fatalf("starts %q", body[:min(len(body), 80)])
			}
			if !strings.Contains(body, `\u003cb\u003e\u0026\u003c/b\u003e`) && tt.name != "changes limit" && tt.name != "all_docs keys" {
				t.Errorf("documents are not escaped as encoding/json does")
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var rows []json.RawMessage
			if err := json.Unmarshal(m[tt.member], &rows); err != nil || len(rows) != tt.rows {
				t.Fatalf("%d rows, want %d (%v)", len(rows), tt.rows, err)
			}
		})
	}
	body := e.must(t, 200, "POST", "/data/io.cozy.test/_find", `{"selector":{"n":{"$gte":698}},"execution_stats":true}`)
	if !strings.Contains(body, `],"bookmark":"`) || !strings.Contains(body, `"limit":100,"next":false,"execution_stats":{"total_keys_examined":2,`) {
		t.Errorf("find's members: %s", body[strings.Index(body, "],"):])
	}
	body = e.must(t, 200, "GET", "/data/io.cozy.test/_all_docs?limit=1&update_seq=true", "")
	if !strings.HasSuffix(body, `}}],"total_rows":701,"update_seq":"701-`+body[strings.Index(body, `"update_seq":"701-`)+18:]) {
		t.Errorf("all_docs' members: %s", body)
	}
}

// TestStreamCutOnError: an error found after the answer started (here an
// attachment whose content was lost, met while inlining the second row)
// cannot change the status: the answer ends with the error on a last line
// and the connection is cut, so the client sees a truncated body.
func TestStreamCutOnError(t *testing.T) {
	e := setup(t, 0)
	e.must(t, 200, "PUT", "/data/io.cozy.test/a", `{}`)
	e.must(t, 200, "PUT", "/data/io.cozy.test/b", `{"_attachments":{"x.txt":{"content_type":"text/plain","data":"aGVsbG8="}}}`)
	dir := filepath.Join(e.Instances.Dir(e.Inst), "store.db.attachments")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Name() != "tmp" {
			os.RemoveAll(filepath.Join(dir, en.Name()))
		}
	}
	for _, path := range []string{"_changes?include_docs=true&attachments=true", "_all_docs?include_docs=true&attachments=true"} {
		req, _ := http.NewRequest("GET", e.URL()+"/data/io.cozy.test/"+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || err == nil {
			t.Errorf("%s: status %d, read error %v: the body must end cut", path, res.StatusCode, err)
		}
		if !strings.Contains(string(body), `"id":"a"`) || !strings.Contains(string(body), "\n{\"error\":") {
			t.Errorf("%s: body %q", path, body)
		}
	}
}
