package data_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestChanges(t *testing.T) {
	e := newEnv(t, 0)
	for _, b := range []string{`{"k":"a"}`, `{"k":"b","local":true}`, `{"k":"c"}`} {
		e.do(t, "PUT", "/data/io.cozy.test/"+b[6:7], e.tok, b)
	}
	r := e.do(t, "GET", "/data/io.cozy.test/a", e.tok, "")
	rev := r.json(t)["_rev"].(string)
	e.do(t, "DELETE", "/data/io.cozy.test/a?rev="+rev, e.tok, "")
	e.run(t, []call{
		{name: "normal", method: "GET", path: "/data/io.cozy.test/_changes", status: 200,
			contains: []string{`"last_seq":"4"`, `"id":"a"`, `"deleted":true`, `"seq":"2"`, `"pending":0`}},
		{name: "since", method: "GET", path: "/data/io.cozy.test/_changes?since=3", status: 200, contains: []string{`"results":[{"seq":"4","id":"a"`}},
		{name: "since now", method: "GET", path: "/data/io.cozy.test/_changes?since=now", status: 200, contains: []string{`"results":[]`, `"last_seq":"4"`}},
		{name: "limit descending", method: "GET", path: "/data/io.cozy.test/_changes?limit=1&descending=true", status: 200, contains: []string{`"results":[{"seq":"4","id":"a"`}},
		{name: "include_docs", method: "GET", path: "/data/io.cozy.test/_changes?include_docs=true&since=2", status: 200, contains: []string{`"doc":{"_id":"c"`}},
		{name: "style all_docs", method: "GET", path: "/data/io.cozy.test/_changes?style=all_docs", status: 200},
		{name: "doc_ids GET", method: "GET", path: `/data/io.cozy.test/_changes?filter=_doc_ids&doc_ids=["c"]`, status: 200, contains: []string{`"results":[{"seq":"3","id":"c"`}},
		{name: "doc_ids POST", method: "POST", path: `/data/io.cozy.test/_changes?filter=_doc_ids`, body: `{"doc_ids":["b"]}`, status: 200, contains: []string{`"results":[{"seq":"2","id":"b"`}},
		{name: "selector", method: "POST", path: `/data/io.cozy.test/_changes?filter=_selector`, body: `{"selector":{"local":{"$exists":false}}}`, status: 200, contains: []string{`"id":"c"`}},
		{name: "selector without body", method: "GET", path: `/data/io.cozy.test/_changes?filter=_selector`, status: 400},
		{name: "bad selector", method: "POST", path: `/data/io.cozy.test/_changes?filter=_selector`, body: `{"selector":{"$nope":1}}`, status: 400},
		{name: "bad filter", method: "GET", path: `/data/io.cozy.test/_changes?filter=app/f`, status: 400},
		{name: "bad feed", method: "GET", path: `/data/io.cozy.test/_changes?feed=eventsource`, status: 400},
		{name: "bad since", method: "GET", path: `/data/io.cozy.test/_changes?since=abc`, status: 400},
		{name: "bad limit", method: "GET", path: `/data/io.cozy.test/_changes?limit=-1`, status: 400},
		{name: "bad style", method: "GET", path: `/data/io.cozy.test/_changes?style=x`, status: 400},
		{name: "longpoll with changes answers at once", method: "GET", path: `/data/io.cozy.test/_changes?feed=longpoll&since=3`, status: 200, contains: []string{`"seq":"4"`}},
		{name: "longpoll timeout", method: "GET", path: `/data/io.cozy.test/_changes?feed=longpoll&since=now&timeout=50`, status: 200, contains: []string{`"results":[]`, `"last_seq":"4"`}},
		{name: "continuous timeout", method: "GET", path: `/data/io.cozy.test/_changes?feed=continuous&timeout=50`, status: 200, contains: []string{`{"seq":"2","id":"b"`, `{"last_seq":"4"}`}},
		{name: "continuous limit", method: "GET", path: `/data/io.cozy.test/_changes?feed=continuous&limit=1`, status: 200, contains: []string{`{"last_seq":"2"}`}},
		{name: "missing db", method: "GET", path: "/data/io.cozy.other/_changes", status: 404},
	})
}

// TestChangesLongpollWakes: a longpoll with a heartbeat sends newlines and
// answers with the write that wakes it.
func TestChangesLongpollWakes(t *testing.T) {
	e := newEnv(t, 0)
	e.do(t, "PUT", "/data/io.cozy.test/first", e.tok, `{}`)
	for _, feed := range []string{"longpoll", "continuous"} {
		req, _ := http.NewRequest("GET", e.url()+"/data/io.cozy.test/_changes?feed="+feed+"&since=now&heartbeat=100", nil)
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
		e.do(t, "PUT", "/data/io.cozy.test/woke-"+feed, e.tok, `{}`)
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
