package files_test

import (
	"bufio"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

type resource struct {
	Data struct {
		ID            string         `json:"id"`
		Type          string         `json:"type"`
		Meta          map[string]any `json:"meta"`
		Attributes    map[string]any `json:"attributes"`
		Relationships map[string]struct {
			Data json.RawMessage `json:"data"`
		} `json:"relationships"`
	} `json:"data"`
	Included []json.RawMessage `json:"included"`
	Links    map[string]string `json:"links"`
}

func (e *env) decode(b []byte) resource {
	e.t.Helper()
	var r resource
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("decode %s: %v", b, err)
	}
	return r
}

func (e *env) mkdir(parent, name string) string {
	e.t.Helper()
	code, _, b := e.do("POST", "/files/"+parent+"?Type=directory&Name="+url.QueryEscape(name), nil, nil)
	if code != http.StatusCreated {
		e.t.Fatalf("mkdir %s: %d %s", name, code, b)
	}
	return e.decode(b).Data.ID
}

func (e *env) upload(parent, name, content string) resource {
	e.t.Helper()
	code, _, b := e.do("POST", "/files/"+parent+"?Type=file&Name="+url.QueryEscape(name), strings.NewReader(content), map[string]string{"Content-Type": "text/plain"})
	if code != http.StatusCreated {
		e.t.Fatalf("upload %s: %d %s", name, code, b)
	}
	return e.decode(b)
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestUploadStatuses(t *testing.T) {
	e := newEnv(t, 1000)
	e.upload("", "taken.txt", "x")
	upload := func(name, query, body string, hdr map[string]string, status int, content ...string) webtest.Scenario {
		h := map[string]string{"Content-Type": "text/plain"}
		for k, v := range hdr {
			h[k] = v
		}
		return webtest.Scenario{Name: name, Method: "POST", URL: "/files/?" + query, Body: body, Token: e.token,
			Headers: h, ExpectedStatus: status, ExpectedContent: content}
	}
	jsonAPI := map[string]string{"Content-Type": "application/vnd.api+json"}
	e.Run(t, []webtest.Scenario{
		upload("created", "Type=file&Name=a.txt", "hello", map[string]string{"Content-MD5": md5b64("hello")}, 201, `"name":"a.txt"`, `"mime":"text/plain"`),
		upload("md5 mismatch", "Type=file&Name=b.txt", "hello", map[string]string{"Content-MD5": md5b64("other")}, 412, `"status":"412"`),
		upload("bad md5", "Type=file&Name=b.txt", "hello", map[string]string{"Content-MD5": "!!"}, 400),
		upload("clash", "Type=file&Name=taken.txt", "hello", nil, 409),
		upload("quota", "Type=file&Name=big.bin", strings.Repeat("x", 2000), nil, 413),
		upload("bad name", "Type=file&Name=..", "hello", nil, 422),
		upload("control char", "Type=file&Name=a%01b", "hello", nil, 422),
		upload("missing name", "Type=file", "hello", nil, 422, "missing Name"),
		upload("bad type", "Type=link&Name=l", "", nil, 422),
		upload("size mismatch", "Type=file&Name=s.txt&Size=3", "hello", nil, 412),
		upload("bad size", "Type=file&Name=s.txt&Size=x", "hello", nil, 422, "invalid Size"),
		upload("bad date", "Type=file&Name=d.txt&CreatedAt=yesterday", "hello", nil, 422, "invalid CreatedAt"),
		{Name: "missing parent", Method: "POST", URL: "/files/nope?Type=file&Name=x", Body: "x", Token: e.token,
			ExpectedStatus: 404, ExpectedHeaders: jsonAPI},
		{Name: "no token: nothing learnt of the parent", Method: "POST", URL: "/files/nope?Type=file&Name=x", Body: "x",
			ExpectedStatus: 401, ExpectedHeaders: jsonAPI},
		{Name: "events", Method: "POST", URL: "/files/?Type=directory&Name=events", Token: e.token,
			ExpectedStatus: 201, ExpectedEvents: map[string]int{"CREATED io.cozy.files": 1}},
	})
}

func TestDirectoryAndMetadata(t *testing.T) {
	e := newEnv(t, 0)
	docs := e.mkdir("", "Documents")
	sub := e.mkdir(docs, "phone")
	f := e.upload(sub, "hello.txt", "Hello world!")
	if got := f.Data.Attributes["md5sum"]; got != md5b64("Hello world!") {
		t.Fatalf("md5sum %v", got)
	}
	if f.Data.Attributes["size"] != "12" || f.Data.Attributes["mime"] != "text/plain" || f.Data.Attributes["class"] != "text" {
		t.Fatalf("attributes %v", f.Data.Attributes)
	}
	code, _, b := e.do("GET", "/files/metadata?Path="+url.QueryEscape("/Documents/phone/hello.txt"), nil, nil)
	if code != 200 || e.decode(b).Data.ID != f.Data.ID {
		t.Fatalf("metadata by path: %d %s", code, b)
	}
	code, _, b = e.do("GET", "/files/metadata?Path=/Documents/phone", nil, nil)
	if r := e.decode(b); code != 200 || r.Data.Attributes["path"] != "/Documents/phone" || len(r.Included) != 1 {
		t.Fatalf("dir by path: %d %s", code, b)
	}
	code, _, b = e.do("POST", "/files/"+docs+"?Type=directory&Name=phone", nil, nil)
	if code != 409 {
		t.Fatalf("dir clash: %d %s", code, b)
	}
	// Pagination of a directory's contents.
	for _, n := range []string{"a", "b", "c"} {
		e.upload(docs, n, n)
	}
	code, _, b = e.do("GET", "/files/"+docs+"?page[limit]=2", nil, nil)
	r := e.decode(b)
	if code != 200 || len(r.Included) != 2 || r.Links["next"] == "" {
		t.Fatalf("page 1: %d %s", code, b)
	}
	code, _, b = e.do("GET", r.Links["next"]+"&page[limit]=2", nil, nil)
	r = e.decode(b)
	if code != 200 || len(r.Included) != 2 || r.Links["next"] != "" {
		t.Fatalf("page 2: %d %s", code, b)
	}
	code, _, b = e.do("GET", "/files/"+docs+"/size", nil, nil)
	if code != 200 || !strings.Contains(string(b), `"size":"15"`) {
		t.Fatalf("size: %d %s", code, b)
	}
}

func TestOverwriteAndDownload(t *testing.T) {
	e := newEnv(t, 0)
	f := e.upload("", "poem.txt", "0123456789")
	rev := f.Data.Meta["rev"].(string)
	code, _, _ := e.do("PUT", "/files/"+f.Data.ID, strings.NewReader("abcdefghij"), map[string]string{"If-Match": "1-stale"})
	if code != 412 {
		t.Fatalf("stale If-Match: %d", code)
	}
	code, _, b := e.do("PUT", "/files/"+f.Data.ID, strings.NewReader("abcdefghij"), map[string]string{"If-Match": rev})
	if code != 200 {
		t.Fatalf("overwrite: %d %s", code, b)
	}
	code, h, b := e.do("GET", "/files/download/"+f.Data.ID, nil, map[string]string{"Range": "bytes=2-4"})
	if code != 206 || string(b) != "cde" || h.Get("Content-Range") != "bytes 2-4/10" {
		t.Fatalf("range: %d %q %v", code, b, h)
	}
	code, h, b = e.do("GET", "/files/download?Path=/poem.txt&Dl=1", nil, nil)
	if code != 200 || string(b) != "abcdefghij" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download by path: %d %q %v", code, b, h)
	}
	code, _, _ = e.do("GET", "/files/download/"+f.Data.ID, nil, map[string]string{"If-None-Match": h.Get("Etag")})
	if code != 304 {
		t.Fatalf("conditional: %d", code)
	}
	code, _, _ = e.do("GET", "/files/download/"+f.Data.ID, nil, map[string]string{"If-Modified-Since": h.Get("Last-Modified")})
	if code != 304 {
		t.Fatalf("If-Modified-Since: %d", code)
	}
}

