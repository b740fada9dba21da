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
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/webtest"
)

func TestInstallFromDirectoryAndAPI(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
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
	if p, err := e.Server.Perms.ForApp(context.Background(), e.Inst, "testapp"); err != nil || p.Rules[0].Type != "io.cozy.contacts" {
		t.Fatalf("permission doc %+v %v", p, err)
	}
	e.install(t, "second", testappSource(t))

	isJSONAPI := map[string]string{"Content-Type": "application/vnd.api+json"}
	e.Run(t, []webtest.Scenario{
		{Name: "list, first page", Method: "GET", URL: "/apps/?limit=1", Token: e.cli, ExpectedStatus: 200, ExpectedHeaders: isJSONAPI,
			ExpectedContent: []string{`"count":1`, `"next":"/apps/?limit=1\u0026start_key=io.cozy.apps%2Ftestapp"`}},
		{Name: "list, last page", Method: "GET", URL: "/apps/?limit=1&start_key=io.cozy.apps%2Ftestapp", Token: e.cli, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"io.cozy.apps/testapp"`}, NotExpectedContent: []string{`"next"`, "second"}},
		{Name: "list, bad limit", Method: "GET", URL: "/apps/?limit=x", Token: e.cli, ExpectedStatus: 400, ExpectedHeaders: isJSONAPI},
		{Name: "list without a token", Method: "GET", URL: "/apps/", ExpectedStatus: 401},
		{Name: "list with a token for another doctype", Method: "GET", URL: "/apps/", Token: e.Token(t, "io.cozy.files"), ExpectedStatus: 403},
		{Name: "icon", Method: "GET", URL: "/apps/testapp/icon", Token: e.cli, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "image/svg+xml"}, ExpectedContent: []string{"<svg"}},
		{Name: "download", Method: "GET", URL: "/apps/testapp/download", Token: e.cli, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "application/gzip"},
			After: func(t *testing.T, _ *http.Response, body string) {
				if !tarHas(t, []byte(body), "manifest.webapp") {
					t.Fatal("no manifest in the tarball")
				}
			}},
		{Name: "download of the version", Method: "GET", URL: "/apps/testapp/download/1.0.0", Token: e.cli, ExpectedStatus: 200},
		{Name: "download of an unknown version", Method: "GET", URL: "/apps/testapp/download/0.0.1", Token: e.cli, ExpectedStatus: http.StatusPreconditionFailed},
		{Name: "open", Method: "GET", URL: "/apps/testapp/open", Token: e.cli, ExpectedStatus: 200,
			ExpectedContent: []string{`"AppSlug":"testapp"`, `"Cookie":"cozysessid=`, `"type":"io.cozy.apps.open"`},
			After: func(t *testing.T, _ *http.Response, body string) {
				if tok, _ := attr(decode(t, body), "data", "attributes", "Token").(string); len(tok) < 20 {
					t.Fatalf("no token: %s", body)
				}
			}},
		{Name: "logs", Method: "POST", URL: "/apps/testapp/logs?job_id=1", Token: e.cli, ExpectedStatus: 204,
			Body: `[{"timestamp":"2026-01-01T00:00:00Z","level":"info","msg":"hello"}]`},
		{Name: "logs with a bad level", Method: "POST", URL: "/apps/testapp/logs", Token: e.cli, Body: `[{"level":"loud","msg":"x"}]`, ExpectedStatus: 422},
		{Name: "logs with bad JSON", Method: "POST", URL: "/apps/testapp/logs", Token: e.cli, Body: `{`, ExpectedStatus: 400},
		{Name: "logs too large", Method: "POST", URL: "/apps/testapp/logs", Token: e.cli, Body: `[{"msg":"` + strings.Repeat("x", 1<<20) + `"}]`,
			ExpectedStatus: http.StatusRequestEntityTooLarge},
		{Name: "logs of a missing app", Method: "POST", URL: "/apps/nothere/logs", Token: e.cli, Body: `[]`, ExpectedStatus: 404},
		// Uninstall: document, permission, files and sub-domain gone.
		{Name: "uninstall", Method: "DELETE", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 204},
		{Name: "after uninstall", Method: "GET", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 404, ExpectedHeaders: isJSONAPI,
			After: func(t *testing.T, _ *http.Response, _ string) {
				if _, err := e.Server.Perms.ForApp(context.Background(), e.Inst, "testapp"); err == nil || !strings.Contains(err.Error(), permstore.ErrNotFound.Error()) {
					t.Fatalf("permission after uninstall: %v", err)
				}
			}},
		{Name: "sub-domain after uninstall", Method: "GET", URL: e.url("testapp", "/"), Client: e.client(), ExpectedStatus: 404},
	})
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
	e := newEnv(t, config.SubdomainsNested)
	tgz := tarGz(t, "testdata/testapp")
	sum := sha256.Sum256(tgz)
	srv := e.serve(t, true, map[string][]byte{"/testapp.tgz": tgz})
	src := url.QueryEscape(srv.URL + "/testapp.tgz#" + hex.EncodeToString(sum[:]))
	e.Run(t, []webtest.Scenario{
		{Name: "streamed install", Method: "POST", URL: "/apps/testapp?Source=" + src, Token: e.cli,
			Headers: map[string]string{"Accept": "text/event-stream"}, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "text/event-stream"},
			After: func(t *testing.T, _ *http.Response, body string) {
				first, last := strings.Index(body, `"state":"installing"`), strings.LastIndex(body, `"state":"ready"`)
				if first < 0 || last < first || strings.Count(body, "event: state") != 2 {
					t.Fatalf("events: %s", body)
				}
			}},
		{Name: "checksum recorded", Method: "GET", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 200,
			ExpectedContent: []string{`"checksum":"` + hex.EncodeToString(sum[:]) + `"`}},
		{Name: "already installed", Method: "POST", URL: "/apps/testapp?Source=" + src, Token: e.cli, ExpectedStatus: http.StatusConflict},
		{Name: "web app as konnector", Method: "POST", URL: "/konnectors/testapp?Source=" + src, Token: e.cli, ExpectedStatus: http.StatusBadRequest},
	})
}

