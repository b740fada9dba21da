package apps_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
	"github.com/cozypi/cozy/web/webtest"
)

// TestMain lets the service sandbox re-run this binary as its child:
// Contacts' services run in it when TestRealApps creates a contact.
func TestMain(m *testing.M) {
	if services.IsChild() {
		services.ChildMain()
		return
	}
	os.Exit(m.Run())
}

// realApps are the builds of Cozy's apps the test installs (see the
// fixtures' ORIGIN.md).
var realApps = []string{"home", "drive", "contacts", "settings"}

// allowedFailure tells an answer >= 400 the real apps get for a reason
// that is not a fault of the server, with the reason.
// unreadBody starts what the script records for an answer whose body the
// browser no longer had.
const unreadBody = "Error: response.text"

func allowedFailure(method, rawURL string, status int, request, body string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false
	}
	p := u.Path
	switch {
	case status == http.StatusNotFound && strings.HasPrefix(p, "/data/") &&
		(strings.Contains(body, "Database does not exist") || strings.HasPrefix(body, unreadBody)) &&
		(strings.HasSuffix(p, "/_normal_docs") || strings.HasSuffix(p, "/_find") || strings.HasSuffix(p, "/_all_docs")):
		// These routes answer 404 for nothing else (web/data); the
		// browser sometimes drops the body before it is read.
		return "a doctype without any document yet has no database: CouchDB and upstream answer 404, which cozy-client reads as an empty list", true
	case status == http.StatusBadRequest && method == http.MethodPost && strings.HasSuffix(p, "/_find") && strings.Contains(body, "no_usable_index"):
		return "cozy-client names in use_index an index it has not created yet; on no_usable_index it creates it and asks again, as with upstream", true
	case status == http.StatusBadRequest && method == http.MethodPost && strings.HasSuffix(p, "/_find") &&
		strings.Contains(request, `"use_index"`) && strings.HasPrefix(body, unreadBody):
		return "a query naming its index, whose answer the browser dropped before it was read (the page moved on): cozy-client's index creation flow, as above", true
	case status == http.StatusNotFound && method == http.MethodPost && p == "/files/downloads" &&
		u.Query().Get("Path") == "/Settings/Home/Wallpaper":
		return "Home looks for a custom wallpaper; a fresh instance has none (404 upstream too) and Home shows its default one", true
	}
	return "", false
}

