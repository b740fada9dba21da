package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/store"
)

func countJobs(t *testing.T, b *Broker, triggerID string) int {
	t.Helper()
	js, err := b.Jobs(context.Background(), func(j *Job) bool { return j.TriggerID == triggerID }, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(js)
}

func addTrigger(t *testing.T, b *Broker, typ, args string) *Trigger {
	t.Helper()
	tr := &Trigger{Type: typ, Arguments: args, Worker: "log", Message: json.RawMessage(`{"k":1}`)}
	if err := b.AddTrigger(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTimeTriggersWithManualClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st := openStore(t, path)
	clock := NewManualClock(t0) // 10:00:00
	b := NewBroker(alice, st, Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock, Log: discard})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	every := addTrigger(t, b, TypeEvery, "30m")
	in := addTrigger(t, b, TypeIn, "10m")
	at := addTrigger(t, b, TypeAt, t0.Add(45*time.Minute).Format(time.RFC3339))
	cron := addTrigger(t, b, TypeCron, "0 0 * * * *") // every hour on the hour

	steps := []struct {
		advance                 time.Duration
		every, in, at, cronJobs int
	}{
		{9 * time.Minute, 0, 0, 0, 0},
		{time.Minute, 0, 1, 0, 0},      // 10:10
		{20 * time.Minute, 1, 1, 0, 0}, // 10:30
		{15 * time.Minute, 1, 1, 1, 0}, // 10:45
		{15 * time.Minute, 2, 1, 1, 1}, // 11:00
		{3 * time.Hour, 8, 1, 1, 4},    // 14:00
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got := [4]int{countJobs(t, b, every.ID), countJobs(t, b, in.ID), countJobs(t, b, at.ID), countJobs(t, b, cron.ID)}
		if want := [4]int{s.every, s.in, s.at, s.cronJobs}; got != want {
			t.Fatalf("step %d (%s): jobs every/in/at/cron = %v, want %v", i, clock.Now().Format("15:04"), got, want)
		}
	}
	// One-time triggers are gone, periodic ones stay.
	ctx := context.Background()
	for _, id := range []string{in.ID, at.ID} {
		if _, err := b.Trigger(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("one-time trigger %s still there: %v", id, err)
		}
	}
	left, _ := b.Triggers(ctx, nil)
	if len(left) != 2 {
		t.Fatalf("%d triggers left", len(left))
	}
	// After a restart the periodic triggers keep their schedule.
	b.Close()
	b2 := startBroker(t, st, Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock})
	clock.Advance(time.Hour) // 15:00
	if e, c := countJobs(t, b2, every.ID), countJobs(t, b2, cron.ID); e != 10 || c != 5 {
		t.Fatalf("after restart: every %d cron %d", e, c)
	}
	// Deleting disarms.
	if err := b2.DeleteTrigger(ctx, every.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if e := countJobs(t, b2, every.ID); e != 10 {
		t.Fatalf("deleted trigger fired: %d", e)
	}
}

func TestPastAtFiresAtStart(t *testing.T) {
	clock := NewManualClock(t0)
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock})
	at := addTrigger(t, b, TypeAt, t0.Add(-time.Hour).Format(time.RFC3339))
	clock.Advance(0)
	if n := countJobs(t, b, at.ID); n != 1 {
		t.Fatalf("%d jobs", n)
	}
}

func TestTriggerValidation(t *testing.T) {
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(nil)}})
	tests := []struct {
		tr   Trigger
		want error
	}{
		{Trigger{Type: TypeEvery, Arguments: "1h", Worker: "nope"}, ErrUnknownWorker},
		{Trigger{Type: "@bogus", Arguments: "", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeAt, Arguments: "tomorrow", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeIn, Arguments: "500ms", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeEvery, Arguments: "often", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeCron, Arguments: "0 * * * *", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeCron, Arguments: "0 0 99 * * *", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeEvent, Arguments: "", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeEvent, Arguments: "io.cozy.files:WRITTEN", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeEvent, Arguments: "io.cozy.files:UPDATED:!=", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeEvent, Arguments: "io.cozy.files", Debounce: "soon", Worker: "log"}, ErrInvalid},
		{Trigger{Type: TypeEvent, Arguments: "io.cozy.files", Message: json.RawMessage(`[`), Worker: "log"}, ErrInvalid},
	}
	for _, tc := range tests {
		tr := tc.tr
		if err := b.AddTrigger(context.Background(), &tr); !errors.Is(err, tc.want) {
			t.Errorf("%s %q: got %v, want %v", tc.tr.Type, tc.tr.Arguments, err, tc.want)
		}
	}
	if ts, _ := b.Triggers(context.Background(), nil); len(ts) != 0 {
		t.Fatalf("invalid triggers stored: %d", len(ts))
	}
}

