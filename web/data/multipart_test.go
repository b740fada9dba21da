package data_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// multipartDoc builds a multipart/related body: the document, then the
// parts (a part's filename is set when its name is not empty).
func multipartDoc(t *testing.T, doc string, parts ...[2]string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
	io.WriteString(w, doc)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p[0] != "" {
			h.Set("Content-Disposition", `attachment; filename="`+p[0]+`"`)
		}
		w, _ := mw.CreatePart(h)
		io.WriteString(w, p[1])
	}
	mw.Close()
	return b.String(), `multipart/related; boundary="` + mw.Boundary() + `"`
}

// CouchDB's multipart forms: a multipart/related PUT (parts matched by
// filename or order, also with new_edits=false), and open_revs answered
// as multipart/mixed with the attachments streamed.
func TestMultipart(t *testing.T) {
	e := setup(t, 0)
	body, ct := multipartDoc(t, `{"title":"mp","_attachments":{"a.txt":{"follows":true,"content_type":"text/plain","length":5},"b.bin":{"follows":true,"content_type":"application/x-b","length":3}}}`,
		[2]string{"b.bin", "BBB"}, [2]string{"", "AAAAA"})
	res, out := e.Do(t, nil, "PUT", "/data/io.cozy.test/mp", e.tok, body, map[string]string{"Content-Type": ct})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("multipart PUT: %d %s", res.StatusCode, out)
	}
	rev := object(t, out)["rev"].(string)
	if got := e.must(t, 200, "GET", "/data/io.cozy.test/mp/a.txt", ""); got != "AAAAA" {
		t.Fatalf("a.txt: %q", got)
	}
	if got := e.must(t, 200, "GET", "/data/io.cozy.test/mp/b.bin", ""); got != "BBB" {
		t.Fatalf("b.bin: %q", got)
	}
	// Replication form: new_edits=false with a history.
	body, ct = multipartDoc(t, `{"_id":"mp","_rev":"2-abc","_revisions":{"start":2,"ids":["abc","`+strings.TrimPrefix(rev, "1-")+`"]},"_attachments":{"a.txt":{"stub":true},"c":{"follows":true,"content_type":"text/plain"}}}`,
		[2]string{"", "CC"})
	res, out = e.Do(t, nil, "PUT", "/data/io.cozy.test/mp?new_edits=false", e.tok, body, map[string]string{"Content-Type": ct})
	if res.StatusCode != http.StatusOK || !strings.Contains(out, `"rev":"2-abc"`) {
		t.Fatalf("multipart PUT new_edits=false: %d %s", res.StatusCode, out)
	}
	// A part that names nothing, and a follows without its part.
	body, ct = multipartDoc(t, `{"_attachments":{"x":{"follows":true}}}`, [2]string{"y", "?"})
	if res, out := e.Do(t, nil, "PUT", "/data/io.cozy.test/bad", e.tok, body, map[string]string{"Content-Type": ct}); res.StatusCode != 400 {
		t.Fatalf("unknown part: %d %s", res.StatusCode, out)
	}
	body, ct = multipartDoc(t, `{"_attachments":{"x":{"follows":true}}}`)
	if res, out := e.Do(t, nil, "PUT", "/data/io.cozy.test/bad", e.tok, body, map[string]string{"Content-Type": ct}); res.StatusCode != 400 {
		t.Fatalf("missing part: %d %s", res.StatusCode, out)
	}

	// open_revs as multipart/mixed, with attachments since revision 1.
	res, out = e.Do(t, nil, "GET", `/data/io.cozy.test/mp?open_revs=["2-abc","9-zz"]&revs=true&atts_since=["`+rev+`"]`, e.tok, "",
		map[string]string{"Accept": "multipart/mixed"})
	mt, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if res.StatusCode != 200 || err != nil || mt != "multipart/mixed" {
		t.Fatalf("open_revs multipart: %d %s %v\n%s", res.StatusCode, res.Header.Get("Content-Type"), err, out)
	}
	mr := multipart.NewReader(strings.NewReader(out), params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	mt, inner, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
	if mt != "multipart/related" {
		t.Fatalf("first part: %s", p.Header.Get("Content-Type"))
	}
	rr := multipart.NewReader(p, inner["boundary"])
	jp, _ := rr.NextPart()
	var doc struct {
		Rev  string `json:"_rev"`
		Atts map[string]struct {
			Stub, Follows bool
			Length        int64
		} `json:"_attachments"`
		Revisions *struct{ Start int } `json:"_revisions"`
	}
	if err := json.NewDecoder(jp).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Rev != "2-abc" || !doc.Atts["a.txt"].Stub || len(doc.Atts) != 2 || !doc.Atts["c"].Follows || doc.Atts["c"].Length != 2 || doc.Revisions == nil {
		t.Fatalf("document part: %+v", doc)
	}
	ap, err := rr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(ap)
	if ap.FileName() != "c" || string(data) != "CC" {
		t.Fatalf("attachment part %q: %q", ap.FileName(), data)
	}
	if _, err := rr.NextPart(); err != io.EOF {
		t.Fatalf("more inner parts: %v", err)
	}
	p, err = mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	missing, _ := io.ReadAll(p)
	if !strings.Contains(string(missing), `"missing":"9-zz"`) {
		t.Fatalf("second part: %s", missing)
	}
}