// TestRealApps installs Cozy's real Home, Drive, Contacts and Settings
// through the API from a loopback registry serving their builds, logs in
// with headless Chromium over http:// and uses them as a household would,
// each step reported on its own with the page's visible text when it
// fails: Home shows the apps' icons; in Drive a folder is created and a
// file uploaded through its UI and both appear live in a second tab
// (realtime), the file opens in the viewer, the sharing modal loads, the
// file is in Recent, then trashed and in Trash; in Contacts a contact is
// created in its form and listed, and Contacts' services it triggered end
// done with their effect in the data; Settings' profile and storage pages
// show real values. No page error and no answer >= 400 outside a
// justified allow-list. It logs two figures: the time from the login to
// Home fully loaded, and the resident memory of the server's process.
func TestRealApps(t *testing.T) {
	webtest.SkipE2E(t)
	dir := webtest.CozyApps(t)
	pkgs := map[string][]byte{}
	for _, slug := range realApps {
		b, err := os.ReadFile(filepath.Join(dir, slug+".tar.gz"))
		if err != nil {
			t.Fatalf("the build of %s is missing (see %s/ORIGIN.md; COZY_APPS_FIXTURES names another folder): %v", slug, dir, err)
		}
		pkgs[slug] = b
	}
	var regURL string
	mux := http.NewServeMux()
	version := func(slug string) map[string]any {
		sum := sha256.Sum256(pkgs[slug])
		return map[string]any{"slug": slug, "type": "webapp", "version": "1.0.0",
			"url": regURL + "/dl/" + slug + ".tar.gz", "sha256": hex.EncodeToString(sum[:])}
	}
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /registry/{slug}/stable/latest", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := pkgs[r.PathValue("slug")]; !ok {
			http.NotFound(w, r)
			return
		}
		answer(w, version(r.PathValue("slug")))
	})
	// The list and the maintenance list, which Home asks through the
	// stack's registry proxy (konnectors: none here).
	mux.HandleFunc("GET /registry", func(w http.ResponseWriter, r *http.Request) {
		data := []any{}
		if t := r.URL.Query().Get("filter[type]"); t == "" || t == "webapp" {
			for _, slug := range realApps {
				data = append(data, map[string]any{"slug": slug, "type": "webapp", "editor": "cozy",
					"versions": map[string]any{"stable": []string{"1.0.0"}}, "latest_version": version(slug)})
			}
		}
		answer(w, map[string]any{"data": data, "meta": map[string]any{"count": len(data), "next_cursor": ""}})
	})
	mux.HandleFunc("GET /registry/maintenance", func(w http.ResponseWriter, r *http.Request) { answer(w, []any{}) })
	// Icons, as the official registry has them; Settings shows the
	// Store's (an app it publishes, not installed here).
	mux.HandleFunc("GET /registry/{slug}/icon", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := pkgs[r.PathValue("slug")]; !ok && r.PathValue("slug") != "store" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#297ef2"/></svg>`))
	})
	mux.HandleFunc("GET /dl/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Write(pkgs[strings.TrimSuffix(r.PathValue("file"), ".tar.gz")])
	})
	reg := httptest.NewServer(mux)
	t.Cleanup(reg.Close)
	regURL = reg.URL

	e := newEnv(t, config.SubdomainsNested)
	e.Server.Apps.Fetcher.Registries = []string{reg.URL}
	alice := e.alice(t)
	const passphrase = "the real apps passphrase"
	if _, err := e.Instances.SetPassphrase(context.Background(), alice.Domain, passphrase); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	cli, err := alice.Issue(token.CLI, "", "io.cozy.apps")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, slug := range realApps {
		res, body := e.Do(t, c, "POST", alice.PageURL("/apps/"+slug), cli, "", nil)
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("install %s: %d %s", slug, res.StatusCode, body)
		}
	}
	e.Server.Apps.Wait()
	t.Logf("four apps installed in %v", time.Since(start))
	for _, slug := range realApps {
		res, body := e.Do(t, c, "GET", alice.PageURL("/apps/"+slug), cli, "", nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `"state":"ready"`) {
			t.Fatalf("%s: %d %s", slug, res.StatusCode, body)
		}
	}

	out := webtest.Script{Path: "cozy-apps.mjs", Args: []string{alice.Origin(), passphrase, alice.AppURL("home"),
		alice.AppURL("drive"), alice.AppURL("contacts"), alice.AppURL("settings")},
		Modules: []string{"playwright-core"}, Browser: true, Timeout: 4 * time.Minute}.Run(t)
	// The server runs in this process: its resident memory after the four
	// apps were used (the browser's session just ended; nothing the server
	// held for them is released by that).
	t.Logf("figure: RSS of the process serving the four apps: %s", vmRSS(t))
	var got struct {
		LoginURL, LandedURL, FinalURL string
		Images                        []struct {
			Src    string
			Loaded bool
		}
		Failed []struct {
			Method, URL, Request, Body string
			Status                     int
		}
		PageErrors, ConsoleErrors, Aborted []string
		Error                              string
		Text                               string
		Steps                              []struct {
			Name, Error, URL, Text string
			Controls               []string
			OK                     bool
			MS                     int
		}
		HomeMS           int
		Profile, Storage string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("browser output %s: %v", out, err)
	}
	if got.Error != "" {
		t.Errorf("the browser stopped: %s", got.Error)
	}
	if !strings.HasPrefix(got.LandedURL, alice.AppURL("home")) {
		t.Errorf("landed on %s, not in Home", got.LandedURL)
	}
	for _, slug := range realApps {
		want := "/apps/" + slug + "/icon"
		found := false
		for _, img := range got.Images {
			if strings.Contains(img.Src, want) && img.Loaded {
				found = true
			}
		}
		if !found && slug != "home" {
			t.Errorf("Home shows no loaded icon of %s", slug)
		}
	}
	for _, f := range got.Failed {
		if why, ok := allowedFailure(f.Method, f.URL, f.Status, f.Request, f.Body); ok {
			t.Logf("allowed: %s %s %d (%s)", f.Method, f.URL, f.Status, why)
			continue
		}
		t.Errorf("answer >= 400: %s %s %d %s", f.Method, f.URL, f.Status, f.Body)
	}
	for _, p := range got.PageErrors {
		t.Errorf("page error: %s", p)
	}
	// Home names the apps it links to, and no error banner.
	for _, name := range []string{"Drive", "Contacts", "Settings"} {
		if !strings.Contains(got.Text, name) {
			t.Errorf("Home does not show %s: %q", name, got.Text)
		}
	}
	lower := strings.ToLower(got.Text)
	for _, banner := range []string{"error", "something went wrong", "erreur", "unavailable"} {
		if strings.Contains(lower, banner) {
			t.Errorf("Home shows %q: %q", banner, got.Text)
		}
	}
	// Each step of the household's use, in order.
	for _, st := range got.Steps {
		if !st.OK {
			t.Errorf("step %q failed after %d ms: %s\nat %s, the page shows:\n%s\ncontrols: %q", st.Name, st.MS, st.Error, st.URL, st.Text, st.Controls)
			continue
		}
		t.Logf("step %q done in %d ms", st.Name, st.MS)
	}
	t.Logf("figure: from the login to Home fully loaded (the apps' icons shown): %d ms", got.HomeMS)
	// Settings shows real values: the instance's address on the profile,
	// the space used on the storage page.
	if !strings.Contains(got.Profile, "English") {
		t.Errorf("Settings' profile shows no language:\n%s", got.Profile)
	}
	if !regexp.MustCompile(`\d+(\.\d+)? ?(B|KB|MB|GB|kB)`).MatchString(got.Storage) {
		t.Errorf("Settings' storage page shows no usage:\n%s", got.Storage)
	}
	if i := strings.Index(got.Storage, "Storage\n"); i >= 0 {
		t.Logf("Settings' storage page: %.200q", got.Storage[i:])
	}
	contactServices(t, e, alice)
	for _, a := range got.Aborted {
		t.Logf("aborted (outside loopback): %s", a)
	}
}

