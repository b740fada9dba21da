package apps_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

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
	e.Server.Apps.Fetcher.Limits = apps.Limits{MaxFiles: 20, MaxBytes: 256 << 10}
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