func TestEventRuleMatch(t *testing.T) {
	doc := func(body string) store.Doc { return store.Doc{ID: "d1", Body: json.RawMessage(body)} }
	old := doc(`{"_id":"d1","category":"food","mime":"image/jpg"}`)
	tests := []struct {
		args string
		ev   store.Event
		want bool
	}{
		{"io.cozy.files", store.Event{Doctype: "io.cozy.files", Verb: store.Created, Doc: doc(`{}`)}, true},
		{"io.cozy.files", store.Event{Doctype: "io.cozy.notes", Verb: store.Created, Doc: doc(`{}`)}, false},
		{"io.cozy.files:CREATED,UPDATED", store.Event{Doctype: "io.cozy.files", Verb: store.Deleted, Doc: doc(`{}`)}, false},
		{"io.cozy.files:CREATED,UPDATED", store.Event{Doctype: "io.cozy.files", Verb: store.Updated, Doc: doc(`{}`)}, true},
		{"io.cozy.files:DELETED:image/jpg:mime", store.Event{Doctype: "io.cozy.files", Verb: store.Deleted, Doc: old}, true},
		{"io.cozy.files:DELETED:image/png:mime", store.Event{Doctype: "io.cozy.files", Verb: store.Deleted, Doc: old}, false},
		{"io.cozy.files::d1", store.Event{Doctype: "io.cozy.files", Verb: store.Updated, Doc: old}, true},
		{"io.cozy.files::d2", store.Event{Doctype: "io.cozy.files", Verb: store.Updated, Doc: old}, false},
		{"io.cozy.ops:UPDATED:!=:category", store.Event{Doctype: "io.cozy.ops", Verb: store.Updated, Doc: doc(`{"category":"rent"}`), OldDoc: &old}, true},
		{"io.cozy.ops:UPDATED:!=:category", store.Event{Doctype: "io.cozy.ops", Verb: store.Updated, Doc: doc(`{"category":"food","x":1}`), OldDoc: &old}, false},
		{"io.cozy.ops:CREATED:!=:a.b", store.Event{Doctype: "io.cozy.ops", Verb: store.Created, Doc: doc(`{"a":{"b":2}}`)}, true},
		{"io.cozy.a io.cozy.ops", store.Event{Doctype: "io.cozy.ops", Verb: store.Created, Doc: doc(`{}`)}, true},
	}
	for _, tc := range tests {
		rules, err := parseEventRules(tc.args)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		got := false
		for _, r := range rules {
			got = got || r.match(tc.ev)
		}
		if got != tc.want {
			t.Errorf("%q on %s %s %s: got %v", tc.args, tc.ev.Doctype, tc.ev.Verb, tc.ev.Doc.Body, got)
		}
	}
}

