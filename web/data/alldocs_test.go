package data_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestAllDocs(t *testing.T) {
	e := setup(t, 0)
	for i := 0; i < 5; i++ {
		e.send(t, "PUT", fmt.Sprintf("/data/io.cozy.test/d%d", i), fmt.Sprintf(`{"n":%d,"name":"x%d","other":true}`, i, i))
	}
	e.send(t, "POST", "/data/io.cozy.test/_index", `{"index":{"fields":["n"]},"ddoc":"by_n"}`)
	e.Run(t, []webtest.Scenario{
		{Name: "all", Method: "GET", URL: "/data/io.cozy.test/_all_docs", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"total_rows":6`, `"id":"_design/by_n"`, `"key":"d0","value":{"rev":"1-`}},
		{Name: "include_docs limit", Method: "GET", URL: "/data/io.cozy.test/_all_docs?include_docs=true&limit=1", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"doc":{"_id":"_design/by_n"`}},
		{Name: "startkey_docid paging", Method: "GET", URL: "/data/io.cozy.test/_all_docs?include_docs=true&limit=2&startkey_docid=d3", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"id":"d3"`, `"id":"d4"`}},
		{Name: "empty startkey_docid", Method: "GET", URL: "/data/io.cozy.test/_all_docs?limit=1000&startkey_docid=", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"id":"d0"`}},
		{Name: "startkey endkey", Method: "GET", URL: `/data/io.cozy.test/_all_docs?startkey="d1"&endkey="d2"`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"rows":[{"id":"d1"`, `{"id":"d2"`}},
		{Name: "descending skip", Method: "GET", URL: `/data/io.cozy.test/_all_docs?descending=true&skip=1&limit=1`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"rows":[{"id":"d3"`}},
		{Name: "limit 0", Method: "GET", URL: `/data/io.cozy.test/_all_docs?limit=0`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"rows":[]`}},
		{Name: "keys GET", Method: "GET", URL: `/data/io.cozy.test/_all_docs?keys=["d2","zz"]`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"id":"d2"`, `{"key":"zz","error":"not_found"}`}},
		{Name: "keys POST", Method: "POST", URL: `/data/io.cozy.test/_all_docs?include_docs=true`, Body: `{"keys":["d4"]}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"doc":{"_id":"d4"`}},
		{Name: "Fields", Method: "GET", URL: `/data/io.cozy.test/_all_docs?include_docs=true&Fields=name&DesignDocs=false&limit=1`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"doc":{"_id":"d0","_rev":"1-`, `"name":"x0"}`}},
		{Name: "bad startkey", Method: "GET", URL: `/data/io.cozy.test/_all_docs?startkey=d1`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad keys", Method: "POST", URL: `/data/io.cozy.test/_all_docs`, Body: `{"keys":[1]}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad bool", Method: "GET", URL: `/data/io.cozy.test/_all_docs?include_docs=yes`, Token: e.tok, ExpectedStatus: 400},
		{Name: "design_docs", Method: "GET", URL: `/data/io.cozy.test/_design_docs?include_docs=true`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"total_rows":1`, `"language":"query"`}},
		{Name: "design doc get", Method: "GET", URL: `/data/io.cozy.test/_design/by_n`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"_id":"_design/by_n"`}},
		{Name: "design doc copy", Method: "POST", URL: `/data/io.cozy.test/_design/by_n/copy`, Token: e.tok, ExpectedStatus: 400},
		{Name: "missing db", Method: "GET", URL: `/data/io.cozy.other/_all_docs`, Token: e.tok, ExpectedStatus: 404},
	})
	rev := object(t, e.must(t, 200, "GET", "/data/io.cozy.test/_design/by_n", ""))["_rev"].(string)
	e.Run(t, []webtest.Scenario{
		{Name: "copy design", Method: "POST", URL: "/data/io.cozy.test/_design/by_n/copy?rev=" + rev, Token: e.tok,
			Headers: map[string]string{"Destination": "by_n2"}, ExpectedStatus: 201, ExpectedContent: []string{`"id":"_design/by_n2"`}},
		{Name: "copy bad method", Method: "GET", URL: "/data/io.cozy.test/_design/by_n/copy", Token: e.tok, ExpectedStatus: 405},
		{Name: "design extra path", Method: "GET", URL: "/data/io.cozy.test/_design/by_n/x", Token: e.tok, ExpectedStatus: 404},
		{Name: "delete design", Method: "DELETE", URL: "/data/io.cozy.test/_design/by_n2?rev=" + rev, Token: e.tok, ExpectedStatus: 200},
	})
}

func TestNormalDocs(t *testing.T) {
	e := setup(t, 0)
	for i := 0; i < 5; i++ {
		e.send(t, "PUT", fmt.Sprintf("/data/io.cozy.test/d%d", i), `{}`)
	}
	e.send(t, "POST", "/data/io.cozy.test/_index", `{"index":{"fields":["n"]}}`)
	var seen []string
	bookmark := ""
	for page := 0; page < 4; page++ {
		status, body := e.send(t, "GET", "/data/io.cozy.test/_normal_docs?limit=2&bookmark="+bookmark, "")
		var res struct {
			Rows      []map[string]any `json:"rows"`
			TotalRows int              `json:"total_rows"`
			Bookmark  string           `json:"bookmark"`
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil || status != 200 {
			t.Fatalf("page %d: %d %s", page, status, body)
		}
		if res.TotalRows != 5 {
			t.Fatalf("total_rows %d, want 5", res.TotalRows)
		}
		for _, d := range res.Rows {
			seen = append(seen, d["_id"].(string))
		}
		if len(res.Rows) < 2 {
			break
		}
		bookmark = res.Bookmark
	}
	if fmt.Sprint(seen) != "[d0 d1 d2 d3 d4]" {
		t.Fatalf("pages gave %v", seen)
	}
	e.Run(t, []webtest.Scenario{{Name: "bad bookmark", Method: "GET", URL: "/data/io.cozy.test/_normal_docs?bookmark=!!", Token: e.tok, ExpectedStatus: 400}})
}

// CouchDB's details of _all_docs: key is a range of one key (no row for a
// missing or deleted id, unlike keys), key with keys is refused, and
// update_seq=true adds the sequence.
func TestAllDocsKeyAndUpdateSeq(t *testing.T) {
	e := setup(t, 0)
	e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/k1", `{"a":1}`)
	rev := object(t, e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/gone", `{"a":2}`))["rev"].(string)
	e.must(t, http.StatusOK, "DELETE", "/data/io.cozy.test/gone?rev="+rev, "")
	e.Run(t, []webtest.Scenario{
		{Name: "key", Method: "GET", URL: `/data/io.cozy.test/_all_docs?key="k1"&include_docs=true`, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"rows":[{"id":"k1","key":"k1"`, `"a":1`}},
		{Name: "missing key", Method: "GET", URL: `/data/io.cozy.test/_all_docs?key="nope"`, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"rows":[]`}},
		{Name: "deleted key", Method: "GET", URL: `/data/io.cozy.test/_all_docs?key="gone"`, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"rows":[]`}},
		{Name: "deleted in keys", Method: "POST", URL: `/data/io.cozy.test/_all_docs`, Body: `{"keys":["gone","nope"]}`, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"gone"`, `"deleted":true`, `{"key":"nope","error":"not_found"}`}},
		{Name: "key with keys", Method: "POST", URL: `/data/io.cozy.test/_all_docs?key="k1"`, Body: `{"keys":["k1"]}`, Token: e.tok, ExpectedStatus: 400,
			ExpectedContent: []string{`"error":"query_parse_error"`}},
		{Name: "update_seq", Method: "GET", URL: `/data/io.cozy.test/_all_docs?update_seq=true`, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"update_seq":"3-`}},
		{Name: "no update_seq by default", Method: "GET", URL: `/data/io.cozy.test/_all_docs`, Token: e.tok, ExpectedStatus: 200,
			NotExpectedContent: []string{`update_seq`}},
	})
}
