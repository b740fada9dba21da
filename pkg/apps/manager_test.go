package apps_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/store"
)

func (e *env) install(t *testing.T, slug, source string) *apps.App {
	t.Helper()
	op, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: slug, Source: source, PermissionsAcked: true})
	if err != nil {
		t.Fatal(err)
	}
	if op.App.State != apps.Installing {
		t.Fatalf("first state %s", op.App.State)
	}
	a, err := op.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) update(t *testing.T, slug, source string, acked bool) (*apps.App, error) {
	t.Helper()
	op, err := e.mgr.Update(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: slug, Source: source, PermissionsAcked: acked})
	if err != nil {
		return nil, err
	}
	return op.Wait()
}

func TestInstallUpdateUninstall(t *testing.T) {
	e := newEnv(t)
	events := e.subscribe(t)
	v1 := writeDir(t, map[string]string{"manifest.webapp": manifestV("1.0.0", filesPerm), "index.html": "v1"})
	a := e.install(t, "testapp", "file://"+v1)
	if a.State != apps.Ready || a.Version() != "1.0.0" || a.Dir == "" {
		t.Fatalf("installed %+v", a)
	}
	if b, _ := os.ReadFile(filepath.Join(e.mgr.Root(e.inst, a), "index.html")); string(b) != "v1" {
		t.Fatalf("index %q", b)
	}
	p, err := e.perms.ForApp(e.ctx, e.inst, "testapp")
	if err != nil || len(p.Rules) != 1 || p.Rules[0].Type != "io.cozy.files" {
		t.Fatalf("permission %+v %v", p, err)
	}
	if _, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "testapp", Source: "file://" + v1}); !errors.Is(err, apps.ErrExists) {
		t.Fatalf("second install: %v", err)
	}

	// New permissions without acknowledgement: kept as available_version.
	v2 := writeDir(t, map[string]string{"manifest.webapp": manifestV("2.0.0", `{"files":{"type":"io.cozy.files"}}`), "index.html": "v2"})
	a, err = e.update(t, "testapp", "file://"+v2, false)
	if err != nil || a.Version() != "1.0.0" || a.AvailableVersion != "2.0.0" {
		t.Fatalf("unacked update: %+v %v", a, err)
	}
	a, err = e.update(t, "testapp", "file://"+v2, true)
	if err != nil || a.Version() != "2.0.0" || a.State != apps.Ready || a.AvailableVersion != "" || a.PrevVersion != "1.0.0" {
		t.Fatalf("acked update: %+v %v", a, err)
	}
	if b, _ := os.ReadFile(filepath.Join(e.mgr.Root(e.inst, a), "index.html")); string(b) != "v2" {
		t.Fatalf("index after update %q", b)
	}
	if root, err := e.mgr.OpenVersionRoot(e.inst, a, "1.0.0"); err != nil {
		t.Fatalf("previous version: %v", err)
	} else if b, _ := root.ReadFile("index.html"); string(b) != "v1" {
		t.Fatalf("previous index %q", b)
	} else {
		root.Close()
	}
	if _, err := e.mgr.OpenVersionRoot(e.inst, a, "0.1"); !errors.Is(err, apps.ErrVersionNotFound) {
		t.Fatalf("unknown version: %v", err)
	}
	// A failed update leaves v2 serving.
	bad := writeDir(t, map[string]string{"manifest.webapp": `{"name":"x"}`})
	if _, err := e.update(t, "testapp", "file://"+bad, true); err == nil {
		t.Fatal("update with a bad manifest accepted")
	}
	if a, _ = e.mgr.Get(e.ctx, e.inst, apps.Webapp, "testapp"); a.Version() != "2.0.0" || a.State != apps.Ready {
		t.Fatalf("after failed update %+v", a)
	}
	// A third version drops the first one's files.
	v3 := writeDir(t, map[string]string{"manifest.webapp": manifestV("3.0.0", `{"files":{"type":"io.cozy.files"}}`), "index.html": "v3"})
	if a, err = e.update(t, "testapp", "file://"+v3, false); err != nil || a.Version() != "3.0.0" {
		t.Fatalf("same-permission update without ack: %+v %v", a, err)
	}
	entries, _ := os.ReadDir(e.mgr.PackageDir(e.inst, apps.Webapp, "testapp"))
	if len(entries) != 2 {
		t.Fatalf("version directories kept: %v", entries)
	}

	// An OAuth client of the app goes with it.
	cl, err := e.oauth.Register(e.ctx, e.inst, oauth.Metadata{RedirectURIs: []string{"https://x.example/cb"}, ClientName: "c", SoftwareID: "registry://testapp"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.mgr.Uninstall(e.ctx, e.inst, apps.Webapp, "testapp"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mgr.Get(e.ctx, e.inst, apps.Webapp, "testapp"); !errors.Is(err, apps.ErrNotFound) {
		t.Fatalf("after uninstall: %v", err)
	}
	if _, err := e.perms.ForApp(e.ctx, e.inst, "testapp"); !errors.Is(err, permstore.ErrNotFound) {
		t.Fatalf("permission after uninstall: %v", err)
	}
	if _, err := e.oauth.Get(e.ctx, e.inst, cl.ID); err == nil {
		t.Fatal("OAuth client kept")
	}
	if _, err := os.Stat(e.mgr.PackageDir(e.inst, apps.Webapp, "testapp")); !os.IsNotExist(err) {
		t.Fatalf("files kept: %v", err)
	}
	if _, err := e.mgr.Uninstall(e.ctx, e.inst, apps.Webapp, "testapp"); !errors.Is(err, apps.ErrNotFound) {
		t.Fatalf("second uninstall: %v", err)
	}
	// Every state change went through the store's event bus.
	var states []string
	for len(events.C()) > 0 {
		ev := <-events.C()
		states = append(states, string(ev.Verb))
	}
	if len(states) < 8 || states[0] != string(store.Created) || states[len(states)-1] != string(store.Deleted) {
		t.Fatalf("events %v", states)
	}
}

func (e *env) subscribe(t *testing.T) *store.Subscription {
	t.Helper()
	st, err := e.insts.Store(e.inst)
	if err != nil {
		t.Fatal(err)
	}
	sub := st.Events().Subscribe(100, func(ev store.Event) bool { return ev.Doctype == "io.cozy.apps" })
	t.Cleanup(sub.Close)
	return sub
}

func TestInstallRefusalsStoreNothing(t *testing.T) {
	e := newEnv(t)
	srv := map[string][]byte{}
	for name, data := range hostileArchives(t) {
		srv["/"+name] = data
	}
	good := tarball(t, true, entry{name: "manifest.webapp", body: manifestV("1.0.0", "{}")})
	srv["/good.tgz"] = good
	srv["/badmanifest.tgz"] = tarball(t, true, entry{name: "manifest.webapp", body: `{"name":1}`})
	srv["/nomanifest.tgz"] = tarball(t, true, entry{name: "index.html", body: `x`})
	hs := serveFiles(t, srv)
	e.mgr.Fetcher.Trusted = []string{hs.URL}
	cases := map[string]error{
		hs.URL + "/good.tgz#" + sum([]byte("x")): apps.ErrChecksum,
		hs.URL + "/badmanifest.tgz":              &apps.FieldError{},
		hs.URL + "/nomanifest.tgz":               apps.ErrManifest,
		hs.URL + "/missing.tgz":                  apps.ErrSourceNotFound,
		"ftp://x/y":                              apps.ErrBadSource,
	}
	for name := range hostileArchives(t) {
		cases[hs.URL+"/"+name] = apps.ErrUnsafeArchive
	}
	for src, want := range cases {
		_, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "testapp", Source: src, PermissionsAcked: true})
		var fe *apps.FieldError
		if _, isField := want.(*apps.FieldError); isField {
			if !errors.As(err, &fe) {
				t.Errorf("%s: got %v, want a field error", src, err)
			}
		} else if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", src, err, want)
		}
		if _, err := e.mgr.Get(e.ctx, e.inst, apps.Webapp, "testapp"); !errors.Is(err, apps.ErrNotFound) {
			t.Fatalf("%s: a document was stored: %v", src, err)
		}
		if _, err := os.Stat(e.mgr.PackageDir(e.inst, apps.Webapp, "testapp")); !os.IsNotExist(err) {
			t.Fatalf("%s: files were left: %v", src, err)
		}
	}
	if _, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "Bad!", Source: hs.URL + "/good.tgz"}); !errors.Is(err, apps.ErrInvalidSlug) {
		t.Fatalf("bad slug: %v", err)
	}
	// Installed without acknowledged permissions: state installed.
	op, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "testapp", Source: hs.URL + "/good.tgz#" + sum(good)})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := op.Wait(); err != nil || a.State != apps.Installed || a.Checksum != sum(good) {
		t.Fatalf("unacked install %+v %v", a, err)
	}
}

