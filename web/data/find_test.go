package data_test

import (
	"fmt"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestIndexAndFind(t *testing.T) {
	e := setup(t, 0)
	for i := 0; i < 20; i++ {
		e.send(t, "PUT", fmt.Sprintf("/data/io.cozy.test/d%02d", i), fmt.Sprintf(`{"n":%d,"label":"L%d"}`, i, i%3))
	}
	e.Run(t, []webtest.Scenario{
		{Name: "create index", Method: "POST", URL: "/data/io.cozy.test/_index", Body: `{"index":{"fields":["label","n"]},"ddoc":"by_label","name":"by_label"}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"result":"created"`, `"id":"_design/by_label"`}},
		{Name: "index exists", Method: "POST", URL: "/data/io.cozy.test/_index", Body: `{"index":{"fields":["label","n"]},"ddoc":"by_label","name":"by_label"}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"result":"exists"`}},
		{Name: "bad index", Method: "POST", URL: "/data/io.cozy.test/_index", Body: `{"index":{}}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "malformed index", Method: "POST", URL: "/data/io.cozy.test/_index", Body: `{`, Token: e.tok, ExpectedStatus: 400},
		{Name: "list indexes", Method: "GET", URL: "/data/io.cozy.test/_index", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"total_rows":2`, `"ddoc":"_design/by_label"`}},
		{Name: "find", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"label":"L1","n":{"$gt":10}},"sort":[{"label":"asc"},{"n":"asc"}],"fields":["n"],"limit":2}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"docs":[{"n":13},{"n":16}]`, `"limit":2`, `"next":true`, `"bookmark":"`}},
		{Name: "find stats", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"label":"L2","n":{"$gte":0}},"execution_stats":true}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"execution_stats"`}},
		{Name: "no usable index", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"n":1},"sort":["n"]}`, Token: e.tok, ExpectedStatus: 400, ExpectedContent: []string{"no_usable_index"}},
		{Name: "bad selector", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":{"$bad":1}}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "no selector", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "malformed", Method: "POST", URL: "/data/io.cozy.test/_find", Body: `{"selector":`, Token: e.tok, ExpectedStatus: 400},
		{Name: "delete index", Method: "DELETE", URL: "/data/io.cozy.test/_index/_design/by_label/json/by_label", Token: e.tok, ExpectedStatus: 200},
		{Name: "delete missing index", Method: "DELETE", URL: "/data/io.cozy.test/_index/by_label/json/by_label", Token: e.tok, ExpectedStatus: 404},
		{Name: "delete index bad path", Method: "DELETE", URL: "/data/io.cozy.test/_index/x", Token: e.tok, ExpectedStatus: 404},
	})
}

// TestIndexFormsOfCozyClient: the index cozy-client writes for a query
// whose selector is its partial filter ("fields": [], refused with 400
// before), a legacy "selector" index, and Drive's $regex with a negative
// lookahead (refused with 400 before: not RE2).
func TestIndexFormsOfCozyClient(t *testing.T) {
	e := setup(t, 0)
	for i, p := range []string{"/Documents", "/.cozy_trash/old", "/Photos"} {
		e.send(t, "PUT", fmt.Sprintf("/data/io.cozy.test/p%d", i), fmt.Sprintf(`{"path":%q,"type":"directory"}`, p))
	}
	e.Run(t, []webtest.Scenario{
		{Name: "empty fields with partial filter", Method: "POST", URL: "/data/io.cozy.test/_index",
			Body:  `{"index":{"fields":[],"partial_filter_selector":{"path":{"$regex":"^(?!/.cozy_trash)"}}},"ddoc":"by_notrash"}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"result":"created"`, `"id":"_design/by_notrash"`}},
		{Name: "find with it", Method: "POST", URL: "/data/io.cozy.test/_find",
			Body:  `{"selector":{"path":{"$regex":"^(?!/.cozy_trash)"}},"use_index":"_design/by_notrash","fields":["path"]}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"docs":[{"path":"/Documents"},{"path":"/Photos"}]`}},
		{Name: "legacy selector", Method: "POST", URL: "/data/io.cozy.test/_index",
			Body:  `{"index":{"fields":["type"],"selector":{"path":{"$regex":"^/P"}}},"ddoc":"legacy","name":"legacy"}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"result":"created"`}},
		{Name: "find with the legacy index", Method: "POST", URL: "/data/io.cozy.test/_find",
			Body:  `{"selector":{"type":"directory"},"use_index":"_design/legacy","fields":["path"]}`,
			Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"docs":[{"path":"/Photos"}]`}},
		{Name: "regex of an unknown syntax", Method: "POST", URL: "/data/io.cozy.test/_find",
			Body: `{"selector":{"path":{"$regex":"(x"}},"use_index":"_design/by_notrash"}`, Token: e.tok, ExpectedStatus: 400},
	})
}
