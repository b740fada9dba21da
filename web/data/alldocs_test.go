package data_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestAllDocs(t *testing.T) {
	e := newEnv(t, 0)
	for i := 0; i < 5; i++ {
		e.do(t, "PUT", fmt.Sprintf("/data/io.cozy.test/d%d", i), e.tok, fmt.Sprintf(`{"n":%d,"name":"x%d","other":true}`, i, i))
	}
	e.do(t, "POST", "/data/io.cozy.test/_index", e.tok, `{"index":{"fields":["n"]},"ddoc":"by_n"}`)
	e.run(t, []call{
		{name: "all", method: "GET", path: "/data/io.cozy.test/_all_docs", status: 200, contains: []string{`"total_rows":6`, `"id":"_design/by_n"`, `"key":"d0","value":{"rev":"1-`}},
		{name: "include_docs limit", method: "GET", path: "/data/io.cozy.test/_all_docs?include_docs=true&limit=1", status: 200, contains: []string{`"doc":{"_id":"_design/by_n"`}},
		{name: "startkey_docid paging", method: "GET", path: "/data/io.cozy.test/_all_docs?include_docs=true&limit=2&startkey_docid=d3", status: 200, contains: []string{`"id":"d3"`, `"id":"d4"`}},
		{name: "empty startkey_docid", method: "GET", path: "/data/io.cozy.test/_all_docs?limit=1000&startkey_docid=", status: 200, contains: []string{`"id":"d0"`}},
		{name: "startkey endkey", method: "GET", path: `/data/io.cozy.test/_all_docs?startkey="d1"&endkey="d2"`, status: 200, contains: []string{`"rows":[{"id":"d1"`, `{"id":"d2"`}},
		{name: "descending skip", method: "GET", path: `/data/io.cozy.test/_all_docs?descending=true&skip=1&limit=1`, status: 200, contains: []string{`"rows":[{"id":"d3"`}},
		{name: "limit 0", method: "GET", path: `/data/io.cozy.test/_all_docs?limit=0`, status: 200, contains: []string{`"rows":[]`}},
		{name: "keys GET", method: "GET", path: `/data/io.cozy.test/_all_docs?keys=["d2","zz"]`, status: 200, contains: []string{`"id":"d2"`, `{"key":"zz","error":"not_found"}`}},
		{name: "keys POST", method: "POST", path: `/data/io.cozy.test/_all_docs?include_docs=true`, body: `{"keys":["d4"]}`, status: 200, contains: []string{`"doc":{"_id":"d4"`}},
		{name: "Fields", method: "GET", path: `/data/io.cozy.test/_all_docs?include_docs=true&Fields=name&DesignDocs=false&limit=1`, status: 200, contains: []string{`"doc":{"_id":"d0","_rev":"1-`, `"name":"x0"}`}},
		{name: "bad startkey", method: "GET", path: `/data/io.cozy.test/_all_docs?startkey=d1`, status: 400},
		{name: "bad keys", method: "POST", path: `/data/io.cozy.test/_all_docs`, body: `{"keys":[1]}`, status: 400},
		{name: "bad bool", method: "GET", path: `/data/io.cozy.test/_all_docs?include_docs=yes`, status: 400},
		{name: "design_docs", method: "GET", path: `/data/io.cozy.test/_design_docs?include_docs=true`, status: 200, contains: []string{`"total_rows":1`, `"language":"query"`}},
		{name: "design doc get", method: "GET", path: `/data/io.cozy.test/_design/by_n`, status: 200, contains: []string{`"_id":"_design/by_n"`}},
		{name: "design doc copy", method: "POST", path: `/data/io.cozy.test/_design/by_n/copy`, status: 400},
		{name: "missing db", method: "GET", path: `/data/io.cozy.other/_all_docs`, status: 404},
	})
	r := e.do(t, "GET", "/data/io.cozy.test/_design/by_n", e.tok, "")
	rev := r.json(t)["_rev"].(string)
	if r := e.do(t, "POST", "/data/io.cozy.test/_design/by_n/copy?rev="+rev, e.tok, "", "Destination", "_design/by_n2"); r.status != 201 {
		t.Fatalf("copy: %d %s", r.status, r.body)
	}
	if r := e.do(t, "DELETE", "/data/io.cozy.test/_design/by_n2?rev="+rev, e.tok, ""); r.status != 200 {
		t.Fatalf("delete design: %d %s", r.status, r.body)
	}
}

func TestNormalDocs(t *testing.T) {
	e := newEnv(t, 0)
	for i := 0; i < 5; i++ {
		e.do(t, "PUT", fmt.Sprintf("/data/io.cozy.test/d%d", i), e.tok, `{}`)
	}
	e.do(t, "POST", "/data/io.cozy.test/_index", e.tok, `{"index":{"fields":["n"]}}`)
	var seen []string
	bookmark := ""
	for page := 0; page < 4; page++ {
		r := e.do(t, "GET", "/data/io.cozy.test/_normal_docs?limit=2&bookmark="+bookmark, e.tok, "")
		var res struct {
			Rows      []map[string]any `json:"rows"`
			TotalRows int              `json:"total_rows"`
			Bookmark  string           `json:"bookmark"`
		}
		if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.status != 200 {
			t.Fatalf("page %d: %d %s", page, r.status, r.body)
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
	e.run(t, []call{{name: "bad bookmark", method: "GET", path: "/data/io.cozy.test/_normal_docs?bookmark=!!", status: 400}})
}
