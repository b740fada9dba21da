package data_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// viewDDoc has map-only, built-in reduce and JS reduce views, and filters.
const viewDDoc = `{
  "views": {
    "by_n": {"map": "function(doc){ if (typeof doc.n == 'number') emit(doc.n, doc.name) }"},
    "by_tag": {"map": "function(doc){ (doc.tags || []).forEach(function(t){ emit([t, doc.n], 1) }) }", "reduce": "_count"},
    "sum_n": {"map": "function(doc){ if (doc.n != null) emit(doc.kind, doc.n) }", "reduce": "_sum"},
    "stats_n": {"map": "function(doc){ if (doc.n != null) emit(doc.kind, doc.n) }", "reduce": "_stats"},
    "js_max": {"map": "function(doc){ if (doc.n != null) emit(doc.kind, doc.n) }",
               "reduce": "function(keys, values, rereduce){ return Math.max.apply(null, values) }"},
    "linked": {"map": "function(doc){ if (doc.parent) emit(doc._id, {_id: doc.parent}) }"},
    "throws": {"map": "function(doc){ if (doc.n == 2) throw new Error('no'); emit(doc.n) }"}
  },
  "filters": {
    "odd": "function(doc, req){ return doc.n % 2 == 1 }",
    "param": "function(doc, req){ return doc.kind == req.query.kind }"
  }
}`

// seedViews writes d1..d5 (n = 1..5, kinds a/b, tags) and the design doc.
func seedViews(t *testing.T, e *env) {
	t.Helper()
	for i := 1; i <= 5; i++ {
		kind := "a"
		if i%2 == 0 {
			kind = "b"
		}
		tags := `["x"]`
		if i > 3 {
			tags = `["x","y"]`
		}
		e.must(t, 200, "PUT", fmt.Sprintf("/data/io.cozy.test/d%d", i),
			fmt.Sprintf(`{"n":%d,"name":"name%d","kind":%q,"tags":%s}`, i, i, kind, tags))
	}
	e.must(t, 200, "PUT", "/data/io.cozy.test/child", `{"parent":"d3"}`)
	e.must(t, 200, "PUT", "/data/io.cozy.test/_design/v", viewDDoc)
}

// rowsOf decodes a view answer.
func rowsOf(t *testing.T, body string) (res struct {
	TotalRows *int              `json:"total_rows"`
	Offset    *int              `json:"offset"`
	Rows      []json.RawMessage `json:"rows"`
	UpdateSeq any               `json:"update_seq"`
}) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("not a view answer: %v: %s", err, body)
	}
	return res
}

// compact removes the row separators, for substring checks.
func compact(s string) string { return strings.ReplaceAll(s, "\r\n", "") }

