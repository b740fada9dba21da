package data_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestChanges(t *testing.T) {
	e := setup(t, 0)
	for _, b := range []string{`{"k":"a"}`, `{"k":"b","local":true}`, `{"k":"c"}`} {
		e.send(t, "PUT", "/data/io.cozy.test/"+b[6:7], b)
	}
	rev := object(t, e.must(t, 200, "GET", "/data/io.cozy.test/a", ""))["_rev"].(string)
	e.send(t, "DELETE", "/data/io.cozy.test/a?rev="+rev, "")
	e.Run(t, []webtest.Scenario{
		{Name: "normal", Method: "GET", URL: "/data/io.cozy.test/_changes", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"last_seq":"4-g1`, `"id":"a"`, `"deleted":true`, `"seq":"2-g1`, `"pending":0`}},
		{Name: "since", Method: "GET", URL: "/data/io.cozy.test/_changes?since=3", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"results":[{"seq":"4-g1`, `"id":"a"`}},
		{Name: "since now", Method: "GET", URL: "/data/io.cozy.test/_changes?since=now", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"results":[]`, `"last_seq":"4-g1`}},
		{Name: "limit descending", Method: "GET", URL: "/data/io.cozy.test/_changes?limit=1&descending=true", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"results":[{"seq":"4-g1`, `"id":"a"`}},
		{Name: "include_docs", Method: "GET", URL: "/data/io.cozy.test/_changes?include_docs=true&since=2", Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"doc":{"_id":"c"`}},
		{Name: "style all_docs", Method: "GET", URL: "/data/io.cozy.test/_changes?style=all_docs", Token: e.tok, ExpectedStatus: 200},
		{Name: "doc_ids GET", Method: "GET", URL: `/data/io.cozy.test/_changes?filter=_doc_ids&doc_ids=["c"]`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"results":[{"seq":"3-g1`, `"id":"c"`}},
		{Name: "doc_ids POST", Method: "POST", URL: `/data/io.cozy.test/_changes?filter=_doc_ids`, Body: `{"doc_ids":["b"]}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"results":[{"seq":"2-g1`, `"id":"b"`}},
		{Name: "selector", Method: "POST", URL: `/data/io.cozy.test/_changes?filter=_selector`, Body: `{"selector":{"local":{"$exists":false}}}`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"id":"c"`}},
		{Name: "selector without body", Method: "GET", URL: `/data/io.cozy.test/_changes?filter=_selector`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad selector", Method: "POST", URL: `/data/io.cozy.test/_changes?filter=_selector`, Body: `{"selector":{"$nope":1}}`, Token: e.tok, ExpectedStatus: 400},
		{Name: "filter of a missing design doc", Method: "GET", URL: `/data/io.cozy.test/_changes?filter=app/f`, Token: e.tok, ExpectedStatus: 404},
		{Name: "bad filter", Method: "GET", URL: `/data/io.cozy.test/_changes?filter=f`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad feed", Method: "GET", URL: `/data/io.cozy.test/_changes?feed=eventsource`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad since", Method: "GET", URL: `/data/io.cozy.test/_changes?since=abc`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad limit", Method: "GET", URL: `/data/io.cozy.test/_changes?limit=-1`, Token: e.tok, ExpectedStatus: 400},
		{Name: "bad style", Method: "GET", URL: `/data/io.cozy.test/_changes?style=x`, Token: e.tok, ExpectedStatus: 400},
		{Name: "longpoll with changes answers at once", Method: "GET", URL: `/data/io.cozy.test/_changes?feed=longpoll&since=3`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"seq":"4-g1`}},
		{Name: "longpoll timeout", Method: "GET", URL: `/data/io.cozy.test/_changes?feed=longpoll&since=now&timeout=50`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`"results":[]`, `"last_seq":"4-g1`}},
		{Name: "continuous timeout", Method: "GET", URL: `/data/io.cozy.test/_changes?feed=continuous&timeout=50`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`{"seq":"2-g1`, `"id":"b"`, `{"last_seq":"4-g1`}},
		{Name: "continuous limit", Method: "GET", URL: `/data/io.cozy.test/_changes?feed=continuous&limit=1`, Token: e.tok, ExpectedStatus: 200, ExpectedContent: []string{`{"last_seq":"2-g1`}},
		{Name: "missing db", Method: "GET", URL: "/data/io.cozy.other/_changes", Token: e.tok, ExpectedStatus: 404},
	})
}

// TestChangesLongpollWakes: a longpoll with a heartbeat sends newlines and
// answers with the write that wakes it.
func TestChangesLongpollWakes(t *testing.T) {
	e := setup(t, 0)
	e.send(t, "PUT", "/data/io.cozy.test/first", `{}`)
	for _, feed := range []string{"longpoll", "continuous"} {
		req, _ := http.NewRequest("GET", e.URL()+"/data/io.cozy.test/_changes?feed="+feed+"&since=now&heartbeat=100", nil)
		req.Header.Set("Authorization", "Bearer "+e.tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rd := bufio.NewReader(res.Body)
		// The first heartbeat proves the request is waiting.
		line, err := rd.ReadString('\n')
		if err != nil || line != "\n" {
			t.Fatalf("%s: first line %q, %v", feed, line, err)
		}
		e.send(t, "PUT", "/data/io.cozy.test/woke-"+feed, `{}`)
		for {
			line, err = rd.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", feed, err)
			}
			if strings.TrimSpace(line) != "" {
				break
			}
		}
		res.Body.Close()
		if !strings.Contains(line, `"id":"woke-`+feed+`"`) {
			t.Fatalf("%s: got %q", feed, line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: not JSON: %q", feed, line)
		}
	}
}

// Sequences are opaque "N-..." strings; clients send them back as they
// got them, or the number alone (cozy-client, older PouchDB).
func TestOpaqueSequences(t *testing.T) {
	e := setup(t, 0)
	for i := 0; i < 3; i++ {
		e.must(t, http.StatusCreated, "POST", "/data/io.cozy.test/", `{"i":1}`)
	}
	info := object(t, e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/", ""))
	seq, _ := info["update_seq"].(string)
	if !strings.HasPrefix(seq, "3-") || len(seq) < 5 {
		t.Fatalf("update_seq %q", seq)
	}
	all := object(t, e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/_changes", ""))
	if all["last_seq"] != seq {
		t.Fatalf("last_seq %v, update_seq %v", all["last_seq"], seq)
	}
	second := all["results"].([]any)[1].(map[string]any)["seq"].(string)
	for _, since := range []string{second, "2", url.QueryEscape(`"` + second + `"`)} {
		res := object(t, e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/_changes?since="+since, ""))
		if n := len(res["results"].([]any)); n != 1 {
			t.Errorf("since=%s: %d results", since, n)
		}
	}
	if code, _ := e.send(t, "GET", "/data/io.cozy.test/_changes?since=x-1", ""); code != http.StatusBadRequest {
		t.Errorf("a malformed since: %d", code)
	}
}
