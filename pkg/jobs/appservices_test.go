package jobs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

// noopService stands for the "service" worker: the broker only needs its name.
func noopService() Worker {
	return Worker{Run: func(context.Context, *Run) error { return nil }}
}

// serviceTriggers returns the manifest triggers of slug, by service name.
func serviceTriggers(t *testing.T, b *Broker, slug string) map[string]*Trigger {
	t.Helper()
	ts, err := b.Triggers(context.Background(), func(tr *Trigger) bool { _, ok := isAppServiceTrigger(tr, slug); return ok })
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Trigger{}
	for _, tr := range ts {
		name, _ := isAppServiceTrigger(tr, slug)
		out[name] = tr
	}
	return out
}

func waitServices(t *testing.T, b *Broker, slug string, names ...string) map[string]*Trigger {
	t.Helper()
	var got map[string]*Trigger
	waitFor(t, "services "+slug+" "+string(must(json.Marshal(names))), func() bool {
		got = serviceTriggers(t, b, slug)
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return slices.Equal(keys, names)
	})
	return got
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestManifestServicesFollowTheApp(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"log": LogWorker(nil), "service": noopService()}})
	ctx := context.Background()

	// Installing: no files yet, no trigger.
	res := putDoc(t, st, AppsDoctype, `{"_id":"io.cozy.apps/notes","slug":"notes","state":"installing",
		"services":{"derive":{"type":"node","file":"/services/derive.js","trigger":"@event io.cozy.notes:CREATED"}}}`)
	// A user trigger of the same worker is never touched.
	user := &Trigger{Type: TypeEvent, Arguments: "io.cozy.notes:DELETED", Worker: "service",
		Message: json.RawMessage(`{"slug":"notes","name":"derive","file":"x.js"}`)}
	if err := b.AddTrigger(ctx, user); err != nil {
		t.Fatal(err)
	}

	body := func(rev, services string) string {
		return `{"_id":"io.cozy.apps/notes","_rev":"` + rev + `","slug":"notes","state":"ready","version_dir":"v1","services":` + services + `}`
	}
	doc := func(rev, services string) string {
		return putDoc(t, st, AppsDoctype, body(rev, services)).Rev
	}
	rev := doc(res.Rev, `{"derive":{"type":"node","file":"/services/derive.js","trigger":"@event io.cozy.notes:CREATED","debounce":"1m"},
		"daily":{"type":"node","file":"/services/daily.js","trigger":"@daily"},
		"manual":{"type":"node","file":"/services/manual.js"}}`)
	got := waitServices(t, b, "notes", "daily", "derive")
	d := got["derive"]
	var msg ServiceMessage
	if err := json.Unmarshal(d.Message, &msg); err != nil {
		t.Fatal(err)
	}
	if d.Type != TypeEvent || d.Arguments != "io.cozy.notes:CREATED" || d.Debounce != "1m" || d.Worker != "service" ||
		msg != (ServiceMessage{Slug: "notes", Name: "derive", Type: "node", File: "/services/derive.js"}) ||
		d.Metadata.CreatedByApp != "notes" || d.Domain != alice.Domain {
		t.Fatalf("derive trigger %+v %s", d, d.Message)
	}
	dailyID := got["daily"].ID

	// Update: derive changes (replaced), daily is the same (kept), a new one appears.
	rev = doc(rev, `{"derive":{"type":"node","file":"/services/derive2.js","trigger":"@event io.cozy.notes:CREATED,UPDATED"},
		"daily":{"type":"node","file":"/services/daily.js","trigger":"@daily"},
		"hook":{"type":"node","file":"/services/hook.js","trigger":"@webhook"}}`)
	waitFor(t, "derive replaced", func() bool {
		got = serviceTriggers(t, b, "notes")
		return got["derive"] != nil && got["derive"].Arguments == "io.cozy.notes:CREATED,UPDATED" && got["hook"] != nil
	})
	if got["daily"].ID != dailyID || len(got) != 3 {
		t.Fatalf("after update %+v", got)
	}

	// A bad trigger in a manifest: the others stay.
	rev = doc(rev, `{"daily":{"type":"node","file":"/services/daily.js","trigger":"@daily"},
		"bad":{"type":"node","file":"/services/bad.js","trigger":"@never"}}`)
	got = waitServices(t, b, "notes", "daily")
	if got["daily"].ID != dailyID {
		t.Fatal("daily was replaced")
	}

	// Uninstall: every manifest trigger goes, the user's stays.
	if _, err := st.DB(AppsDoctype).Delete(ctx, "io.cozy.apps/notes", rev); err != nil {
		t.Fatal(err)
	}
	waitServices(t, b, "notes")
	if _, err := b.Trigger(ctx, user.ID); err != nil {
		t.Fatalf("user trigger: %v", err)
	}
}

func TestManifestServicesReconciledAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st := openStore(t, path)
	cfg := Config{Workers: map[string]Worker{"service": noopService()}}
	b := startBroker(t, st, cfg)
	putDoc(t, st, AppsDoctype, `{"_id":"io.cozy.apps/gone","slug":"gone","state":"ready","version_dir":"v1",
		"services":{"s":{"type":"node","file":"s.js","trigger":"@hourly"}}}`)
	waitServices(t, b, "gone", "s")
	b.Close()
	// While the broker is stopped, "gone" is removed and "new" installed.
	ctx := context.Background()
	cur, err := st.DB(AppsDoctype).Get(ctx, "io.cozy.apps/gone", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB(AppsDoctype).Delete(ctx, "io.cozy.apps/gone", cur.Rev); err != nil {
		t.Fatal(err)
	}
	putDoc(t, st, AppsDoctype, `{"_id":"io.cozy.apps/new","slug":"new","state":"ready","version_dir":"v1",
		"services":{"s":{"type":"node","file":"s.js","trigger":"@every 1h"}}}`)
	b2 := startBroker(t, st, cfg)
	waitServices(t, b2, "new", "s")
	waitServices(t, b2, "gone")
}