func TestViews(t *testing.T) {
	e := setup(t, 0)
	seedViews(t, e)
	v := "/data/io.cozy.test/_design/v/_view/"
	q := url.QueryEscape
	type tc struct {
		name, method, path, body string
		status                   int
		want                     []string // substrings of the compacted answer
	}
	cases := []tc{
		{"all rows", "GET", v + "by_n", "", 200, []string{`"total_rows":5,"offset":0,"rows":[{"id":"d1","key":1,"value":"name1"},{"id":"d2"`}},
		{"key", "GET", v + "by_n?key=3", "", 200, []string{`"offset":2,"rows":[{"id":"d3","key":3,"value":"name3"}]`}},
		{"range", "GET", v + "by_n?startkey=2&endkey=4&inclusive_end=false", "", 200, []string{`"rows":[{"id":"d2","key":2,"value":"name2"},{"id":"d3","key":3,"value":"name3"}]`}},
		{"start_key end_key", "GET", v + "by_n?start_key=4&end_key=5", "", 200, []string{`[{"id":"d4"`, `{"id":"d5"`}},
		{"descending", "GET", v + "by_n?descending=true&startkey=4&limit=2", "", 200, []string{`"offset":1,"rows":[{"id":"d4","key":4,"value":"name4"},{"id":"d3"`}},
		{"skip limit", "GET", v + "by_n?skip=1&limit=1", "", 200, []string{`"offset":1,"rows":[{"id":"d2"`}},
		{"limit 0", "GET", v + "by_n?limit=0", "", 200, []string{`"total_rows":5,"offset":0,"rows":[]`}},
		{"keys GET", "GET", v + "by_n?keys=" + q(`[5,1,9]`), "", 200, []string{`"rows":[{"id":"d5","key":5,"value":"name5"},{"id":"d1","key":1,"value":"name1"}]`}},
		{"keys descending", "GET", v + "by_tag?reduce=false&descending=true&keys=" + q(`[["x",4],["y",5]]`), "", 200, []string{`"rows":[{"id":"d4","key":["x",4],"value":1},{"id":"d5","key":["y",5],"value":1}]`}},
		{"keys POST", "POST", v + "by_n", `{"keys":[2]}`, 200, []string{`"rows":[{"id":"d2","key":2,"value":"name2"}]`}},
		{"include_docs", "GET", v + "by_n?key=1&include_docs=true", "", 200, []string{`"value":"name1","doc":{"_id":"d1","_rev":"1-`}},
		{"linked doc", "GET", v + "linked?include_docs=true", "", 200, []string{`"id":"child","key":"child","value":{"_id":"d3"},"doc":{"_id":"d3"`}},
		{"docid bounds", "GET", v + "by_tag?reduce=false&startkey=" + q(`["x",2]`) + "&startkey_docid=d2&endkey=" + q(`["x",3]`) + "&endkey_docid=d3", "", 200, []string{`"rows":[{"id":"d2","key":["x",2],"value":1},{"id":"d3","key":["x",3],"value":1}]`}},
		{"count", "GET", v + "by_tag", "", 200, []string{`{"rows":[{"key":null,"value":7}]}`}},
		{"group", "GET", v + "by_tag?group=true&startkey=" + q(`["y"]`), "", 200, []string{`"rows":[{"key":["y",4],"value":1},{"key":["y",5],"value":1}]`}},
		{"group_level", "GET", v + "by_tag?group_level=1", "", 200, []string{`"rows":[{"key":["x"],"value":5},{"key":["y"],"value":2}]`}},
		{"group_level keys", "POST", v + "by_tag?group_level=1", `{"keys":[["y",5]]}`, 200, []string{`"rows":[{"key":["y"],"value":1}]`}},
		{"sum", "GET", v + "sum_n?group=true", "", 200, []string{`"rows":[{"key":"a","value":9},{"key":"b","value":6}]`}},
		{"sum descending", "GET", v + "sum_n?group=true&descending=true&limit=1", "", 200, []string{`"rows":[{"key":"b","value":6}]`}},
		{"stats", "GET", v + "stats_n", "", 200, []string{`"value":{"count":5,"max":5,"min":1,"sum":15,"sumsqr":55}`}},
		{"js reduce", "GET", v + "js_max?group=true", "", 200, []string{`"rows":[{"key":"a","value":5},{"key":"b","value":4}]`}},
		{"reduce=false", "GET", v + "sum_n?reduce=false&limit=1", "", 200, []string{`"total_rows":5`, `"value":1}`}},
		{"map error skips the doc", "GET", v + "throws", "", 200, []string{`"total_rows":5`, `{"id":"d1","key":1,"value":null},{"id":"d3"`}},
		{"update_seq", "GET", v + "by_n?update_seq=true&limit=0", "", 200, []string{`"update_seq":"7-`}},
		{"update=false", "GET", v + "by_n?update=false&limit=0", "", 200, []string{`"total_rows":5`}},
		{"reduce on map view", "GET", v + "by_n?reduce=true", "", 400, []string{`query_parse_error`}},
		{"include_docs on reduce", "GET", v + "sum_n?include_docs=true", "", 400, []string{`query_parse_error`}},
		{"keys without group", "POST", v + "sum_n", `{"keys":["a"]}`, 400, []string{`query_parse_error`}},
		{"key and keys", "GET", v + "by_n?key=1&keys=" + q(`[1]`), "", 400, []string{`query_parse_error`}},
		{"reversed range", "GET", v + "by_n?startkey=4&endkey=1", "", 400, []string{`query_parse_error`}},
		{"bad json key", "GET", v + "by_n?key=abc", "", 400, []string{`query_parse_error`}},
		{"bad update", "GET", v + "by_n?update=sometimes", "", 400, []string{`query_parse_error`}},
		{"missing view", "GET", v + "nope", "", 404, []string{`not_found`}},
		{"missing ddoc", "GET", "/data/io.cozy.test/_design/nope/_view/x", "", 404, []string{`not_found`}},
		{"bad method", "PUT", v + "by_n", "", 405, nil},
		{"filter function", "GET", "/data/io.cozy.test/_changes?filter=v/odd", "", 200, []string{`"id":"d1"`, `"id":"d3"`, `"id":"d5"`}},
		{"filter with query", "GET", "/data/io.cozy.test/_changes?filter=v/param&kind=b", "", 200, []string{`"id":"d2"`, `"id":"d4"`}},
		{"filter _view", "GET", "/data/io.cozy.test/_changes?filter=_view&view=v/linked", "", 200, []string{`"results":[{"seq":"6-`, `"id":"child"`}},
		{"missing filter", "GET", "/data/io.cozy.test/_changes?filter=v/nope", "", 404, nil},
		{"bad filter", "GET", "/data/io.cozy.test/_changes?filter=nope", "", 400, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.send(t, c.method, c.path, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(compact(body), w) {
					t.Errorf("answer lacks %s:\n%s", w, body)
				}
			}
		})
	}
	// The filters leave out the other changes.
	body := e.must(t, 200, "GET", "/data/io.cozy.test/_changes?filter=v/odd", "")
	if strings.Contains(body, `"id":"d2"`) || strings.Contains(body, `"id":"_design/v"`) {
		t.Errorf("filter odd let through: %s", body)
	}
	// Built-in reductions render numbers as JavaScript does.
	e.must(t, 200, "PUT", "/data/io.cozy.test/big", `{"n":49950000,"kind":"c"}`)
	if body := e.must(t, 200, "GET", v+"sum_n?key=%22c%22", ""); !strings.Contains(body, `"value":49950000}`) {
		t.Errorf("sum of a large integer: %s", body)
	}
}

