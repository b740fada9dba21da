package apps_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/permstore"
)

func TestInstallFromDirectoryAndAPI(t *testing.T) {
	e := newEnv(t)
	doc := e.install(t, "testapp", testappSource(t))
	if attr(doc, "data", "attributes", "state") != "ready" || attr(doc, "data", "id") != "io.cozy.apps/testapp" {
		t.Fatalf("show: %v", doc)
	}
	for _, k := range []string{"services", "notifications", "intents", "permissions", "routes", "version", "icon"} {
		if attr(doc, "data", "attributes", k) == nil {
			t.Errorf("attribute %s missing: %v", k, doc)
		}
	}
	if attr(doc, "data", "attributes", "services", "count", "trigger") != "@event io.cozy.contacts:CREATED" {
		t.Errorf("service not stored: %v", attr(doc, "data", "attributes", "services"))
	}
	if attr(doc, "data", "links", "related") != e.url("testapp", "/") {
		t.Errorf("related link %v", attr(doc, "data", "links", "related"))
	}
	if p, err := e.s.Perms.ForApp(context.Background(), e.inst, "testapp"); err != nil || p.Rules[0].Type != "io.cozy.contacts" {
		t.Fatalf("permission doc %+v %v", p, err)
	}

	// A second app, then the list in pages of one.
	e.install(t, "second", testappSource(t))
	page := e.api(t, "GET", "/apps/?limit=1")
	if page.status != 200 || attr(page.json(t), "meta", "count") != 1.0 {
		t.Fatalf("page 1: %d %s", page.status, page.body)
	}
	next, _ := attr(page.json(t), "links", "next").(string)
	if next != "/apps/?limit=1&start_key=io.cozy.apps%2Ftestapp" {
		t.Fatalf("next link %q", next)
	}
	page = e.api(t, "GET", next)
	if data, _ := attr(page.json(t), "data").([]any); len(data) != 1 || attr(page.json(t), "links", "next") != nil {
		t.Fatalf("page 2: %s", page.body)
	}
	if res := e.api(t, "GET", "/apps/?limit=x"); res.status != 400 {
		t.Fatalf("bad limit: %d", res.status)
	}

	// Icon, download, open, logs.
	icon := e.api(t, "GET", "/apps/testapp/icon")
	if icon.status != 200 || icon.header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(icon.body, []byte("<svg")) {
		t.Fatalf("icon: %d %v", icon.status, icon.header)
	}
	dl := e.api(t, "GET", "/apps/testapp/download")
	if dl.status != 200 || dl.header.Get("Content-Type") != "application/gzip" || !tarHas(t, dl.body, "manifest.webapp") {
		t.Fatalf("download: %d %v", dl.status, dl.header)
	}
	if res := e.api(t, "GET", "/apps/testapp/download/1.0.0"); res.status != 200 {
		t.Fatalf("download of the version: %d", res.status)
	}
	if res := e.api(t, "GET", "/apps/testapp/download/0.0.1"); res.status != http.StatusPreconditionFailed {
		t.Fatalf("download of an unknown version: %d", res.status)
	}
	open := e.api(t, "GET", "/apps/testapp/open")
	if open.status != 200 || attr(open.json(t), "data", "attributes", "AppSlug") != "testapp" ||
		!strings.HasPrefix(attr(open.json(t), "data", "attributes", "Cookie").(string), "cozysessid=") ||
		len(attr(open.json(t), "data", "attributes", "Token").(string)) < 20 {
		t.Fatalf("open: %d %s", open.status, open.body)
	}
	logs := `[{"timestamp":"2026-01-01T00:00:00Z","level":"info","msg":"hello"}]`
	c := e.client(t)
	if res := do(t, c, "POST", e.url("", "/apps/testapp/logs?job_id=1"), logs, "Authorization", "Bearer "+e.cli); res.status != 204 {
		t.Fatalf("logs: %d %s", res.status, res.body)
	}
	if res := do(t, c, "POST", e.url("", "/apps/testapp/logs"), `[{"level":"loud","msg":"x"}]`, "Authorization", "Bearer "+e.cli); res.status != 422 {
		t.Fatalf("logs with a bad level: %d", res.status)
	}
	if res := do(t, c, "POST", e.url("", "/apps/testapp/logs"), `{`, "Authorization", "Bearer "+e.cli); res.status != 400 {
		t.Fatalf("logs with bad JSON: %d", res.status)
	}

	// Uninstall: document, permission, files and sub-domain gone.
	if res := e.api(t, "DELETE", "/apps/testapp"); res.status != 204 {
		t.Fatalf("uninstall: %d %s", res.status, res.body)
	}
	if res := e.api(t, "GET", "/apps/testapp"); res.status != 404 {
		t.Fatalf("after uninstall: %d", res.status)
	}
	if _, err := e.s.Perms.ForApp(context.Background(), e.inst, "testapp"); err == nil || !strings.Contains(err.Error(), permstore.ErrNotFound.Error()) {
		t.Fatalf("permission after uninstall: %v", err)
	}
	if res := do(t, e.client(t), "GET", e.url("testapp", "/"), ""); res.status != 404 {
		t.Fatalf("sub-domain after uninstall: %d", res.status)
	}
}

func tarHas(t *testing.T, b []byte, name string) bool {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			return true
		}
	}
}