// contactServices checks that the services of Contacts which the contact
// made in its UI triggered (@event io.cozy.contacts:CREATED, debounced
// 5 s) ended done, and that their effect is in the data: the contact has
// its fullname and its indexes.
func contactServices(t *testing.T, e *env, alice *instance.Instance) {
	t.Helper()
	tok, err := alice.Issue(token.CLI, "", "io.cozy.triggers io.cozy.jobs io.cozy.contacts")
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	get := func(path string, v any) {
		t.Helper()
		res, body := e.Do(t, c, "GET", alice.PageURL(path), tok, "", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
	var triggers struct {
		Data []struct {
			ID         string
			Attributes struct {
				Type    string
				Message struct{ Name string }
			}
		}
	}
	get("/jobs/triggers?Worker=service", &triggers)
	var onEvent []string
	names := map[string]string{}
	for _, tr := range triggers.Data {
		if tr.Attributes.Type == "@event" && (tr.Attributes.Message.Name == "keepIndexFullNameAndDisplayNameUpToDate" || tr.Attributes.Message.Name == "autoDefineLabels") {
			onEvent = append(onEvent, tr.ID)
			names[tr.ID] = tr.Attributes.Message.Name
		}
	}
	if len(onEvent) != 2 {
		t.Fatalf("Contacts' @event services: %d triggers found, want 2 (%+v)", len(onEvent), triggers.Data)
	}
	// The jobs start after the debounce: wait for them to end, polling
	// the API (a condition with a deadline).
	deadline := time.Now().Add(30 * time.Second)
	for _, id := range onEvent {
		for {
			var jobs struct {
				Data []struct{ Attributes struct{ State, Error string } }
			}
			get("/jobs/triggers/"+id+"/jobs", &jobs)
			ended := len(jobs.Data) > 0
			for _, j := range jobs.Data {
				if j.Attributes.State != "done" && j.Attributes.State != "errored" {
					ended = false
				}
			}
			if ended {
				for _, j := range jobs.Data {
					if j.Attributes.State != "done" {
						t.Errorf("Contacts' service %s: job %s: %s", names[id], j.Attributes.State, j.Attributes.Error)
					}
				}
				t.Logf("Contacts' service %s: %d job(s) done", names[id], len(jobs.Data))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Contacts' service %s: its jobs did not end in 30 s: %+v", names[id], jobs.Data)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	var contacts struct {
		Rows []struct{ Doc map[string]any }
	}
	get("/data/io.cozy.contacts/_all_docs?include_docs=true", &contacts)
	found := false
	for _, r := range contacts.Rows {
		if r.Doc["fullname"] == nil && r.Doc["displayName"] == nil {
			continue
		}
		found = true
		if !strings.Contains(fmt.Sprint(r.Doc["fullname"]), "Lovelace") || r.Doc["indexes"] == nil {
			t.Errorf("the contact lacks what the service sets (fullname, indexes): %v", r.Doc)
		}
	}
	if !found {
		t.Errorf("no contact in the data: %+v", contacts.Rows)
	}
}

// vmRSS is the resident set size of this process, as /proc tells it.
func vmRSS(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return ""
}