func putDoc(t *testing.T, st store.Store, doctype, body string) store.Result {
	t.Helper()
	ctx := context.Background()
	db := st.DB(doctype)
	if err := db.Create(ctx); err != nil && !errors.Is(err, store.ErrExists) {
		t.Fatal(err)
	}
	res, err := db.Put(ctx, store.Doc{Body: json.RawMessage(body)}, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEventTrigger(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"log": LogWorker(nil)}})
	tr := addTrigger(t, b, TypeEvent, "io.cozy.notes:CREATED")
	putDoc(t, st, "io.cozy.other", `{"_id":"o1"}`)
	putDoc(t, st, "io.cozy.notes", `{"_id":"n1","title":"hi"}`)
	var js []*Job
	waitFor(t, "event job", func() bool {
		js, _ = b.Jobs(context.Background(), func(j *Job) bool { return j.TriggerID == tr.ID && j.State == Done }, 0)
		return len(js) == 1
	})
	var ev Event
	if err := json.Unmarshal(js[0].Event, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Doctype != "io.cozy.notes" || ev.Verb != "CREATED" || selectValue(ev.Doc, "title") != "hi" || string(js[0].Message) != `{"k":1}` {
		t.Fatalf("event %+v message %s", ev, js[0].Message)
	}
	// Replicated writes (new_edits=false) fire too.
	db := st.DB("io.cozy.notes")
	if _, err := db.Put(context.Background(), store.Doc{Body: json.RawMessage(`{"_id":"n2","_rev":"1-abc","_revisions":{"start":1,"ids":["abc"]}}`)}, store.PutOptions{NoNewEdits: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replicated event job", func() bool { return countJobs(t, b, tr.ID) == 2 })
}

func TestEventDebounce(t *testing.T) {
	clock := NewManualClock(t0)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock})
	tr := &Trigger{Type: TypeEvent, Arguments: "io.cozy.notes", Debounce: "10m", Worker: "log"}
	if err := b.AddTrigger(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		putDoc(t, st, "io.cozy.notes", `{}`)
	}
	waitFor(t, "debounce timer", func() bool { return clock.Pending() == 1 })
	if n := countJobs(t, b, tr.ID); n != 0 {
		t.Fatalf("%d jobs before the debounce delay", n)
	}
	clock.Advance(10 * time.Minute)
	if n := countJobs(t, b, tr.ID); n != 1 {
		t.Fatalf("%d jobs after the debounce delay", n)
	}
}

func TestLaunchAndState(t *testing.T) {
	w := Worker{MaxExecCount: 1, Run: func(_ context.Context, r *Run) error {
		if r.Job.Manual {
			return nil
		}
		return errors.New("scheduled runs fail")
	}}
	clock := NewManualClock(t0)
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": w}, Clock: clock})
	tr := addTrigger(t, b, TypeEvery, "1h")
	ctx := context.Background()
	clock.Advance(time.Hour)
	js, _ := b.Jobs(ctx, func(j *Job) bool { return j.TriggerID == tr.ID }, 0)
	waitState(t, b, js[0].ID, Errored)
	clock.Advance(time.Second)
	j, err := b.Launch(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, b, j.ID, Done)
	s, err := b.State(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != Done || s.LastExecutedJob != j.ID || s.LastManualJob != j.ID || s.LastFailedJob != js[0].ID || s.LastError != "scheduled runs fail" {
		t.Fatalf("state %+v", s)
	}
	args := "2h"
	p, err := b.PatchTrigger(ctx, tr.ID, TriggerPatch{Arguments: &args})
	if err != nil || p.Arguments != "2h" {
		t.Fatalf("patch %+v %v", p, err)
	}
	bad := "x"
	if _, err := b.PatchTrigger(ctx, tr.ID, TriggerPatch{Arguments: &bad}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad patch %v", err)
	}
	if _, err := b.Launch(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("launch missing %v", err)
	}
}

func TestWebhook(t *testing.T) {
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(nil)}})
	ctx := context.Background()
	hook := addTrigger(t, b, TypeWebhook, "")
	every := addTrigger(t, b, TypeEvery, "1h")
	tests := []struct {
		body, payload string
	}{
		{`{"a":1}`, `{"a":1}`},
		{`not json`, `"not json"`},
		{``, ``},
	}
	for _, tc := range tests {
		j, err := b.Webhook(ctx, hook.ID, []byte(tc.body))
		if err != nil || string(j.Payload) != tc.payload || j.TriggerID != hook.ID {
			t.Fatalf("webhook %q: %+v %v", tc.body, j, err)
		}
	}
	if _, err := b.Webhook(ctx, every.ID, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("webhook on @every: %v", err)
	}
	bad := &Trigger{Type: TypeWebhook, Arguments: "x", Worker: "log"}
	if err := b.AddTrigger(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("webhook with arguments: %v", err)
	}
}
