package files_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestChanges(t *testing.T) {
	e := newEnv(t, 0)
	d := e.mkdir("", "docs")
	f := e.upload(d, "a.txt", "a")
	e.upload(d, "b.txt", "b")
	e.do("DELETE", "/files/"+f.Data.ID, nil, nil)

	var res struct {
		Results []struct {
			ID  string         `json:"id"`
			Seq string         `json:"seq"`
			Doc map[string]any `json:"doc"`
		} `json:"results"`
		LastSeq string `json:"last_seq"`
	}
	code, _, b := e.do("GET", "/files/_changes?include_docs=true&include_file_path=true&fields=name,type", nil, nil)
	if code != 200 || json.Unmarshal(b, &res) != nil {
		t.Fatalf("changes: %d %s", code, b)
	}
	// root, trash, docs, a.txt, b.txt; no design documents.
	if len(res.Results) != 5 {
		t.Fatalf("%d results: %s", len(res.Results), b)
	}
	for _, r := range res.Results {
		if strings.HasPrefix(r.ID, "_design/") {
			t.Fatalf("design doc in feed: %s", r.ID)
		}
		if r.Doc["name"] == "b.txt" && r.Doc["path"] != "/docs/b.txt" {
			t.Fatalf("file path: %v", r.Doc)
		}
		if _, ok := r.Doc["dir_id"]; ok {
			t.Fatalf("fields not applied: %v", r.Doc)
		}
	}
	code, _, b = e.do("GET", "/files/_changes?skip_trashed=true&since="+res.Results[1].Seq, nil, nil)
	if code != 200 || strings.Contains(string(b), f.Data.ID) || !strings.Contains(string(b), d) {
		t.Fatalf("skip_trashed since: %d %s", code, b)
	}
	if code, _, _ = e.do("GET", "/files/_changes?feed=longpoll", nil, nil); code != 400 {
		t.Fatalf("unsupported parameter: %d", code)
	}
}

func TestFindAndAllDocs(t *testing.T) {
	e := newEnv(t, 0)
	d := e.mkdir("", "docs")
	a := e.upload(d, "a.txt", "a")
	b := e.upload(d, "b.txt", "b")
	e.upload("", "c.txt", "c")

	var list struct {
		Data []struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
		Links map[string]string `json:"links"`
	}
	code, _, body := e.do("POST", "/files/_find", strings.NewReader(`{"selector":{"dir_id":"`+d+`"},"sort":[{"dir_id":"asc"},{"name":"asc"}],"limit":1}`), nil)
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 1 || list.Links["next"] == "" {
		t.Fatalf("find page 1: %d %s", code, body)
	}
	if list.Data[0].ID != a.Data.ID || list.Data[0].Attributes["path"] != "/docs/a.txt" {
		t.Fatalf("find result: %s", body)
	}
	next := list.Links["next"]
	list.Links = nil
	code, _, body = e.do("POST", next, strings.NewReader(`{"selector":{"dir_id":"`+d+`"},"sort":[{"dir_id":"asc"},{"name":"asc"}],"limit":1}`), nil)
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 1 || list.Data[0].ID != b.Data.ID {
		t.Fatalf("find page 2: %d %s", code, body)
	}
	if code, _, body = e.do("POST", "/files/_find", strings.NewReader(`{"selector":{"class":"text"}}`), nil); code != 400 {
		t.Fatalf("no index: %d %s", code, body)
	}
	if code, _, _ = e.do("POST", "/files/_find", strings.NewReader(`{"selector":`), nil); code != 400 {
		t.Fatalf("bad JSON: %d", code)
	}
	code, _, body = e.do("POST", "/files/_all_docs", strings.NewReader(`{"keys":["`+b.Data.ID+`","missing","`+d+`"]}`), nil)
	list.Data = nil
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 2 || list.Data[0].ID != b.Data.ID {
		t.Fatalf("all_docs: %d %s", code, body)
	}
}
