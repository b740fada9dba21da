package apps_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestUpdateKeepsServing updates an app while clients keep requesting it:
// every answer is a complete old or new version, never an error, and the
// new one serves once the update is done. A failed update and one waiting
// for its permissions leave the current version serving.
func TestUpdateKeepsServing(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	page := func(v string) string {
		return `<!DOCTYPE html><html><body><p id="v">` + v + `</p>` + strings.Repeat("<!-- padding -->", 64) + `</body></html>`
	}
	v1 := copyApp(t, map[string]string{"public/index.html": page("v1")})
	v2 := copyApp(t, map[string]string{"public/index.html": page("v2"),
		"manifest.webapp": strings.Replace(readFile(t, "testdata/testapp/manifest.webapp"), `"1.0.0"`, `"2.0.0"`, 1)})
	e.install(t, "testapp", "file://"+v1)

	// The new version comes as a tarball from a slow server, so that
	// requests run during the whole update.
	tgz := tarGz(t, v2)
	release := make(chan struct{})
	slow := e.serve(t, true, nil)
	slow.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write(tgz)
	})

	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.client()
			for !stop.Load() {
				res, err := c.Get(e.url("testapp", "/public"))
				if err != nil {
					mu.Lock()
					seen["error: "+err.Error()]++
					mu.Unlock()
					return
				}
				b := make([]byte, 4096)
				n, _ := res.Body.Read(b)
				res.Body.Close()
				key := "other"
				switch {
				case res.StatusCode != 200:
					key = "status " + res.Status
				case strings.Contains(string(b[:n]), `<p id="v">v1</p>`):
					key = "v1"
				case strings.Contains(string(b[:n]), `<p id="v">v2</p>`):
					key = "v2"
				}
				mu.Lock()
				seen[key]++
				mu.Unlock()
			}
		}()
	}
	type answer struct {
		status int
		body   string
	}
	done := make(chan answer, 1)
	go func() {
		res, body := e.api(t, "PUT", "/apps/testapp?Source="+url.QueryEscape(slow.URL+"/v2.tgz"))
		done <- answer{res.StatusCode, body}
	}()
	// Let requests run while the download hangs.
	webtest.WaitFor(t, 10*time.Second, "requests during the update", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen["v1"] >= 8
	})
	close(release)
	res := <-done
	if res.status != http.StatusAccepted || attr(decode(t, res.body), "data", "attributes", "state") != "upgrading" {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	e.Server.Apps.Wait()
	for i := 0; i < 20; i++ { // a few more requests after the swap
		e.get(t, e.client(), e.url("testapp", "/public"))
	}
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) > 2 || seen["v1"] == 0 {
		t.Fatalf("answers during the update: %v", seen)
	}
	v3 := copyApp(t, map[string]string{"public/index.html": page("v3"), "manifest.webapp": `{"name":"Test App","version":"3.0.0",
		"permissions":{"files":{"type":"io.cozy.files"}},"routes":{"/public":{"folder":"/public","index":"index.html","public":true}}}`})
	servesV2 := webtest.Scenario{Method: "GET", URL: e.url("testapp", "/public"), Client: e.client(), ExpectedStatus: 200, ExpectedContent: []string{"v2"}}
	e.Run(t, []webtest.Scenario{
		{Name: "after the update", Method: "GET", URL: e.url("testapp", "/public"), Client: e.client(), ExpectedStatus: 200, ExpectedContent: []string{"v2"}},
		{Name: "document after update", Method: "GET", URL: "/apps/testapp", Token: e.cli, ExpectedStatus: 200,
			ExpectedContent: []string{`"version":"2.0.0"`, `"state":"ready"`}},
		{Name: "previous version kept for download", Method: "GET", URL: "/apps/testapp/download/1.0.0", Token: e.cli, ExpectedStatus: 200},
		// A failed update (wrong checksum) changes nothing.
		{Name: "bad update", Method: "PUT", URL: "/apps/testapp?Source=" + url.QueryEscape(slow.URL+"/v2.tgz#"+strings.Repeat("00", 32)), Token: e.cli,
			ExpectedStatus: http.StatusBadRequest, After: func(t *testing.T, _ *http.Response, _ string) { e.Test(t, servesV2) }},
		// New permissions without PermissionsAcked: announced, not applied.
		{Name: "unacked update", Method: "PUT", URL: "/apps/testapp?PermissionsAcked=false&Source=" + url.QueryEscape("file://"+v3), Token: e.cli,
			ExpectedStatus: http.StatusAccepted, ExpectedContent: []string{`"available_version":"3.0.0"`},
			After: func(t *testing.T, _ *http.Response, _ string) { e.Test(t, servesV2) }},
		{Name: "bad PermissionsAcked", Method: "PUT", URL: "/apps/testapp?PermissionsAcked=maybe", Token: e.cli, ExpectedStatus: 400},
	})
}
