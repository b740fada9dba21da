package jobs_test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// untar extracts a .tar.gz of regular files and folders into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(h.Name)
		if name == "." || strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			continue
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				var out *os.File
				if out, err = os.Create(p); err == nil {
					_, err = io.Copy(out, tr)
					if cerr := out.Close(); err == nil {
						err = cerr
					}
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// jobsOf returns the jobs of a trigger.
func (e *jobsEnv) jobsOf(tok, triggerID string) []resource {
	e.t.Helper()
	var jobs struct{ Data []resource }
	e.call("GET", "/jobs/triggers/"+triggerID+"/jobs", tok, "", &jobs)
	return jobs.Data
}

// endedJob waits for a job of the trigger to end and returns it.
func (e *jobsEnv) endedJob(tok, triggerID string) map[string]any {
	e.t.Helper()
	var ended map[string]any
	webtest.WaitFor(e.t, 90*time.Second, "a job of trigger "+triggerID+" to end", func() bool {
		for _, j := range e.jobsOf(tok, triggerID) {
			if s := j.Attributes["state"]; s == "done" || s == "errored" {
				ended = j.Attributes
				return true
			}
		}
		return false
	})
	return ended
}

// TestContactsServices installs the real Contacts app (the prebuilt
// fixture, webpack bundles for Node) from its folder and runs its three
// services as the job system does, on the events of their manifest: each
// job ends done, and their work is in the data: the display name, full
// name and sort index keepIndexFullNameAndDisplayNameUpToDate gives a new
// contact, the relation to a deleted contact cleanRelatedContacts removes
// (autoDefineLabels has nothing to label in these contacts; it reads them
// all and ends done).
func TestContactsServices(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real Contacts services (several seconds each)")
	}
	fixtures := webtest.CozyApps(t)
	e := setup(t)
	dir := filepath.Join(t.TempDir(), "contacts")
	untar(t, filepath.Join(fixtures, "contacts.tar.gz"), dir)
	tok := e.Token(t, "io.cozy.apps io.cozy.triggers io.cozy.jobs io.cozy.contacts")
	if st := e.call("POST", "/apps/contacts?Source="+url.QueryEscape("file://"+dir), tok, "", nil); st != http.StatusAccepted {
		t.Fatalf("install contacts: %d", st)
	}
	e.Server.Apps.Wait()
	var trigs map[string]resource
	wait(t, "the three triggers of the Contacts manifest", func() bool {
		trigs = e.serviceTriggers(tok)
		return len(trigs) == 3
	})

	var created struct {
		ID string `json:"id"`
	}
	contact := `{"name":{"givenName":"Ada","familyName":"Lovelace"},"email":[{"address":"ada@example.com","primary":true}],"phone":[{"number":"+33 6 00 00 00 00","primary":true}]}`
	if st := e.call("POST", "/data/io.cozy.contacts/", tok, contact, &created); st != http.StatusCreated {
		t.Fatalf("create contact: %d", st)
	}
	for _, name := range []string{"keepIndexFullNameAndDisplayNameUpToDate", "autoDefineLabels"} {
		job := e.endedJob(tok, trigs[name].ID)
		t.Logf("%s: %s %v\nlogs %s", name, job["state"], job["error"], logsOf(job))
		if job["state"] != "done" {
			t.Errorf("%s ended %v: %v\nlogs %s", name, job["state"], job["error"], logsOf(job))
		}
	}
	var doc map[string]any
	if st := e.call("GET", "/data/io.cozy.contacts/"+created.ID, tok, "", &doc); st != http.StatusOK {
		t.Fatalf("get contact: %d", st)
	}
	idx, _ := doc["indexes"].(map[string]any)
	if doc["displayName"] != "Ada Lovelace" || doc["fullname"] != "Ada Lovelace" || idx == nil || !strings.HasPrefix(idx["byFamilyNameGivenNameEmailCozyUrl"].(string), "lovelaceada") {
		t.Errorf("contact after the services: %v", doc)
	}

	// A second contact related to the first: once its own services have
	// run, deleting the first makes cleanRelatedContacts drop the relation.
	var related struct {
		ID string `json:"id"`
	}
	body := `{"name":{"givenName":"Charles","familyName":"Babbage"},"relationships":{"related":{"data":[{"_id":"` + created.ID + `","_type":"io.cozy.contacts","metadata":{"relationTypes":["friend"]}}]}}}`
	if st := e.call("POST", "/data/io.cozy.contacts/", tok, body, &related); st != http.StatusCreated {
		t.Fatalf("create related contact: %d", st)
	}
	webtest.WaitFor(t, 90*time.Second, "the services to index the related contact", func() bool {
		var d map[string]any
		e.call("GET", "/data/io.cozy.contacts/"+related.ID, tok, "", &d)
		return d["displayName"] == "Charles Babbage"
	})
	var rev struct {
		Rev string `json:"_rev"`
	}
	e.call("GET", "/data/io.cozy.contacts/"+created.ID, tok, "", &rev)
	if st := e.call("DELETE", "/data/io.cozy.contacts/"+created.ID+"?rev="+rev.Rev, tok, "", nil); st != http.StatusOK {
		t.Fatalf("delete contact: %d", st)
	}
	job := e.endedJob(tok, trigs["cleanRelatedContacts"].ID)
	t.Logf("cleanRelatedContacts: %s %v\nlogs %s", job["state"], job["error"], logsOf(job))
	if job["state"] != "done" {
		t.Errorf("cleanRelatedContacts ended %v: %v\nlogs %s", job["state"], job["error"], logsOf(job))
	}
	var after struct {
		Relationships struct {
			Related struct {
				Data []map[string]any `json:"data"`
			} `json:"related"`
		} `json:"relationships"`
	}
	if st := e.call("GET", "/data/io.cozy.contacts/"+related.ID, tok, "", &after); st != http.StatusOK {
		t.Fatalf("get related contact: %d", st)
	}
	if n := len(after.Relationships.Related.Data); n != 0 {
		t.Errorf("the related contact still has %d relation(s) to the deleted one: %v", n, after.Relationships.Related.Data)
	}
}

