package apps_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestUpdateKeepsServing updates an app while clients keep requesting it:
// every answer is a complete old or new version, never an error, and the
// new one serves once the update is done. A failed update and one waiting
// for its permissions leave the current version serving.
func TestUpdateKeepsServing(t *testing.T) {
	e := newEnv(t)
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
	slow := serve(t, nil)
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
			c := e.client(t)
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
	done := make(chan result, 1)
	go func() {
		done <- e.api(t, "PUT", "/apps/testapp?Source="+url.QueryEscape(slow.URL+"/v2.tgz"))
	}()
	// Let requests run while the download hangs.
	for {
		mu.Lock()
		n := seen["v1"]
		mu.Unlock()
		if n >= 8 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	res := <-done
	if res.status != http.StatusAccepted || attr(res.json(t), "data", "attributes", "state") != "upgrading" {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	e.s.Apps.Apps.Wait()
	for i := 0; i < 20; i++ { // a few more requests after the swap
		do(t, e.client(t), "GET", e.url("testapp", "/public"), "")
	}
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) > 2 || seen["v1"] == 0 {
		t.Fatalf("answers during the update: %v", seen)
	}
	if got := do(t, e.client(t), "GET", e.url("testapp", "/public"), ""); !strings.Contains(string(got.body), "v2") {
		t.Fatalf("after the update: %s", got.body)
	}
	doc := e.api(t, "GET", "/apps/testapp").json(t)
	if attr(doc, "data", "attributes", "version") != "2.0.0" || attr(doc, "data", "attributes", "state") != "ready" {
		t.Fatalf("document after update: %v", doc)
	}
	if res := e.api(t, "GET", "/apps/testapp/download/1.0.0"); res.status != 200 {
		t.Fatalf("previous version kept for download: %d", res.status)
	}

	// A failed update (wrong checksum) changes nothing.
	bad := e.api(t, "PUT", "/apps/testapp?Source="+url.QueryEscape(slow.URL+"/v2.tgz#"+strings.Repeat("00", 32)))
	if bad.status != http.StatusBadRequest {
		t.Fatalf("bad update: %d %s", bad.status, bad.body)
	}
	// New permissions without PermissionsAcked: announced, not applied.
	v3 := copyApp(t, map[string]string{"public/index.html": page("v3"), "manifest.webapp": `{"name":"Test App","version":"3.0.0",
		"permissions":{"files":{"type":"io.cozy.files"}},"routes":{"/public":{"folder":"/public","index":"index.html","public":true}}}`})
	res = e.api(t, "PUT", "/apps/testapp?PermissionsAcked=false&Source="+url.QueryEscape("file://"+v3))
	if res.status != http.StatusAccepted || attr(res.json(t), "data", "attributes", "available_version") != "3.0.0" {
		t.Fatalf("unacked update: %d %s", res.status, res.body)
	}
	if got := do(t, e.client(t), "GET", e.url("testapp", "/public"), ""); !strings.Contains(string(got.body), "v2") {
		t.Fatalf("after refused updates: %s", got.body)
	}
	if res := e.api(t, "PUT", "/apps/testapp?PermissionsAcked=maybe"); res.status != 400 {
		t.Fatalf("bad PermissionsAcked: %d", res.status)
	}
}
