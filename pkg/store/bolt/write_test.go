package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestPutUpdateDeleteConflict(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.notes")
	sub := s.Events().Subscribe(100, nil)
	defer sub.Close()

	r1 := put(t, db, "a/b?c#d%", "", `{"n":12345678901234567890,"t":"x"}`)
	if !strings.HasPrefix(r1, "1-") || len(r1) != 34 {
		t.Fatalf("rev %q", r1)
	}
	doc, err := db.Get(ctx, "a/b?c#d%", store.GetOptions{})
	if err != nil || string(doc.Body) != `{"_id":"a/b?c#d%","_rev":"`+r1+`","n":12345678901234567890,"t":"x"}` {
		t.Fatalf("Get = %s, %v", doc.Body, err)
	}
	tests := []struct {
		name string
		doc  store.Doc
		kind error
	}{
		{"create existing without rev", store.Doc{ID: "a/b?c#d%", Body: json.RawMessage(`{}`)}, store.ErrConflict},
		{"stale rev", store.Doc{ID: "a/b?c#d%", Rev: "1-00", Body: json.RawMessage(`{}`)}, store.ErrConflict},
		{"rev on missing doc", store.Doc{ID: "nope", Rev: r1, Body: json.RawMessage(`{}`)}, store.ErrConflict},
		{"invalid rev", store.Doc{ID: "a/b?c#d%", Rev: "xx", Body: json.RawMessage(`{}`)}, store.ErrBadRequest},
		{"reserved field", store.Doc{ID: "z", Body: json.RawMessage(`{"_foo":1}`)}, store.ErrBadRequest},
		{"malformed", store.Doc{ID: "z", Body: json.RawMessage(`{"a":`)}, store.ErrBadRequest},
		{"not an object", store.Doc{ID: "z", Body: json.RawMessage(`[]`)}, store.ErrBadRequest},
		{"id mismatch", store.Doc{ID: "z", Body: json.RawMessage(`{"_id":"y"}`)}, store.ErrBadRequest},
		{"bad id", store.Doc{ID: "_x", Body: json.RawMessage(`{}`)}, store.ErrBadRequest},
	}
	for _, tt := range tests {
		if _, err := db.Put(ctx, tt.doc, store.PutOptions{}); !errors.Is(err, tt.kind) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.kind)
		}
	}
	if _, err := db.Get(ctx, "z", store.GetOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused write left a document: %v", err)
	}
	r2 := put(t, db, "a/b?c#d%", r1, `{"t":"y"}`)
	if !strings.HasPrefix(r2, "2-") {
		t.Fatalf("rev %q", r2)
	}
	del, err := db.Delete(ctx, "a/b?c#d%", r2)
	if err != nil || !strings.HasPrefix(del.Rev, "3-") {
		t.Fatalf("Delete = %+v, %v", del, err)
	}
	if _, err := db.Get(ctx, "a/b?c#d%", store.GetOptions{}); store.AsError(err).Reason != store.ReasonDeleted {
		t.Errorf("Get deleted: %v", err)
	}
	if _, err := db.Get(ctx, "missing", store.GetOptions{}); store.AsError(err).Reason != store.ReasonMissing {
		t.Errorf("Get missing: %v", err)
	}
	if _, err := db.Delete(ctx, "a/b?c#d%", ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Delete without rev: %v", err)
	}
	// Recreate on top of the deletion.
	r4 := put(t, db, "a/b?c#d%", "", `{"again":true}`)
	if !strings.HasPrefix(r4, "4-") {
		t.Errorf("recreate rev %q", r4)
	}
	info, _ := db.Info(ctx)
	if info.DocCount != 1 || info.DocDelCount != 0 || info.UpdateSeq != 4 {
		t.Errorf("info %+v", info)
	}
	// Events: CREATED, UPDATED, DELETED, CREATED with old docs.
	want := []store.Verb{store.Created, store.Updated, store.Deleted, store.Created}
	for i, v := range want {
		ev := <-sub.C()
		if ev.Verb != v || ev.Seq != uint64(i+1) || ev.Doctype != "io.cozy.notes" {
			t.Errorf("event %d = %s seq %d", i, ev.Verb, ev.Seq)
		}
		if (i == 0) != (ev.OldDoc == nil) {
			t.Errorf("event %d old doc = %v", i, ev.OldDoc)
		}
	}
}