// TestHomeAndDriveServices installs the real Home and Drive apps from
// their fixtures and queues each service of their manifests as the job
// system does: every one loads its Node modules in the sandbox, runs and
// ends done. Drive's manifest names files (services/<name>/drive.js) that
// its build does not have; the built services/<name>.js is run instead.
// Some of these services log failures of their own and still end done:
// Home's myselfFromIdentities and updateAccounts call routes this server
// does not have (POST /contacts/myself, /bitwarden/organizations/cozy).
func TestHomeAndDriveServices(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real Home and Drive services (about a second each)")
	}
	fixtures := webtest.CozyApps(t)
	e := setup(t)
	tok := e.Token(t, "io.cozy.apps io.cozy.jobs")
	for _, slug := range []string{"home", "drive"} {
		dir := filepath.Join(t.TempDir(), slug)
		untar(t, filepath.Join(fixtures, slug+".tar.gz"), dir)
		if st := e.call("POST", "/apps/"+slug+"?Source="+url.QueryEscape("file://"+dir), tok, "", nil); st != http.StatusAccepted {
			t.Fatalf("install %s: %d", slug, st)
		}
		e.Server.Apps.Wait()
		var m struct {
			Services map[string]struct{ File string } `json:"services"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "manifest.webapp"))
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || len(m.Services) == 0 {
			t.Fatalf("%s manifest: %v, %d services", slug, err, len(m.Services))
		}
		names := make([]string, 0, len(m.Services))
		for name := range m.Services {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			file := m.Services[name].File
			if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
				built := "services/" + filepath.Base(filepath.Dir(file)) + ".js"
				t.Logf("%s/%s: the manifest's %s is not in the build, running %s", slug, name, file, built)
				file = built
			}
			body := `{"data":{"attributes":{"arguments":{"slug":"` + slug + `","name":"` + name + `","type":"node","file":"/` + file + `"}}}}`
			var pushed, got struct{ Data resource }
			if st := e.call("POST", "/jobs/queue/service", tok, body, &pushed); st != http.StatusAccepted {
				t.Fatalf("queue %s/%s: %d", slug, name, st)
			}
			webtest.WaitFor(t, 90*time.Second, slug+"/"+name+" to end", func() bool {
				e.call("GET", "/jobs/"+pushed.Data.ID, tok, "", &got)
				s := got.Data.Attributes["state"]
				return s == "done" || s == "errored"
			})
			a := got.Data.Attributes
			t.Logf("%s/%s: %v %v, logs %s", slug, name, a["state"], a["error"], logsOf(a))
			if a["state"] != "done" || strings.Contains(logsOf(a), "Cannot find module") {
				t.Errorf("%s/%s ended %v: %v\nlogs %s", slug, name, a["state"], a["error"], logsOf(a))
			}
		}
	}
}