func TestHostileInstallsAPI(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	e.Server.Apps.Apps.Fetcher.Limits = apps.Limits{MaxFiles: 20, MaxBytes: 256 << 10}
	good := tarGz(t, "testdata/testapp")
	manifest := func(body string) []byte {
		return tarGz(t, copyApp(t, map[string]string{"manifest.webapp": body}))
	}
	files := map[string][]byte{
		"/zipslip.tar": rawTar(t, tar.TypeReg, "../../evil", ""),
		"/abs.tar":     rawTar(t, tar.TypeReg, "/etc/evil", ""),
		"/symlink.tar": rawTar(t, tar.TypeSymlink, "escape", "/etc/passwd"),
		"/bomb.tgz":    bomb(t, 64<<20),
		"/big.tar":     bytes.Repeat([]byte{0}, 300<<10), // over MaxBytes before any unpacking
		"/notjson.tgz": manifest(`{"name":`),
		"/noname.tgz":  manifest(`{"version":"1.0.0"}`),
		"/badperm.tgz": manifest(`{"name":"x","version":"1","permissions":{"a":{"type":"io.cozy.files","verbs":["FLY"]}}}`),
		"/good.tgz":    good,
	}
	srv := e.serve(t, true, files)
	untrusted := e.serve(t, false, files)
	cases := []struct {
		source string
		status int
		detail string
	}{
		{srv.URL + "/zipslip.tar", 400, ""},
		{srv.URL + "/abs.tar", 400, ""},
		{srv.URL + "/symlink.tar", 400, ""},
		{srv.URL + "/bomb.tgz", 400, ""},
		{srv.URL + "/big.tar", 400, "larger than"},
		{srv.URL + "/notjson.tgz", 400, ""},
		{srv.URL + "/noname.tgz", 422, ""},
		{srv.URL + "/badperm.tgz", 422, ""},
		{srv.URL + "/good.tgz#" + strings.Repeat("ab", 32), 400, ""}, // wrong sha256
		{srv.URL + "/missing.tgz", 404, ""},
		{"ftp://example.org/app.tgz", 422, ""},
		// Not a configured registry: a loopback address is refused before
		// anything is asked of it.
		{untrusted.URL + "/good.tgz", 422, "is not allowed (loopback"},
		{"http://localhost:" + untrusted.URL[strings.LastIndex(untrusted.URL, ":")+1:] + "/good.tgz", 422, "is not allowed (localhost name"},
		{"http://10.0.0.1/app.tgz", 422, "is not allowed (private-use"},
		{"http://[::1]:1/app.tgz", 422, "is not allowed (loopback"},
	}
	var scenarios []webtest.Scenario
	for _, c := range cases {
		var want []string
		if c.detail != "" {
			want = []string{c.detail}
		}
		scenarios = append(scenarios, webtest.Scenario{Name: c.source, Method: "POST", URL: "/apps/testapp?Source=" + url.QueryEscape(c.source),
			Token: e.cli, ExpectedStatus: c.status, ExpectedContent: want,
			After: func(t *testing.T, _ *http.Response, _ string) {
				if res, _ := e.api(t, "GET", "/apps/testapp"); res.StatusCode != 404 {
					t.Fatalf("something was installed (%d)", res.StatusCode)
				}
			}})
	}
	scenarios = append(scenarios,
		webtest.Scenario{Name: "bad slug", Method: "POST", URL: "/apps/Bad..Slug?Source=" + url.QueryEscape(srv.URL+"/good.tgz"), Token: e.cli, ExpectedStatus: 422},
		webtest.Scenario{Name: "update of a missing app", Method: "PUT", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 404},
	)
	e.Run(t, scenarios)
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