func patchBody(attrs string) *strings.Reader {
	return strings.NewReader(`{"data":{"type":"io.cozy.files","attributes":` + attrs + `}}`)
}

func TestPatchAndTrash(t *testing.T) {
	e := newEnv(t, 0)
	a := e.mkdir("", "a")
	b := e.mkdir("", "b")
	f := e.upload(a, "f.txt", "content")
	code, _, body := e.do("PATCH", "/files/"+f.Data.ID, patchBody(`{"name":"g.txt","dir_id":"`+b+`","tags":["poem"],"cozyMetadata":{"favorite":true}}`), nil)
	if code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}
	if code, _, _ := e.do("GET", "/files/metadata?Path=/b/g.txt", nil, nil); code != 200 {
		t.Fatalf("moved file by path: %d", code)
	}
	code, _, body = e.do("PATCH", "/files/"+a, patchBody(`{"dir_id":"`+a+`"}`), nil)
	if code != 400 {
		t.Fatalf("move into itself: %d %s", code, body)
	}
	code, _, body = e.do("PATCH", "/files/metadata?Path=/b", patchBody(`{"name":"c"}`), nil)
	if code != 200 {
		t.Fatalf("rename by path: %d %s", code, body)
	}
	code, _, body = e.do("GET", "/files/download?Path=/c/g.txt", nil, nil)
	if code != 200 || string(body) != "content" {
		t.Fatalf("content after dir rename: %d %s", code, body)
	}
	// Trash, list, restore, destroy, empty.
	code, _, body = e.do("DELETE", "/files/"+b, nil, nil)
	tr := e.decode(body)
	if code != 200 || tr.Data.Attributes["trashed"] != true || tr.Data.Attributes["restore_path"] != "/" {
		t.Fatalf("trash: %d %s", code, body)
	}
	code, _, body = e.do("GET", "/files/trash", nil, nil)
	if code != 200 || !strings.Contains(string(body), b) {
		t.Fatalf("trash list: %d %s", code, body)
	}
	if code, _, _ = e.do("POST", "/files/trash/"+b, nil, nil); code != 200 {
		t.Fatalf("restore: %d", code)
	}
	if code, _, _ = e.do("GET", "/files/metadata?Path=/c/g.txt", nil, nil); code != 200 {
		t.Fatalf("restored file: %d", code)
	}
	if code, _, _ = e.do("DELETE", "/files/trash/"+b, nil, nil); code != 400 {
		t.Fatalf("destroy outside trash: %d", code)
	}
	e.do("DELETE", "/files/"+f.Data.ID, nil, nil)
	if code, _, _ = e.do("DELETE", "/files/trash/"+f.Data.ID, nil, nil); code != 204 {
		t.Fatalf("destroy: %d", code)
	}
	e.do("DELETE", "/files/"+a, nil, nil)
	if code, _, _ = e.do("DELETE", "/files/trash", nil, nil); code != 204 {
		t.Fatalf("empty trash: %d", code)
	}
	if code, _, _ = e.do("GET", "/files/"+a, nil, nil); code != 404 {
		t.Fatalf("destroyed dir: %d", code)
	}
	if code, _, _ = e.do("DELETE", "/files/io.cozy.files.root-dir", nil, nil); code != 403 {
		t.Fatalf("trash root: %d", code)
	}
}

