package registry_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

const icon = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`

func drivePackage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{
		"manifest.webapp": `{"name":"Drive","slug":"drive","icon":"icon.svg","version":"1.85.0","permissions":{}}`,
		"index.html":      "<html></html>",
		"icon.svg":        icon,
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// fakeRegistry speaks registry.md's querying API for one app, drive.
func fakeRegistry(t *testing.T, tgz []byte) *httptest.Server {
	t.Helper()
	sum := sha256.Sum256(tgz)
	var base string
	version := func() map[string]any {
		return map[string]any{"slug": "drive", "type": "webapp", "version": "1.85.0", "url": base + "/dl/drive.tgz",
			"sha256": hex.EncodeToString(sum[:]), "size": "1000", "created_at": "2025-11-07T00:00:00Z",
			"manifest": map[string]any{"name": "Drive", "slug": "drive"}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /registry", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("filter[type]") != "webapp" || r.URL.Query().Get("secret") != "" {
			http.Error(w, "unexpected query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"data": []any{map[string]any{"slug": "drive", "type": "webapp", "editor": "cozy",
			"versions": map[string]any{"stable": []string{"1.85.0"}}, "latest_version": version()}},
			"meta": map[string]any{"count": 1, "next_cursor": ""}})
	})
	mux.HandleFunc("GET /registry/maintenance", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) })
	mux.HandleFunc("GET /registry/drive", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"slug": "drive", "editor": "cozy", "latest_version": version()})
	})
	mux.HandleFunc("GET /registry/drive/1.85.0", func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(version()) })
	mux.HandleFunc("GET /registry/drive/stable/latest", func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(version()) })
	mux.HandleFunc("GET /registry/drive/icon", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(icon))
	})
	mux.HandleFunc("GET /registry/drive/screenshots/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>" + r.PathValue("name")))
	})
	mux.HandleFunc("GET /dl/drive.tgz", func(w http.ResponseWriter, r *http.Request) { w.Write(tgz) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base = srv.URL
	return srv
}

// TestStoreListsAndInstalls: what a Store app does, through the stack's
// registry proxy (before: every /registry route was 404), then installs
// the app from the same registry.
func TestStoreListsAndInstalls(t *testing.T) {
	e := webtest.NewEnv(t, &config.Config{Subdomains: config.SubdomainsNested, BodyLimit: 1 << 20}, instance.Options{Locale: "en"})
	t.Cleanup(e.Server.Apps.Close)
	reg := fakeRegistry(t, drivePackage(t))
	e.Server.Apps.Fetcher.Registries = []string{reg.URL}
	store := e.Token(t, "io.cozy.apps")
	files := e.Token(t, "io.cozy.files")

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	s, err := e.Server.Sessions.Create(context.Background(), e.Inst, false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.URL() + "/")
	jar.SetCookies(u, []*http.Cookie{session.Cookie(e.Inst, s, false)})

	e.Run(t, []webtest.Scenario{
		{Name: "list", Method: "GET", URL: "/registry?filter[type]=webapp&limit=20&secret=x", Token: store, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "application/json"}, ExpectedContent: []string{`"slug":"drive"`, `"next_cursor"`}},
		{Name: "list with any token of the instance", Method: "GET", URL: "/registry?filter[type]=webapp", Token: files, ExpectedStatus: 200},
		{Name: "list without a token", Method: "GET", URL: "/registry", ExpectedStatus: 401},
		{Name: "app", Method: "GET", URL: "/registry/drive", Token: store, ExpectedStatus: 200, ExpectedContent: []string{`"latest_version"`}},
		{Name: "version", Method: "GET", URL: "/registry/drive/1.85.0", Token: store, ExpectedStatus: 200, ExpectedContent: []string{`"sha256"`}},
		{Name: "latest", Method: "GET", URL: "/registry/drive/stable/latest", Token: store, ExpectedStatus: 200, ExpectedContent: []string{`"version":"1.85.0"`}},
		{Name: "bad channel", Method: "GET", URL: "/registry/drive/nightly/latest", Token: store, ExpectedStatus: 400},
		{Name: "unknown app", Method: "GET", URL: "/registry/photos", Token: store, ExpectedStatus: 404},
		{Name: "bad slug", Method: "GET", URL: "/registry/Drive", Token: store, ExpectedStatus: 400},
		{Name: "maintenance", Method: "GET", URL: "/registry/maintenance", Token: store, ExpectedStatus: 200, ExpectedContent: []string{"[]"}},
		{Name: "icon with the cookie", Method: "GET", URL: "/registry/drive/icon", Client: browser, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "image/svg+xml", "X-Content-Type-Options": "nosniff",
				"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"}},
		{Name: "icon without credentials", Method: "GET", URL: "/registry/drive/icon", ExpectedStatus: 401},
		{Name: "screenshot of another type is bytes", Method: "GET", URL: "/registry/drive/screenshots/a.png", Client: browser, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "application/octet-stream"}},
		{Name: "install from the registry", Method: "POST", URL: "/apps/drive", Token: store, ExpectedStatus: 202},
	})
	e.Server.Apps.Wait()
	e.Run(t, []webtest.Scenario{
		{Name: "installed", Method: "GET", URL: "/apps/drive", Token: store, ExpectedStatus: 200,
			ExpectedContent: []string{`"source":"registry://drive/stable"`, `"version":"1.85.0"`}},
	})
	reg.Close()
	e.Run(t, []webtest.Scenario{
		{Name: "registry down", Method: "GET", URL: "/registry", Token: store, ExpectedStatus: 502},
	})
}