func TestListPaginatesAndKonnectors(t *testing.T) {
	e := newEnv(t)
	dir := writeDir(t, map[string]string{"manifest.webapp": manifestV("1.0.0", "{}")})
	for _, s := range []string{"a", "b", "c"} {
		e.install(t, s, "file://"+dir)
	}
	page, next, err := e.mgr.List(e.ctx, e.inst, apps.Webapp, "", 2)
	if err != nil || len(page) != 2 || next != "io.cozy.apps/c" {
		t.Fatalf("page 1: %d %q %v", len(page), next, err)
	}
	page, next, err = e.mgr.List(e.ctx, e.inst, apps.Webapp, next, 2)
	if err != nil || len(page) != 1 || page[0].Slug != "c" || next != "" {
		t.Fatalf("page 2: %v %q %v", page, next, err)
	}
	konn := writeDir(t, map[string]string{"manifest.konnector": `{"name":"K","version":"1.0.0","type":"konnector","language":"node","permissions":{"b":{"type":"io.cozy.bills"}}}`, "index.js": "x"})
	op, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Konnector, Slug: "bank", Source: "file://" + konn, PermissionsAcked: true})
	if err != nil {
		t.Fatal(err)
	}
	k, err := op.Wait()
	if err != nil || k.Kind() != apps.Konnector || k.State != apps.Ready {
		t.Fatalf("konnector %+v %v", k, err)
	}
	if _, err := e.perms.ForKonnector(e.ctx, e.inst, "bank"); err != nil {
		t.Fatalf("konnector permission: %v", err)
	}
	if _, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Konnector, Slug: "web", Source: "file://" + dir}); !errors.Is(err, apps.ErrManifest) {
		t.Fatalf("a web app installed as konnector: %v", err)
	}
}
