package data_test

import (
	"fmt"
	"testing"
)

func TestIndexAndFind(t *testing.T) {
	e := newEnv(t, 0)
	for i := 0; i < 20; i++ {
		e.do(t, "PUT", fmt.Sprintf("/data/io.cozy.test/d%02d", i), e.tok, fmt.Sprintf(`{"n":%d,"label":"L%d"}`, i, i%3))
	}
	e.run(t, []call{
		{name: "create index", method: "POST", path: "/data/io.cozy.test/_index", body: `{"index":{"fields":["label","n"]},"ddoc":"by_label","name":"by_label"}`, status: 200, contains: []string{`"result":"created"`, `"id":"_design/by_label"`}},
		{name: "index exists", method: "POST", path: "/data/io.cozy.test/_index", body: `{"index":{"fields":["label","n"]},"ddoc":"by_label","name":"by_label"}`, status: 200, contains: []string{`"result":"exists"`}},
		{name: "bad index", method: "POST", path: "/data/io.cozy.test/_index", body: `{"index":{}}`, status: 400},
		{name: "malformed index", method: "POST", path: "/data/io.cozy.test/_index", body: `{`, status: 400},
		{name: "list indexes", method: "GET", path: "/data/io.cozy.test/_index", status: 200, contains: []string{`"total_rows":2`, `"ddoc":"_design/by_label"`}},
		{name: "find", method: "POST", path: "/data/io.cozy.test/_find", body: `{"selector":{"label":"L1","n":{"$gt":10}},"sort":[{"label":"asc"},{"n":"asc"}],"fields":["n"],"limit":2}`,
			status: 200, contains: []string{`"docs":[{"n":13},{"n":16}]`, `"limit":2`, `"next":true`, `"bookmark":"`}},
		{name: "find stats", method: "POST", path: "/data/io.cozy.test/_find", body: `{"selector":{"label":"L2","n":{"$gte":0}},"execution_stats":true}`, status: 200, contains: []string{`"execution_stats"`}},
		{name: "no usable index", method: "POST", path: "/data/io.cozy.test/_find", body: `{"selector":{"n":1},"sort":["n"]}`, status: 400, contains: []string{"no_usable_index"}},
		{name: "bad selector", method: "POST", path: "/data/io.cozy.test/_find", body: `{"selector":{"$bad":1}}`, status: 400},
		{name: "no selector", method: "POST", path: "/data/io.cozy.test/_find", body: `{}`, status: 400},
		{name: "malformed", method: "POST", path: "/data/io.cozy.test/_find", body: `{"selector":`, status: 400},
		{name: "delete index", method: "DELETE", path: "/data/io.cozy.test/_index/_design/by_label/json/by_label", status: 200},
		{name: "delete missing index", method: "DELETE", path: "/data/io.cozy.test/_index/by_label/json/by_label", status: 404},
		{name: "delete index bad path", method: "DELETE", path: "/data/io.cozy.test/_index/x", status: 404},
	})
}
