package files_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
)

const albumRefs = "/data/io.cozy.photos.albums/album1/relationships/references"

type refsAnswer struct {
	Data []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"data"`
	Meta struct {
		Count int `json:"count"`
	} `json:"meta"`
	Links    map[string]string `json:"links"`
	Included []struct {
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	} `json:"included"`
}

func (e *env) refs(path string) refsAnswer {
	e.t.Helper()
	code, _, b := e.do("GET", path, nil, nil)
	if code != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, code, b)
	}
	var a refsAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		e.t.Fatalf("decode %s: %v", b, err)
	}
	return a
}

// all follows the next links from path and returns every id, in order.
func (e *env) allRefs(path string) ([]string, int) {
	e.t.Helper()
	var ids []string
	pages := 0
	for path != "" {
		a := e.refs(path)
		pages++
		for _, d := range a.Data {
			if d.Type != "io.cozy.files" {
				e.t.Fatalf("type %q", d.Type)
			}
			ids = append(ids, d.ID)
		}
		if a.Meta.Count != 250 {
			e.t.Fatalf("count %d", a.Meta.Count)
		}
		path = a.Links["next"]
	}
	return ids, pages
}

func refsBody(ids ...string) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf(`{"type":"io.cozy.files","id":%q}`, id))
	}
	return `{"data":[` + strings.Join(parts, ",") + `]}`
}

// A photo album of 250 photos: added in one request, listed in pages by
// cursor or skip, sorted by id or by datetime, then partly removed.
func TestPhotoAlbumReferences(t *testing.T) {
	e := newEnv(t, 0)
	dir := e.mkdir("", "Photos")
	var ids []string
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 250; i++ {
		// Taken in the reverse order of their upload.
		created := start.Add(time.Duration(249-i) * time.Minute).Format(time.RFC3339)
		code, _, b := e.do("POST", "/files/"+dir+"?Type=file&Name="+fmt.Sprintf("p%03d.jpg", i)+"&CreatedAt="+created,
			strings.NewReader("x"), map[string]string{"Content-Type": "image/jpeg"})
		if code != http.StatusCreated {
			t.Fatalf("upload: %d %s", code, b)
		}
		ids = append(ids, e.decode(b).Data.ID)
	}
	if code, _, b := e.do("POST", albumRefs, strings.NewReader(refsBody(ids...)), nil); code != http.StatusNoContent {
		t.Fatalf("add references: %d %s", code, b)
	}
	byID := slices.Sorted(slices.Values(ids))
	byDate := slices.Clone(ids)
	slices.Reverse(byDate)

	tests := []struct {
		name  string
		path  string
		want  []string
		pages int
	}{
		{"default pages of 100", albumRefs, byID, 3},
		{"pages of 60", albumRefs + "?page[limit]=60", byID, 5},
		{"by datetime", albumRefs + "?sort=datetime&page[limit]=1000", byDate, 1},
		{"by datetime, pages of 100", albumRefs + "?sort=datetime", byDate, 3},
		{"skip", albumRefs + "?page[skip]=200&page[limit]=20", byID[200:], 3},
	}
	for _, tt := range tests {
		got, pages := e.allRefs(tt.path)
		if !slices.Equal(got, tt.want) || pages != tt.pages {
			t.Errorf("%s: %d ids in %d pages, want %d in %d (order differs: %v)", tt.name, len(got), pages, len(tt.want), tt.pages, !slices.Equal(got, tt.want))
		}
	}
	first := e.refs(albumRefs + "?page[limit]=10&page[skip]=0")
	if next := first.Links["next"]; !strings.Contains(next, "page%5Bskip%5D=10") {
		t.Errorf("skip mode next link: %q", next)
	}
	// include=files renders the files of the page.
	inc := e.refs(albumRefs + "?include=files&page[limit]=5")
	if len(inc.Included) != 5 || inc.Included[0].ID != byID[0] || inc.Included[0].Attributes["name"] == nil {
		t.Errorf("included: %+v", inc.Included)
	}
	// The file side shows the reference.
	_, _, b := e.do("GET", "/files/"+ids[0], nil, nil)
	if r := e.decode(b); !strings.Contains(string(r.Data.Relationships["referenced_by"].Data), "album1") {
		t.Errorf("file relationships: %s", b)
	}
	// Remove 60 references (the app does so before trashing 10 of those
	// files, as references-docs-in-vfs.md asks), then trash the 10: 190 left.
	if code, _, b := e.do("DELETE", albumRefs, strings.NewReader(refsBody(ids[:60]...)), nil); code != http.StatusNoContent {
		t.Fatalf("remove references: %d %s", code, b)
	}
	for _, id := range ids[50:60] {
		if code, _, b := e.do("DELETE", "/files/"+id, nil, nil); code != http.StatusOK {
			t.Fatalf("trash: %d %s", code, b)
		}
	}
	a := e.refs(albumRefs + "?page[limit]=1000")
	want := slices.Sorted(slices.Values(ids[60:]))
	var got []string
	for _, d := range a.Data {
		got = append(got, d.ID)
	}
	if a.Meta.Count != 190 || !slices.Equal(got, want) {
		t.Errorf("after removal: count %d, %d ids", a.Meta.Count, len(got))
	}
}

func TestReferencesBadInput(t *testing.T) {
	e := newEnv(t, 0)
	f := e.upload("", "a.txt", "a").Data.ID
	bad := func(method, path, body string, status int) webtest.Scenario {
		return webtest.Scenario{Name: method + " " + path + " " + body, Method: method, URL: path, Body: body,
			Token: e.token, ExpectedStatus: status,
			ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}}
	}
	e.Run(t, []webtest.Scenario{
		bad("GET", albumRefs+"?sort=name", "", http.StatusBadRequest),
		bad("GET", albumRefs+"?page[limit]=x", "", http.StatusBadRequest),
		bad("GET", albumRefs+"?page[skip]=-1", "", http.StatusBadRequest),
		bad("GET", albumRefs+"?page[cursor]=nonsense!", "", http.StatusBadRequest),
		bad("GET", "/data/Bad!/x/relationships/references", "", http.StatusBadRequest),
		bad("POST", albumRefs, "{", http.StatusBadRequest),
		bad("POST", albumRefs, `{"data":[{"type":"io.cozy.contacts","id":"c"}]}`, http.StatusBadRequest),
		bad("POST", albumRefs, refsBody(f, "nope"), http.StatusNotFound),
		bad("PUT", albumRefs, "{}", http.StatusMethodNotAllowed),
		bad("GET", albumRefs, "", http.StatusOK),
	})
	// The refused bulk stored nothing.
	if a := e.refs(albumRefs); len(a.Data) != 0 || a.Meta.Count != 0 {
		t.Errorf("half-way write: %+v", a)
	}
}

// As upstream: the permission on the document itself, or on the whole
// io.cozy.files doctype (GET to list, PATCH to change).
func TestReferencesPermissions(t *testing.T) {
	e := newEnv(t, 0)
	f := e.upload("", "a.txt", "a").Data.ID
	if code, _, b := e.do("POST", albumRefs, strings.NewReader(refsBody(f)), nil); code != http.StatusNoContent {
		t.Fatalf("add: %d %s", code, b)
	}
	issue := func(scope string) string {
		tok, err := e.Inst.Issue(token.CLI, "", scope)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name, scope, method string
		want                int
	}{
		{"no token", "", "GET", http.StatusUnauthorized},
		{"other doctype", "io.cozy.contacts", "GET", http.StatusForbidden},
		{"the album, GET", "io.cozy.photos.albums:GET:album1", "GET", http.StatusOK},
		{"another album", "io.cozy.photos.albums:GET:album2", "GET", http.StatusForbidden},
		{"the album, GET only, POST", "io.cozy.photos.albums:GET:album1", "POST", http.StatusForbidden},
		{"the album, PUT", "io.cozy.photos.albums:PUT:album1", "POST", http.StatusNoContent},
		{"the album, PUT, DELETE", "io.cozy.photos.albums:PUT:album1", "DELETE", http.StatusForbidden},
		{"the album, DELETE", "io.cozy.photos.albums:DELETE:album1", "DELETE", http.StatusNoContent},
		{"all albums", "io.cozy.photos.albums", "GET", http.StatusOK},
		{"all files, GET", "io.cozy.files:GET", "GET", http.StatusOK},
		{"all files, GET only, POST", "io.cozy.files:GET", "POST", http.StatusForbidden},
		{"all files, PATCH", "io.cozy.files:PATCH", "POST", http.StatusNoContent},
		{"one file", "io.cozy.files:GET:" + f, "GET", http.StatusForbidden},
	}
	for _, tt := range tests {
		tok := "nonsense"
		if tt.scope != "" {
			tok = issue(tt.scope)
		}
		req, _ := http.NewRequest(tt.method, e.url+albumRefs, strings.NewReader(refsBody(f)))
		if tt.scope != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("%s: %s %d, want %d", tt.name, tt.method, res.StatusCode, tt.want)
		}
	}
	// Allowed on the album only, the files are listed but not included.
	tok := issue("io.cozy.photos.albums:GET:album1")
	req, _ := http.NewRequest("GET", e.url+albumRefs+"?include=files", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a refsAnswer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if len(a.Data) != 1 || len(a.Included) != 0 {
		t.Errorf("album-only include: %+v", a)
	}
}
