package data_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// TestPouchDBAttachments replicates documents with attachments both ways
// with real PouchDB 9, then pulls again (see
// web/e2e/pouchdb/attachments.mjs for the steps and assertions).
func TestPouchDBAttachments(t *testing.T) {
	webtest.SkipE2E(t)
	e := setup(t, 0)
	out := webtest.Script{Path: "pouchdb/attachments.mjs", Modules: []string{"pouchdb-core"},
		Env: []string{"COZY_URL=" + e.URL(), "COZY_TOKEN=" + e.Token(t, "io.cozy.test"), "COZY_DOCTYPE=io.cozy.test"}}.Run(t)
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("pouchdb attachments printed no result:\n%s", out)
	}
}

// patternReader yields n deterministic pseudo-random bytes without
// holding them.
type patternReader struct {
	n, off int64
	x      uint64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rest := p.n - p.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	for i := range b {
		p.x = p.x*6364136223846793005 + 1442695040888963407
		b[i] = byte(p.x >> 56)
	}
	p.off += int64(len(b))
	return len(b), nil
}

// memSampler samples the process's resident size and Go heap until
// stopped, keeping the peaks.
type memSampler struct {
	stop              chan struct{}
	done              chan struct{}
	peakRSS, peakHeap uint64
}

// readRSS returns the resident size of the process.
func readRSS() (uint64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	var size, res uint64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		return 0, err
	}
	return res * uint64(os.Getpagesize()), nil
}

func startSampler() *memSampler {
	s := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if r, err := readRSS(); err == nil {
				s.peakRSS = max(s.peakRSS, r)
			}
			metrics.Read(samples)
			s.peakHeap = max(s.peakHeap, samples[0].Value.Uint64())
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *memSampler) end() { close(s.stop); <-s.done }

// TestAttachmentLargeRoundTrip PUTs a 100 MiB attachment as a raw body
// and GETs it back, both streamed: the server's resident size and heap
// stay flat (the whole test process is measured, client included).
func TestAttachmentLargeRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 100 MiB; skipped under -short")
	}
	const size = 100 << 20
	e := setup(t, 0)
	runtime.GC()
	base, err := readRSS()
	if err != nil {
		t.Skipf("no resident size to measure: %v", err)
	}
	var heapBase [1]metrics.Sample
	heapBase[0].Name = "/memory/classes/heap/objects:bytes"
	metrics.Read(heapBase[:])
	mem := startSampler()

	src := &patternReader{n: size, x: 42}
	sum := md5.New()
	req, err := http.NewRequest(http.MethodPut, e.URL()+"/data/io.cozy.test/big/video.bin", io.TeeReader(src, sum))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+e.tok)
	req.Header.Set("Content-Type", "video/mp4")
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %d %s", res.StatusCode, out)
	}
	putTime := time.Since(start)
	digest := "md5-" + base64.StdEncoding.EncodeToString(sum.Sum(nil))

	start = time.Now()
	req, _ = http.NewRequest(http.MethodGet, e.URL()+"/data/io.cozy.test/big/video.bin", nil)
	req.Header.Set("Authorization", "Bearer "+e.tok)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got := md5.New()
	n, err := io.Copy(got, res.Body)
	res.Body.Close()
	if err != nil || n != size || res.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d, %d bytes, %v", res.StatusCode, n, err)
	}
	getTime := time.Since(start)
	mem.end()
	if g := "md5-" + base64.StdEncoding.EncodeToString(got.Sum(nil)); g != digest || res.Header.Get("Etag") != `"`+digest+`"` {
		t.Fatalf("content digest %s, etag %s, want %s", g, res.Header.Get("Etag"), digest)
	}
	var doc struct {
		Atts map[string]struct {
			Length int64  `json:"length"`
			Digest string `json:"digest"`
		} `json:"_attachments"`
	}
	if err := json.Unmarshal([]byte(e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/big", "")), &doc); err != nil {
		t.Fatal(err)
	}
	if a := doc.Atts["video.bin"]; a.Length != size || a.Digest != digest {
		t.Fatalf("stub %+v", a)
	}
	rssGrowth := int64(mem.peakRSS) - int64(base)
	heapGrowth := int64(mem.peakHeap) - int64(heapBase[0].Value.Uint64())
	t.Logf("100 MiB attachment: PUT %v, GET %v; peak RSS %.1f MiB (+%.1f MiB over the %.1f MiB before), peak heap objects +%.1f MiB",
		putTime.Round(time.Millisecond), getTime.Round(time.Millisecond), float64(mem.peakRSS)/(1<<20),
		float64(rssGrowth)/(1<<20), float64(base)/(1<<20), float64(heapGrowth)/(1<<20))
	if rssGrowth > 32<<20 || heapGrowth > 16<<20 {
		t.Fatalf("memory is not flat: RSS +%d MiB, heap +%d MiB for a %d MiB attachment", rssGrowth>>20, heapGrowth>>20, size>>20)
	}
}