func TestPermissionOnDirectoryCoversContent(t *testing.T) {
	e := newEnv(t, 0)
	shared := e.mkdir("", "shared")
	inner := e.mkdir(shared, "inner")
	f := e.upload(inner, "f.txt", "x")
	secret := e.upload("", "secret.txt", "s")
	tok, err := e.Inst.Issue(token.CLI, "", "io.cozy.files:GET,POST:"+shared)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path string, status int) webtest.Scenario {
		return webtest.Scenario{Name: method + " " + path, Method: method, URL: path, Token: tok, ExpectedStatus: status}
	}
	e.Run(t, []webtest.Scenario{
		do("GET", "/files/"+f.Data.ID, 200),
		do("GET", "/files/download/"+f.Data.ID, 200),
		do("GET", "/files/"+inner, 200),
		do("POST", "/files/"+inner+"?Type=directory&Name=new", 201),
		do("GET", "/files/"+secret.Data.ID, 403),
		do("GET", "/files/metadata?Path=/secret.txt", 403),
		do("POST", "/files/?Type=directory&Name=new", 403),
		do("DELETE", "/files/"+f.Data.ID, 403),
		do("GET", "/files/trash", 403),
		do("GET", "/files/nope", 404),
		{Name: "no token", Method: "GET", URL: "/files/" + f.Data.ID, ExpectedStatus: 401},
		{Name: "no token, missing file: nothing told", Method: "GET", URL: "/files/nope", ExpectedStatus: 401},
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestTruncatedUpload sends fewer bytes than its Content-Length and closes
// its side: nothing is stored.
func TestTruncatedUpload(t *testing.T) {
	e := newEnv(t, 0)
	u, _ := url.Parse(e.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /files/?Type=file&Name=cut.txt HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: 100\r\n\r\nonly ten b", u.Host, e.token)
	conn.(*net.TCPConn).CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		res.Body.Close()
		if res.StatusCode < 400 {
			t.Fatalf("truncated upload answered %d", res.StatusCode)
		}
	}
	if code, _, _ := e.do("GET", "/files/metadata?Path=/cut.txt", nil, nil); code != 404 {
		t.Fatalf("truncated upload stored: %d", code)
	}
	tmp, _ := os.ReadDir(filepath.Join(e.Instances.Dir(e.Inst), "files", "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("temporary files left: %d", len(tmp))
	}
}

// TestRequestBodies checks the bounds and checks of JSON bodies, read by
// web/request: 413 past the limit (never a truncated-JSON 400), 400 for
// invalid UTF-8 or a lone surrogate, which would be stored altered.
func TestRequestBodies(t *testing.T) {
	e := newEnv(t, 0)
	f := e.upload("", "a.txt", "a").Data.ID
	big := `{"data":{"attributes":{"name":"` + strings.Repeat("x", 2<<20) + `"}}}`
	e.Run(t, []webtest.Scenario{
		{Name: "PATCH too large", Method: "PATCH", URL: "/files/" + f, Body: big, Token: e.token, ExpectedStatus: 413},
		{Name: "PATCH invalid UTF-8", Method: "PATCH", URL: "/files/" + f, Body: `{"data":{"attributes":{"name":"a` + "\xff" + `"}}}`,
			Token: e.token, ExpectedStatus: 400},
		{Name: "PATCH lone surrogate", Method: "PATCH", URL: "/files/" + f, Body: `{"data":{"attributes":{"name":"a\ud800b"}}}`,
			Token: e.token, ExpectedStatus: 400, ExpectedContent: []string{"surrogate"}},
		{Name: "PATCH two values", Method: "PATCH", URL: "/files/" + f, Body: `{} {}`, Token: e.token, ExpectedStatus: 400},
		{Name: "bulk PATCH item without id", Method: "PATCH", URL: "/files/", Body: `{"data":[{"attributes":{}}]}`,
			Token: e.token, ExpectedStatus: 400, ExpectedContent: []string{"each item needs an id"}},
		{Name: "_find invalid selector", Method: "POST", URL: "/files/_find", Body: `{"selector":`, Token: e.token, ExpectedStatus: 400},
		{Name: "PATCH still fine", Method: "PATCH", URL: "/files/" + f, Body: `{"data":{"attributes":{"name":"b.txt"}}}`,
			Token: e.token, ExpectedStatus: 200, ExpectedContent: []string{`"name":"b.txt"`}},
	})
}
