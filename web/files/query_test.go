package files_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
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
		Meta  struct {
			Count int `json:"count"`
		} `json:"meta"`
	}
	code, _, body := e.do("POST", "/files/_find", strings.NewReader(`{"selector":{"dir_id":"`+d+`"},"sort":[{"dir_id":"asc"},{"name":"asc"}],"limit":1}`), nil)
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 1 || list.Links["next"] == "" {
		t.Fatalf("find page 1: %d %s", code, body)
	}
	if list.Meta.Count <= 1 {
		t.Fatalf("find page 1: count %d does not tell that more exist", list.Meta.Count)
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
	if list.Links["next"] != "" || list.Meta.Count != 1 {
		t.Fatalf("find page 2 is the last: %s", body)
	}
	// skip-based paging: the count is skip plus the page on the last page.
	code, _, body = e.do("POST", "/files/_find", strings.NewReader(`{"selector":{"dir_id":"`+d+`"},"sort":[{"dir_id":"asc"},{"name":"asc"}],"limit":1,"skip":1}`), nil)
	list.Links = nil
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 1 || list.Meta.Count != 2 || list.Links["next"] != "" {
		t.Fatalf("find skip 1: %d %s", code, body)
	}
	code, _, body = e.do("POST", "/files/_find", strings.NewReader(`{"selector":{"dir_id":"`+d+`"},"sort":[{"dir_id":"asc"},{"name":"asc"}],"limit":2}`), nil)
	list.Links = nil
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Data) != 2 || list.Meta.Count != 2 || list.Links["next"] != "" {
		t.Fatalf("find whole in one page: %d %s", code, body)
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

func TestChangesHideNotSynchronizedDirs(t *testing.T) {
	e := newEnv(t, 0)
	videos := e.mkdir("", "Videos")
	inner := e.mkdir(videos, "2024")
	v := e.upload(inner, "v.mp4", "v")
	docs := e.upload("", "doc.txt", "d")
	body := `{"data":[{"type":"io.cozy.oauth.clients","id":"desktop"}]}`
	code, _, b := e.do("POST", "/files/"+videos+"/relationships/not_synchronized_on", strings.NewReader(body), nil)
	if code != 200 || !strings.Contains(string(b), `"count":1`) {
		t.Fatalf("not_synchronized_on: %d %s", code, b)
	}
	if code, _, _ = e.do("POST", "/files/"+docs.Data.ID+"/relationships/not_synchronized_on", strings.NewReader(body), nil); code != 422 {
		t.Fatalf("not_synchronized_on a file: %d", code)
	}
	tok, err := e.Inst.Issue(token.Access, "desktop", "io.cozy.files")
	if err != nil {
		t.Fatal(err)
	}
	e.token = tok
	var res struct {
		Results []struct {
			ID      string `json:"id"`
			Deleted bool   `json:"deleted"`
		} `json:"results"`
	}
	code, _, b = e.do("GET", "/files/_changes", nil, nil)
	if code != 200 || json.Unmarshal(b, &res) != nil {
		t.Fatalf("changes: %d %s", code, b)
	}
	deleted := map[string]bool{}
	for _, r := range res.Results {
		deleted[r.ID] = r.Deleted
	}
	if !deleted[videos] || !deleted[inner] || !deleted[v.Data.ID] || deleted[docs.Data.ID] {
		t.Fatalf("changes for the desktop: %s", b)
	}
}