// The attachment routes: permissions as the document's, CouchDB's
// statuses, HEAD and Range, and inline _bulk_docs data served.
func TestAttachmentRoutes(t *testing.T) {
	e := setup(t, 0)
	res, body := e.Do(t, nil, "PUT", "/data/io.cozy.test/mine/a%2Fb.txt", e.tok, "hello world", map[string]string{"Content-Type": "text/plain"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %d %s", res.StatusCode, body)
	}
	rev := object(t, body)["rev"].(string)
	bulk := e.must(t, http.StatusCreated, "POST", "/data/io.cozy.test/_bulk_docs",
		`{"docs":[{"_id":"other","_attachments":{"x.bin":{"content_type":"application/x-b","data":"`+base64.StdEncoding.EncodeToString([]byte("other"))+`"}}}]}`)
	if !strings.Contains(bulk, `"ok":true`) {
		t.Fatal(bulk)
	}
	one := e.Token(t, "io.cozy.test:ALL:mine")
	ro := e.Token(t, "io.cozy.test:GET")
	e.Run(t, []webtest.Scenario{
		{Name: "get", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{"hello world"}, ExpectedHeaders: map[string]string{"Content-Type": "text/plain", "Etag": `"md5-XrY7u+Ae7tCTyyK7j1rNww=="`}},
		{Name: "get with a slash in the name", Method: "GET", URL: "/data/io.cozy.test/mine/a/b.txt", Token: e.tok, ExpectedStatus: 200},
		{Name: "get with rev", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt?rev=" + rev, Token: e.tok, ExpectedStatus: 200},
		{Name: "range", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt", Token: e.tok, Headers: map[string]string{"Range": "bytes=6-"},
			ExpectedStatus: 206, ExpectedContent: []string{"world"}, NotExpectedContent: []string{"hello"}},
		{Name: "head", Method: "HEAD", URL: "/data/io.cozy.test/mine/a%2Fb.txt", Token: e.tok, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Length": "11"}},
		{Name: "inline from _bulk_docs", Method: "GET", URL: "/data/io.cozy.test/other/x.bin", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{"other"}, ExpectedHeaders: map[string]string{"Content-Type": "application/x-b"}},
		{Name: "missing attachment", Method: "GET", URL: "/data/io.cozy.test/mine/nope", Token: e.tok, ExpectedStatus: 404},
		{Name: "missing document", Method: "GET", URL: "/data/io.cozy.test/nope/a", Token: e.tok, ExpectedStatus: 404},
		{Name: "unknown rev", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt?rev=9-abc", Token: e.tok, ExpectedStatus: 404},
		{Name: "id-restricted token reads its document", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt", Token: one, ExpectedStatus: 200},
		{Name: "id-restricted token, another document", Method: "GET", URL: "/data/io.cozy.test/other/x.bin", Token: one, ExpectedStatus: 403},
		{Name: "read-only token cannot write", Method: "PUT", URL: "/data/io.cozy.test/mine/c?rev=" + rev, Body: "x", Token: ro, ExpectedStatus: 403},
		{Name: "id-restricted token, write elsewhere", Method: "PUT", URL: "/data/io.cozy.test/other/c", Body: "x", Token: one, ExpectedStatus: 403},
		{Name: "put without rev on an existing document", Method: "PUT", URL: "/data/io.cozy.test/mine/c", Body: "x", Token: e.tok, ExpectedStatus: 409},
		{Name: "name starting with _", Method: "PUT", URL: "/data/io.cozy.test/mine/_c?rev=" + rev, Body: "x", Token: e.tok, ExpectedStatus: 400},
		{Name: "delete without rev", Method: "DELETE", URL: "/data/io.cozy.test/mine/a%2Fb.txt", Token: e.tok, ExpectedStatus: 400},
		{Name: "delete a missing attachment", Method: "DELETE", URL: "/data/io.cozy.test/mine/nope?rev=" + rev, Token: e.tok, ExpectedStatus: 404},
		{Name: "delete", Method: "DELETE", URL: "/data/io.cozy.test/mine/a%2Fb.txt?rev=" + rev, Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"rev":"2-`}, ExpectedEvents: map[string]int{"UPDATED io.cozy.test": 1}},
		{Name: "gone after delete", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt", Token: e.tok, ExpectedStatus: 404},
		{Name: "the replaced revision keeps it until compaction", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt?rev=" + rev, Token: e.tok, ExpectedStatus: 200},
		{Name: "compact", Method: "POST", URL: "/data/io.cozy.test/_compact", Token: e.tok, ExpectedStatus: 202},
		{Name: "gone after compaction", Method: "GET", URL: "/data/io.cozy.test/mine/a%2Fb.txt?rev=" + rev, Token: e.tok, ExpectedStatus: 404},
	})
}

// Design documents and documents created by POST carry attachments too.
func TestAttachmentsOfDesignAndPostedDocs(t *testing.T) {
	e := setup(t, 0)
	data := base64.StdEncoding.EncodeToString([]byte("ddoc content"))
	e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/_design/d", `{"_attachments":{"f.js":{"content_type":"text/javascript","data":"`+data+`"}}}`)
	if got := e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/_design/d/f.js", ""); got != "ddoc content" {
		t.Fatalf("design attachment: %q", got)
	}
	out := e.must(t, http.StatusCreated, "POST", "/data/io.cozy.test/", `{"_attachments":{"p":{"data":"`+data+`"}}}`)
	id := object(t, out)["id"].(string)
	if got := e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/"+id+"/p", ""); got != "ddoc content" {
		t.Fatalf("posted attachment: %q", got)
	}
	ro := e.Token(t, "io.cozy.test:GET:"+id)
	if res, _ := e.Do(t, nil, "GET", "/data/io.cozy.test/_design/d/f.js", ro, "", nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("design attachment with an id-restricted token: %d", res.StatusCode)
	}
}

// TestBulkDocsLargeInlineMemory pushes a _bulk_docs holding a 48 MiB
// attachment inline (64 MiB of base64, over the JSON limit: streamed),
// generated by the client as it is sent: the process's resident size and
// heap stay flat.
func TestBulkDocsLargeInlineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 64 MiB; skipped under -short")
	}
	const size = 48 << 20
	e := setup(t, 0)
	runtime.GC()
	base, err := readRSS()
	if err != nil {
		t.Skipf("no resident size to measure: %v", err)
	}
	heapBase := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(heapBase)
	mem := startSampler()

	sum := md5.New()
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, `{"docs":[{"_id":"video","_attachments":{"v.mp4":{"content_type":"video/mp4","data":"`)
		enc := base64.NewEncoder(base64.StdEncoding, pw)
		io.Copy(enc, io.TeeReader(&patternReader{n: size, x: 7}, sum))
		enc.Close()
		io.WriteString(pw, `"}}}]}`)
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, e.URL()+"/data/io.cozy.test/_bulk_docs", pr)
	req.ContentLength = int64(len(`{"docs":[{"_id":"video","_attachments":{"v.mp4":{"content_type":"video/mp4","data":"`)) +
		int64(base64.StdEncoding.EncodedLen(size)) + int64(len(`"}}}]}`))
	req.Header.Set("Authorization", "Bearer "+e.tok)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	elapsed := time.Since(start)
	mem.end()
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("bulk: %d %s", res.StatusCode, out)
	}
	doc := object(t, e.must(t, http.StatusOK, "GET", "/data/io.cozy.test/video", ""))
	stub := doc["_attachments"].(map[string]any)["v.mp4"].(map[string]any)
	if stub["digest"] != "md5-"+base64.StdEncoding.EncodeToString(sum.Sum(nil)) || stub["length"] != float64(size) {
		t.Fatalf("stub %v", stub)
	}
	rssGrowth := int64(mem.peakRSS) - int64(base)
	heapGrowth := int64(mem.peakHeap) - int64(heapBase[0].Value.Uint64())
	t.Logf("_bulk_docs with a 48 MiB attachment inline (64 MiB body): %v; peak RSS +%.1f MiB, peak heap objects +%.1f MiB",
		elapsed.Round(time.Millisecond), float64(rssGrowth)/(1<<20), float64(heapGrowth)/(1<<20))
	if rssGrowth > 32<<20 || heapGrowth > 16<<20 {
		t.Fatalf("memory is not flat: RSS +%d MiB, heap +%d MiB", rssGrowth>>20, heapGrowth>>20)
	}
}

// _changes and _all_docs inline the attachments of their documents with
// attachments=true (and include_docs), as PouchDB's http adapter asks.
func TestAttachmentsInlinedInListings(t *testing.T) {
	e := setup(t, 0)
	data := base64.StdEncoding.EncodeToString([]byte("listed"))
	e.must(t, http.StatusOK, "PUT", "/data/io.cozy.test/l", `{"_attachments":{"a":{"data":"`+data+`"}}}`)
	e.Run(t, []webtest.Scenario{
		{Name: "changes", Method: "GET", URL: "/data/io.cozy.test/_changes?include_docs=true&attachments=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"data":"` + data + `"`}},
		{Name: "changes without attachments", Method: "GET", URL: "/data/io.cozy.test/_changes?include_docs=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"stub":true`}, NotExpectedContent: []string{`"data"`}},
		{Name: "all_docs", Method: "GET", URL: "/data/io.cozy.test/_all_docs?include_docs=true&attachments=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"data":"` + data + `"`}},
		{Name: "all_docs without attachments", Method: "GET", URL: "/data/io.cozy.test/_all_docs?include_docs=true", Token: e.tok, ExpectedStatus: 200,
			ExpectedContent: []string{`"stub":true`}},
	})
}
