package apps_test

import (
	"encoding/json"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/store"
)

func appDir(t *testing.T, slug string) string {
	return "file://" + writeDir(t, map[string]string{
		"manifest.webapp": `{"name":"` + slug + `","slug":"` + slug + `","version":"1.0.0","permissions":{}}`,
		"index.html":      "<html></html>",
	})
}

// TestHomeURL: where a logged-in user lands. No app: nothing (the caller
// shows its own page); the home app by default; the setting's app and
// route when it is installed; the home app when the setting's app is not.
func TestHomeURL(t *testing.T) {
	e := newEnv(t)
	home := func() (string, bool) {
		t.Helper()
		u, ok, err := e.mgr.HomeURL(e.ctx, e.inst)
		if err != nil {
			t.Fatal(err)
		}
		return u, ok
	}
	if u, ok := home(); ok {
		t.Fatalf("no app installed, got %s", u)
	}
	e.install(t, "home", appDir(t, "home"))
	if u, ok := home(); !ok || u != e.inst.AppURL("home") {
		t.Fatalf("home: %s %v", u, ok)
	}
	st, err := e.insts.Store(e.inst)
	if err != nil {
		t.Fatal(err)
	}
	setting := func(redir string) {
		t.Helper()
		db := st.DB(apps.SettingsDoctype)
		rev := ""
		if d, err := db.Get(e.ctx, apps.InstanceSettingsID, store.GetOptions{}); err == nil {
			rev = d.Rev
		}
		b, _ := json.Marshal(map[string]string{"default_redirection": redir})
		if _, err := db.Put(e.ctx, store.Doc{ID: apps.InstanceSettingsID, Rev: rev, Body: b}, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setting("drive/#/folder")
	if u, _ := home(); u != e.inst.AppURL("home") {
		t.Fatalf("drive not installed: %s", u)
	}
	e.install(t, "drive", appDir(t, "drive"))
	if u, _ := home(); u != e.inst.AppURL("drive")+"#/folder" {
		t.Fatalf("drive: %s", u)
	}
	for _, bad := range []string{"drive//evil.example/", "drive/http://evil.example/", "../x", "drive"} {
		setting(bad)
		if u, _ := home(); u != e.inst.AppURL("home") && !(bad == "drive" && u == e.inst.AppURL("drive")) {
			t.Errorf("setting %q: %s", bad, u)
		}
	}
}