// TestViewsIncremental: the index follows writes, deletions, a changed
// design document and its deletion.
func TestViewsIncremental(t *testing.T) {
	e := setup(t, 0)
	seedViews(t, e)
	v := "/data/io.cozy.test/_design/v/_view/by_n"
	if r := rowsOf(t, e.must(t, 200, "GET", v, "")); *r.TotalRows != 5 {
		t.Fatalf("total_rows %d", *r.TotalRows)
	}
	rev := object(t, e.must(t, 200, "GET", "/data/io.cozy.test/d1", ""))["_rev"].(string)
	e.must(t, 200, "PUT", "/data/io.cozy.test/d1", `{"n":10,"_rev":"`+rev+`"}`)
	rev2 := object(t, e.must(t, 200, "GET", "/data/io.cozy.test/d2", ""))["_rev"].(string)
	e.must(t, 200, "DELETE", "/data/io.cozy.test/d2?rev="+rev2, "")
	e.must(t, 200, "PUT", "/data/io.cozy.test/d9", `{"n":0}`)
	// update=false still sees the index as it was.
	if r := rowsOf(t, e.must(t, 200, "GET", v+"?update=false", "")); *r.TotalRows != 5 {
		t.Errorf("update=false: total_rows %d, want the stale 5", *r.TotalRows)
	}
	// update=lazy answers the stale index, then updates it.
	if r := rowsOf(t, e.must(t, 200, "GET", v+"?update=lazy", "")); *r.TotalRows != 5 {
		t.Errorf("update=lazy: total_rows %d, want the stale 5", *r.TotalRows)
	}
	webtest.WaitFor(t, 10e9, "the lazy update", func() bool {
		return *rowsOf(t, e.must(t, 200, "GET", v+"?update=false", "")).TotalRows == 5 // d1 moved, d2 gone, d9 new
	})
	body := compact(e.must(t, 200, "GET", v, ""))
	for _, w := range []string{`"rows":[{"id":"d9","key":0,"value":null},{"id":"d3"`, `{"id":"d1","key":10,"value":null}]`} {
		if !strings.Contains(body, w) {
			t.Errorf("after writes, lacks %s: %s", w, body)
		}
	}
	if strings.Contains(body, `"d2"`) {
		t.Errorf("deleted d2 still listed: %s", body)
	}
	// A new map function rebuilds the index.
	ddoc := object(t, e.must(t, 200, "GET", "/data/io.cozy.test/_design/v", ""))
	ddoc["views"] = map[string]any{"by_n": map[string]any{"map": "function(doc){ if (doc.n > 3) emit(-doc.n) }"}}
	b, _ := json.Marshal(ddoc)
	e.must(t, 200, "PUT", "/data/io.cozy.test/_design/v", string(b))
	body = compact(e.must(t, 200, "GET", v, ""))
	if !strings.Contains(body, `"total_rows":3,"offset":0,"rows":[{"id":"d1","key":-10,"value":null},{"id":"d5","key":-5`) {
		t.Errorf("after a new map function: %s", body)
	}
	// Deleting the design document removes its view.
	rev = object(t, e.must(t, 200, "GET", "/data/io.cozy.test/_design/v", ""))["_rev"].(string)
	e.must(t, 200, "DELETE", "/data/io.cozy.test/_design/v?rev="+rev, "")
	e.must(t, 404, "GET", v, "")
}