func TestPutGeneratesID(t *testing.T) {
	db := openTest(t).DB("io.cozy.notes")
	res, err := db.Put(context.Background(), store.Doc{Body: json.RawMessage(`{"a":1}`)}, store.PutOptions{})
	if err != nil || len(res.ID) != 32 {
		t.Fatalf("Put = %+v, %v", res, err)
	}
}

func TestBulkDocsPerDocumentResults(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.notes")
	r := put(t, db, "exists", "", `{}`)
	res, err := db.BulkDocs(ctx, []json.RawMessage{
		json.RawMessage(`{"_id":"new","v":1}`),
		json.RawMessage(`{"_id":"exists","v":2}`),
		json.RawMessage(`{"_id":"exists","_rev":"` + r + `","v":3}`),
		json.RawMessage(`{"_id":"bad","_private":1}`),
		json.RawMessage(`not json`),
		json.RawMessage(`{"_id":"_local/x","v":4}`),
		json.RawMessage(`{"_id":"new","v":5}`),
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	wantErr := []error{nil, store.ErrConflict, nil, store.ErrBadRequest, store.ErrBadRequest, nil, store.ErrConflict}
	for i, w := range wantErr {
		if !errors.Is(res[i].Err, w) || (w == nil && res[i].Err != nil) {
			t.Errorf("result %d = %+v, want %v", i, res[i], w)
		}
	}
	if res[3].ID != "bad" || store.AsError(res[3].Err).Code != "doc_validation" {
		t.Errorf("bad doc result %+v", res[3])
	}
	if _, err := db.GetLocal(ctx, "x"); err != nil {
		t.Errorf("local doc from bulk: %v", err)
	}
	info, _ := db.Info(ctx)
	if info.DocCount != 2 || info.UpdateSeq != 3 {
		t.Errorf("info %+v", info)
	}
}

func TestReplicationMergesHistories(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.notes")
	// The quirks doc example: 1-abc, 2-def then a foreign 3-ghi via 2-xyz.
	replicate(t, db, `{"_id":"foo","_rev":"2-def","_revisions":{"start":2,"ids":["def","abc"]},"bar":"tender"}`)
	replicate(t, db, `{"_id":"foo","_rev":"3-ghi","_revisions":{"start":3,"ids":["ghi","xyz","abc"]},"bar":"racuda"}`)
	replicate(t, db, `{"_id":"foo","_rev":"3-ghi","_revisions":{"start":3,"ids":["ghi","xyz","abc"]},"bar":"racuda"}`) // idempotent
	replicate(t, db, `{"_id":"foo","_rev":"2-aaa","_revisions":{"start":2,"ids":["aaa","abc"]},"_deleted":true}`)
	doc, err := db.Get(ctx, "foo", store.GetOptions{Meta: true, Revs: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_id":"foo","_rev":"3-ghi","bar":"racuda","_revisions":{"start":3,"ids":["ghi","xyz","abc"]},` +
		`"_revs_info":[{"rev":"3-ghi","status":"available"},{"rev":"2-xyz","status":"missing"},{"rev":"1-abc","status":"missing"}],` +
		`"_conflicts":["2-def"],"_deleted_conflicts":["2-aaa"]}`
	if string(doc.Body) != want {
		t.Errorf("got  %s\nwant %s", doc.Body, want)
	}
	info, _ := db.Info(ctx)
	if info.UpdateSeq != 3 || info.DocCount != 1 {
		t.Errorf("info %+v (the repeated revision must not bump the sequence)", info)
	}
	// Old conflict body is still readable, the non-leaf one is not.
	if d, err := db.Get(ctx, "foo", store.GetOptions{Rev: "2-def"}); err != nil || !strings.Contains(string(d.Body), "tender") {
		t.Errorf("Get conflict rev = %s %v", d.Body, err)
	}
	if _, err := db.Get(ctx, "foo", store.GetOptions{Rev: "2-xyz"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get non-leaf rev: %v", err)
	}
	if d, err := db.Get(ctx, "foo", store.GetOptions{Rev: "1-abc", Latest: true}); err != nil || d.Rev != "3-ghi" {
		t.Errorf("latest = %v %v", d.Rev, err)
	}
	// Resolve the conflict by updating the losing leaf with new_edits.
	if _, err := db.Delete(ctx, "foo", "2-def"); err != nil {
		t.Fatal(err)
	}
	doc, _ = db.Get(ctx, "foo", store.GetOptions{Conflicts: true})
	if strings.Contains(string(doc.Body), "_conflicts") {
		t.Errorf("conflict not resolved: %s", doc.Body)
	}
	// Bad replication input.
	for _, body := range []string{
		`{"_id":"foo"}`,
		`{"_id":"foo","_rev":"zz"}`,
		`{"_rev":"1-a"}`,
	} {
		if _, err := db.Put(ctx, store.Doc{Body: json.RawMessage(body)}, store.PutOptions{NoNewEdits: true}); !errors.Is(err, store.ErrBadRequest) {
			t.Errorf("replicate %s: %v", body, err)
		}
	}
}

func TestStemmingAtRevsLimit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	ids := make([]string, 1005)
	for i := range ids {
		ids[i] = strings.Repeat("a", 1) + string(rune('a'+i%26)) + strings.Repeat("0", 3) + itoa(len(ids)-i)
	}
	body := map[string]any{"_id": "long", "_rev": "1005-" + ids[0], "_revisions": map[string]any{"start": 1005, "ids": ids}}
	raw, _ := json.Marshal(body)
	replicate(t, db, string(raw))
	doc, err := db.Get(ctx, "long", store.GetOptions{Revs: true})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Revisions struct {
			Start int      `json:"start"`
			IDs   []string `json:"ids"`
		} `json:"_revisions"`
	}
	json.Unmarshal(doc.Body, &got)
	if got.Revisions.Start != 1005 || len(got.Revisions.IDs) != 1000 {
		t.Errorf("kept %d revisions from %d", len(got.Revisions.IDs), got.Revisions.Start)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestEventsFromBulkAndReplication(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.notes")
	sub := s.Events().Subscribe(10, func(e store.Event) bool { return e.Doctype == "io.cozy.notes" })
	defer sub.Close()
	db.BulkDocs(ctx, []json.RawMessage{json.RawMessage(`{"_id":"a"}`), json.RawMessage(`{"_id":"b","_x":1}`)}, true)
	replicate(t, db, `{"_id":"a","_rev":"5-f","_revisions":{"start":5,"ids":["f"]},"_deleted":true}`)
	replicate(t, db, `{"_id":"r","_rev":"1-f"}`)
	replicate(t, db, `{"_id":"r","_rev":"1-f"}`) // known: no event
	want := []struct {
		id   string
		verb store.Verb
	}{{"a", store.Created}, {"a", store.Updated}, {"r", store.Created}}
	for _, w := range want {
		ev := <-sub.C()
		if ev.Doc.ID != w.id || ev.Verb != w.verb {
			t.Errorf("event %s %s, want %s %s", ev.Doc.ID, ev.Verb, w.id, w.verb)
		}
	}
	if n := len(sub.C()); n != 0 {
		t.Errorf("%d extra events", n)
	}
}

// TestBulkDocsChunks: a bulk of more than BulkChunk documents is written in
// several transactions with the same per-document results as one: in
// order, a document repeated in a later chunk seeing the earlier write.
func TestBulkDocsChunks(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	n := 2*BulkChunk + 1
	docs := make([]json.RawMessage, n)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"d%04d"}`, i))
	}
	docs[n-1] = json.RawMessage(`{"_id":"d0000"}`) // conflicts with the first
	res, err := db.BulkDocs(ctx, docs, true)
	if err != nil || len(res) != n {
		t.Fatalf("%d results, %v", len(res), err)
	}
	for i, r := range res[:n-1] {
		if r.Err != nil || r.ID != fmt.Sprintf("d%04d", i) {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
	if !errors.Is(res[n-1].Err, store.ErrConflict) {
		t.Fatalf("repeated id: %+v", res[n-1])
	}
	info, _ := db.Info(ctx)
	if info.DocCount != int64(n-1) || info.UpdateSeq != uint64(n-1) {
		t.Errorf("info %+v", info)
	}
}

// TestBulkDocsEmptyCreates: an empty bulk still creates the database, as
// every write does here (chunking must not skip it).
func TestBulkDocsEmptyCreates(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	if res, err := db.BulkDocs(ctx, nil, true); err != nil || len(res) != 0 {
		t.Fatalf("BulkDocs = %v, %v", res, err)
	}
	if _, err := db.Info(ctx); err != nil {
		t.Fatalf("Info: %v", err)
	}
}