func TestInstallTarballStreamed(t *testing.T) {
	e := newEnv(t)
	tgz := tarGz(t, "testdata/testapp")
	sum := sha256.Sum256(tgz)
	srv := serve(t, map[string][]byte{"/testapp.tgz": tgz})
	src := srv.URL + "/testapp.tgz#" + hex.EncodeToString(sum[:])
	res := e.api(t, "POST", "/apps/testapp?Source="+url.QueryEscape(src), "Accept", "text/event-stream")
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %v %s", res.status, res.header, res.body)
	}
	body := string(res.body)
	first, last := strings.Index(body, `"state":"installing"`), strings.LastIndex(body, `"state":"ready"`)
	if first < 0 || last < first || strings.Count(body, "event: state") != 2 {
		t.Fatalf("events: %s", body)
	}
	doc := e.api(t, "GET", "/apps/testapp").json(t)
	if attr(doc, "data", "attributes", "checksum") != hex.EncodeToString(sum[:]) {
		t.Fatalf("checksum %v", attr(doc, "data", "attributes", "checksum"))
	}
	// An app already there is a conflict; a konnector install needs a
	// manifest.konnector.
	if res := e.api(t, "POST", "/apps/testapp?Source="+url.QueryEscape(src)); res.status != http.StatusConflict {
		t.Fatalf("second install: %d", res.status)
	}
	if res := e.api(t, "POST", "/konnectors/testapp?Source="+url.QueryEscape(src)); res.status != http.StatusBadRequest {
		t.Fatalf("web app as konnector: %d %s", res.status, res.body)
	}
}

func TestHostileInstallsAPI(t *testing.T) {
	e := newEnv(t)
	e.s.Apps.Apps.Fetcher.Limits = apps.Limits{MaxFiles: 20, MaxBytes: 256 << 10}
	good := tarGz(t, "testdata/testapp")
	manifest := func(body string) []byte {
		return tarGz(t, copyApp(t, map[string]string{"manifest.webapp": body}))
	}
	files := map[string][]byte{
		"/zipslip.tar": rawTar(t, tar.TypeReg, "../../evil", ""),
		"/abs.tar":     rawTar(t, tar.TypeReg, "/etc/evil", ""),
		"/symlink.tar": rawTar(t, tar.TypeSymlink, "escape", "/etc/passwd"),
		"/bomb.tgz":    bomb(t, 64<<20),
		"/notjson.tgz": manifest(`{"name":`),
		"/noname.tgz":  manifest(`{"version":"1.0.0"}`),
		"/badperm.tgz": manifest(`{"name":"x","version":"1","permissions":{"a":{"type":"io.cozy.files","verbs":["FLY"]}}}`),
		"/good.tgz":    good,
	}
	srv := serve(t, files)
	cases := []struct {
		source string
		status int
	}{
		{srv.URL + "/zipslip.tar", 400},
		{srv.URL + "/abs.tar", 400},
		{srv.URL + "/symlink.tar", 400},
		{srv.URL + "/bomb.tgz", 400},
		{srv.URL + "/notjson.tgz", 400},
		{srv.URL + "/noname.tgz", 422},
		{srv.URL + "/badperm.tgz", 422},
		{srv.URL + "/good.tgz#" + strings.Repeat("ab", 32), 400}, // wrong sha256
		{srv.URL + "/missing.tgz", 404},
		{"ftp://example.org/app.tgz", 422},
		{"registry://testapp/stable", 404}, // no registry configured
	}
	for _, c := range cases {
		res := e.api(t, "POST", "/apps/testapp?Source="+url.QueryEscape(c.source))
		if res.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.source, res.status, res.body, c.status)
		}
		if res := e.api(t, "GET", "/apps/testapp"); res.status != 404 {
			t.Fatalf("%s: something was installed (%d)", c.source, res.status)
		}
	}
	if res := e.api(t, "POST", "/apps/Bad..Slug?Source="+url.QueryEscape(srv.URL+"/good.tgz")); res.status != 422 {
		t.Fatalf("bad slug: %d", res.status)
	}
	if res := e.api(t, "PUT", "/apps/testapp"); res.status != 404 {
		t.Fatalf("update of a missing app: %d", res.status)
	}
}

func rawTar(t *testing.T, typ byte, name, link string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	m := []byte(`{"name":"x","version":"1"}`)
	tw.WriteHeader(&tar.Header{Name: "manifest.webapp", Mode: 0o644, Size: int64(len(m)), Typeflag: tar.TypeReg})
	tw.Write(m)
	h := &tar.Header{Name: name, Mode: 0o644, Typeflag: typ, Linkname: link}
	if typ == tar.TypeReg {
		h.Size = 1
	}
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if typ == tar.TypeReg {
		tw.Write([]byte("x"))
	}
	tw.Close()
	return buf.Bytes()
}

// bomb is a small gzip stream that inflates to n zero bytes.
func bomb(t *testing.T, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	m := []byte(`{"name":"x","version":"1"}`)
	tw.WriteHeader(&tar.Header{Name: "manifest.webapp", Mode: 0o644, Size: int64(len(m)), Typeflag: tar.TypeReg})
	tw.Write(m)
	tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: n, Typeflag: tar.TypeReg})
	zero := make([]byte, 1<<20)
	for w := int64(0); w < n; w += int64(len(zero)) {
		tw.Write(zero)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}