// TestViewPermissions: a token on part of a doctype cannot query views nor
// write design documents.
func TestViewPermissions(t *testing.T) {
	e := setup(t, 0)
	seedViews(t, e)
	other := e.Token(t, "io.cozy.other")
	res, _ := e.Do(t, nil, "GET", "/data/io.cozy.test/_design/v/_view/by_n", other, "", nil)
	if res.StatusCode != 403 {
		t.Errorf("another doctype's token: %d", res.StatusCode)
	}
}

// TestViewLimits: a map function that loops forever, or allocates without
// end, is stopped with a clear error (500 os_process_error) and the server
// goes on serving, views included.
func TestViewLimits(t *testing.T) {
	e := setup(t, 0)
	seedViews(t, e)
	e.must(t, 200, "PUT", "/data/io.cozy.test/_design/bad", `{"views": {"loop": {"map": "function(doc){ while (true) {} }"}}}`)
	for _, tc := range []struct{ ddoc, want string }{
		{"bad", "time limit"},
	} {
		start := time.Now()
		status, body := e.send(t, "GET", "/data/io.cozy.test/_design/"+tc.ddoc+"/_view/loop", "")
		if status != 500 || !strings.Contains(body, `"os_process_error"`) || !strings.Contains(body, tc.want) {
			t.Errorf("looping map: %d %s", status, body)
		}
		t.Logf("looping map stopped after %v: %s", time.Since(start).Round(time.Millisecond), body)
	}
	// The server is unaffected: documents and other views answer.
	e.must(t, 200, "GET", "/data/io.cozy.test/d1", "")
	if !strings.Contains(compact(e.must(t, 200, "GET", "/data/io.cozy.test/_design/v/_view/by_n?key=1", "")), `"id":"d1"`) {
		t.Error("another view fails after the stopped one")
	}
	if raceBuild {
		return // no rlimits on -race children
	}
	// Another server whose time limit the allocation cannot reach first,
	// even on a loaded machine (set before any child starts).
	e = setup(t, 0)
	e.Server.QueryServer.Timeout = time.Minute
	seedViews(t, e)
	e.must(t, 200, "PUT", "/data/io.cozy.test/_design/alloc", `{"views": {
		"alloc": {"map": "function(doc){ var a = []; while (true) a.push(new Array(1e6).fill(doc)); }"}}}`)
	start := time.Now()
	status, body := e.send(t, "GET", "/data/io.cozy.test/_design/alloc/_view/alloc", "")
	if status != 500 || !strings.Contains(body, `"os_process_error"`) || !strings.Contains(body, "memory limit") {
		t.Errorf("allocating map: %d %s", status, body)
	}
	t.Logf("allocating map stopped after %v: %s", time.Since(start).Round(time.Millisecond), body)
	if !strings.Contains(compact(e.must(t, 200, "GET", "/data/io.cozy.test/_design/v/_view/by_n?key=2", "")), `"id":"d2"`) {
		t.Error("another view fails after the stopped one")
	}
}
