package data_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestLocalBounds: a read-only token may write checkpoints, but at most
// 64 KiB each (413) and 1000 per doctype (403).
func TestLocalBounds(t *testing.T) {
	e := setup(t, 0)
	ro := e.Token(t, "io.cozy.test:GET")
	doc := func(size int) string { return `{"pad":"` + strings.Repeat("a", size-10) + `"}` }
	var sb strings.Builder
	sb.WriteString(`{"docs":[`)
	for i := 0; i < 998; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"_id":"_local/cp%d","n":%d}`, i, i)
	}
	sb.WriteString(`]}`)
	e.Run(t, []webtest.Scenario{
		{Name: "64 KiB", Method: "PUT", URL: "/data/io.cozy.test/_local/big", Body: doc(64 << 10), Token: ro, ExpectedStatus: 201},
		{Name: "over 64 KiB", Method: "PUT", URL: "/data/io.cozy.test/_local/bigger", Body: doc(64<<10 + 1), Token: ro,
			ExpectedStatus: 413, ExpectedContent: []string{`"error":"too_large"`}},
		{Name: "over 64 KiB in a bulk", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: `{"docs":[{"_id":"_local/bulkbig","pad":"` + strings.Repeat("a", 64<<10) + `"}]}`, Token: e.tok,
			ExpectedStatus: 201, ExpectedContent: []string{`"error":"document_too_large"`}},
		{Name: "998 more", Method: "POST", URL: "/data/io.cozy.test/_bulk_docs", Body: sb.String(), Token: e.tok, ExpectedStatus: 201, NotExpectedContent: []string{`"error"`}},
		{Name: "the 1000th", Method: "PUT", URL: "/data/io.cozy.test/_local/last", Body: `{}`, Token: ro, ExpectedStatus: 201},
		{Name: "the 1001st", Method: "PUT", URL: "/data/io.cozy.test/_local/one-more", Body: `{}`, Token: ro,
			ExpectedStatus: 403, ExpectedContent: []string{`"error":"forbidden"`, "at most 1000 _local documents"}},
		{Name: "updating one still works", Method: "PUT", URL: "/data/io.cozy.test/_local/last", Body: `{"_rev":"0-1","n":2}`, Token: ro,
			ExpectedStatus: 201, ExpectedContent: []string{`"rev":"0-2"`}},
		{Name: "deleting one", Method: "DELETE", URL: "/data/io.cozy.test/_local/last?rev=0-2", Token: ro, ExpectedStatus: 200},
		{Name: "makes room", Method: "PUT", URL: "/data/io.cozy.test/_local/one-more", Body: `{}`, Token: ro, ExpectedStatus: 201},
		{Name: "other doctype has its own count", Method: "PUT", URL: "/data/io.cozy.other/_local/cp", Body: `{}`, Token: e.tok, ExpectedStatus: 201},
		{Name: "local bad method", Method: "POST", URL: "/data/io.cozy.test/_local/cp", Body: `{}`, Token: ro, ExpectedStatus: 405},
		{Name: "local extra path", Method: "GET", URL: "/data/io.cozy.test/_local/cp/x", Token: ro, ExpectedStatus: 400},
	})
}
