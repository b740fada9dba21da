package data_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A _bulk_docs over the JSON limit is streamed: attachment data goes to
// storage as it is read, the documents without it must fit the limit.
func TestBulkDocsStreamed(t *testing.T) {
	e := setup(t, 4096)
	content := func(i int) string { return strings.Repeat(fmt.Sprintf("content %d ", i), 5000) }
	var docs []string
	for i := 0; i < 3; i++ {
		docs = append(docs, fmt.Sprintf(`{"_id":"s%d","n":%d,"_attachments":{"f.txt":{"content_type":"text/plain","data":"%s"},"g":{"data":"%s"}}}`,
			i, i, base64.StdEncoding.EncodeToString([]byte(content(i))), strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte("g/g?g>g")), "/", `\/`)))
	}
	body := `{"docs":[` + strings.Join(docs, ",") + `],"new_edits":true}`
	if len(body) < 3*4096 {
		t.Fatal("the test body must be over the limit")
	}
	out := e.must(t, http.StatusCreated, "POST", "/data/io.cozy.test/_bulk_docs", body)
	if strings.Count(out, `"ok":true`) != 3 {
		t.Fatalf("bulk: %s", out)
	}
	for i := 0; i < 3; i++ {
		if got := e.must(t, http.StatusOK, "GET", fmt.Sprintf("/data/io.cozy.test/s%d/f.txt", i), ""); got != content(i) {
			t.Fatalf("s%d: %d bytes", i, len(got))
		}
		if got := e.must(t, http.StatusOK, "GET", fmt.Sprintf("/data/io.cozy.test/s%d/g", i), ""); got != "g/g?g>g" {
			t.Fatalf("s%d/g: %q", i, got)
		}
	}
	doc := object(t, e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/s1", ""))
	if doc["n"] != 1.0 || doc["_attachments"].(map[string]any)["f.txt"].(map[string]any)["length"] != float64(len(content(1))) {
		t.Fatalf("document: %v", doc)
	}
	// Replication form, and the checks of the ordinary path.
	e.must(t, http.StatusCreated, "POST", "/data/io.cozy.test/_bulk_docs",
		`{"new_edits":false,"docs":[{"_id":"r","_rev":"1-abc","_attachments":{"a":{"revpos":1,"data":"`+base64.StdEncoding.EncodeToString([]byte(content(7)))+`"}}}]}`)
	if got := e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/r/a", ""); got != content(7) {
		t.Fatal("replicated attachment")
	}
	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"fields over the limit": {`{"docs":[{"big":"` + strings.Repeat("x", 5000) + `","_attachments":{"a":{"data":"` + base64.StdEncoding.EncodeToString([]byte(content(1))) + `"}}}]}`, 413},
		"bad base64":            {`{"docs":[{"_attachments":{"a":{"data":"!!!` + strings.Repeat("A", 6000) + `"}}}]}`, 400},
		"truncated":             {`{"docs":[{"_attachments":{"a":{"data":"` + strings.Repeat("A", 6000), 400},
		"illegal id":            {`{"docs":[{"_id":"_x","_attachments":{"a":{"data":"` + strings.Repeat("A", 6000) + `"}}}]}`, 400},
	} {
		if code, out := e.send(t, "POST", "/data/io.cozy.test/_bulk_docs", tc.body); code != tc.status {
			t.Errorf("%s: %d %s", name, code, out)
		}
	}
}

// A streamed body nested beyond any document is refused, not recursed
// into without bound.
func TestBulkDocsStreamedDepth(t *testing.T) {
	e := setup(t, 4096)
	body := `{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `,"docs":[]}`
	if code, out := e.send(t, "POST", "/data/io.cozy.test/_bulk_docs", body); code != http.StatusBadRequest {
		t.Fatalf("%d %s", code, out)
	}
	body = `{"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"docs":[]}`
	if code, out := e.send(t, "POST", "/data/io.cozy.test/_bulk_docs", body); code != http.StatusCreated {
		t.Fatalf("%d %s", code, out)
	}
}
