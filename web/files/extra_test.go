package files_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestReferencesCopyBulkPatch(t *testing.T) {
	e := newEnv(t, 0)
	f := e.upload("", "hello.pdf", "pdf")
	refs := `{"data":[{"type":"io.cozy.photos.albums","id":"a1"},{"type":"io.cozy.photos.albums","id":"a2"}]}`
	code, _, b := e.do("POST", "/files/"+f.Data.ID+"/relationships/referenced_by", strings.NewReader(refs), nil)
	if code != 200 || !strings.Contains(string(b), `"count":2`) {
		t.Fatalf("add refs: %d %s", code, b)
	}
	code, _, b = e.do("DELETE", "/files/"+f.Data.ID+"/relationships/referenced_by", strings.NewReader(`{"data":[{"type":"io.cozy.photos.albums","id":"a1"}]}`), nil)
	if code != 200 || !strings.Contains(string(b), `"count":1`) || strings.Contains(string(b), `"a1"`) {
		t.Fatalf("remove refs: %d %s", code, b)
	}
	code, _, b = e.do("GET", "/files/"+f.Data.ID, nil, nil)
	if r := e.decode(b); code != 200 || !strings.Contains(string(r.Data.Relationships["referenced_by"].Data), `"a2"`) {
		t.Fatalf("referenced_by relationship: %s", b)
	}
	code, h, b := e.do("POST", "/files/"+f.Data.ID+"/copy", nil, nil)
	if code != 201 || e.decode(b).Data.Attributes["name"] != "hello (copy).pdf" || h.Get("Location") == "" {
		t.Fatalf("copy: %d %s", code, b)
	}
	if code, _, _ = e.do("POST", "/files/"+f.Data.ID+"/copy", nil, nil); code != 409 {
		t.Fatalf("second copy: %d", code)
	}
	d := e.mkdir("", "dest")
	g := e.upload("", "g.txt", "g")
	bulk := `{"data":[{"type":"io.cozy.files","id":"` + f.Data.ID + `","attributes":{"dir_id":"` + d + `"}},` +
		`{"type":"io.cozy.files","id":"` + g.Data.ID + `","meta":{"rev":"` + g.Data.Meta["rev"].(string) + `"},"attributes":{"move_to_trash":true}}]}`
	code, _, b = e.do("PATCH", "/files/", strings.NewReader(bulk), nil)
	var res struct {
		Data []struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if code != 200 || json.Unmarshal(b, &res) != nil || len(res.Data) != 2 || res.Data[0].Attributes["dir_id"] != d || res.Data[1].Attributes["trashed"] != true {
		t.Fatalf("bulk patch: %d %s", code, b)
	}
}

func TestDownloadLinks(t *testing.T) {
	e := newEnv(t, 0)
	f := e.upload("", "report.txt", "secret content")
	code, _, b := e.do("POST", "/files/downloads?Id="+f.Data.ID+"&Filename=r.txt", nil, nil)
	var link struct {
		Links map[string]string `json:"links"`
	}
	if code != 200 || json.Unmarshal(b, &link) != nil || !strings.HasSuffix(link.Links["related"], "/r.txt") {
		t.Fatalf("link: %d %s", code, b)
	}
	tok := e.token
	e.token = "" // the secret is the credential
	code, h, body := e.do("GET", link.Links["related"]+"?Dl=1", nil, nil)
	if code != 200 || string(body) != "secret content" || !strings.Contains(h.Get("Content-Disposition"), `attachment; filename=r.txt`) {
		t.Fatalf("download by secret: %d %q %v", code, body, h)
	}
	tampered := strings.Replace(link.Links["related"], "/files/downloads/", "/files/downloads/x", 1)
	if code, _, _ = e.do("GET", tampered, nil, nil); code != 400 {
		t.Fatalf("tampered secret: %d", code)
	}
	e.token = tok
	if code, _, _ = e.do("POST", "/files/downloads?Path=/report.txt", nil, nil); code != 200 {
		t.Fatalf("link by path: %d", code)
	}
	if code, _, _ = e.do("POST", "/files/downloads", nil, nil); code != 400 {
		t.Fatalf("link without Id or Path: %d", code)
	}
}

func TestArchive(t *testing.T) {
	e := newEnv(t, 0)
	d := e.mkdir("", "bills")
	e.upload(d, "jan.txt", "january")
	one := e.upload("", "one.txt", "one")
	body := `{"data":{"type":"io.cozy.files.archives","attributes":{"name":"project-X","ids":["` + one.Data.ID + `"],"files":["/bills"]}}}`
	code, _, b := e.do("POST", "/files/archive", strings.NewReader(body), nil)
	var res struct {
		Links map[string]string `json:"links"`
	}
	if code != 200 || json.Unmarshal(b, &res) != nil || !strings.HasSuffix(res.Links["related"], "/project-X.zip") {
		t.Fatalf("create archive: %d %s", code, b)
	}
	e.token = ""
	code, h, zipped := e.do("GET", res.Links["related"], nil, nil)
	if code != 200 || h.Get("Content-Type") != "application/zip" {
		t.Fatalf("download archive: %d %v", code, h)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "one.txt,bills/,bills/jan.txt" {
		t.Fatalf("entries: %v", names)
	}
	if code, _, _ = e.do("GET", "/files/archive/unknown/x.zip", nil, nil); code != 404 {
		t.Fatalf("unknown archive: %d", code)
	}
}

func TestUploadMetadata(t *testing.T) {
	e := newEnv(t, 0)
	body := `{"data":{"type":"io.cozy.files.metadata","attributes":{"qualification":{"label":"telecom_invoice"},"datetime":"2017-04-22T01:00:00-05:00"}}}`
	code, _, b := e.do("POST", "/files/upload/metadata", strings.NewReader(body), nil)
	var res struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if code != 201 || json.Unmarshal(b, &res) != nil || res.Data.ID == "" {
		t.Fatalf("metadata: %d %s", code, b)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "upload with MetadataID", Method: "POST", URL: "/files/?Type=file&Name=bill.pdf&MetadataID=" + res.Data.ID,
			Body: "%PDF", Token: e.token, ExpectedStatus: 201, ExpectedContent: []string{`"telecom_invoice"`}},
		{Name: "unknown MetadataID", Method: "POST", URL: "/files/?Type=file&Name=x.pdf&MetadataID=unknown",
			Body: "x", Token: e.token, ExpectedStatus: 422},
		{Name: "inline Metadata", Method: "POST", URL: "/files/?Type=file&Name=y.pdf&Metadata=" + url.QueryEscape(`{"label":"inline"}`),
			Body: "y", Token: e.token, ExpectedStatus: 201, ExpectedContent: []string{`"label":"inline"`}},
		{Name: "inline Metadata not an object", Method: "POST", URL: "/files/?Type=file&Name=z.pdf&Metadata=" + url.QueryEscape(`[1]`),
			Body: "z", Token: e.token, ExpectedStatus: 422},
		{Name: "carbonCopy without permission", Method: "POST", URL: "/files/upload/metadata",
			Body: `{"data":{"attributes":{"carbonCopy":true}}}`, Token: e.token, ExpectedStatus: 403},
		{Name: "metadata not an object", Method: "POST", URL: "/files/upload/metadata",
			Body: `{"data":{"attributes":[1]}}`, Token: e.token, ExpectedStatus: 422},
		{Name: "invalid JSON", Method: "POST", URL: "/files/upload/metadata",
			Body: `{"data":`, Token: e.token, ExpectedStatus: 400},
		{Name: "no token", Method: "POST", URL: "/files/upload/metadata", Body: body, ExpectedStatus: 401},
	})
}
