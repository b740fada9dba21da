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

func TestLocalDocs(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.notes")
	sub := s.Events().Subscribe(10, nil)
	defer sub.Close()
	r1, err := db.PutLocal(ctx, "_local/cp", json.RawMessage(`{"session":1}`))
	if err != nil || r1.Rev != "0-1" || r1.ID != "_local/cp" {
		t.Fatalf("PutLocal = %+v, %v", r1, err)
	}
	if _, err := db.PutLocal(ctx, "cp", json.RawMessage(`{"session":2}`)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("no rev: %v", err)
	}
	if _, err := db.PutLocal(ctx, "cp", json.RawMessage(`{"_rev":"0-7"}`)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale rev: %v", err)
	}
	r2, err := db.PutLocal(ctx, "cp", json.RawMessage(`{"_rev":"0-1","session":2}`))
	if err != nil || r2.Rev != "0-2" {
		t.Fatalf("update = %+v, %v", r2, err)
	}
	doc, err := db.Get(ctx, "_local/cp", store.GetOptions{})
	if err != nil || string(doc.Body) != `{"_id":"_local/cp","_rev":"0-2","session":2}` {
		t.Errorf("Get = %s %v", doc.Body, err)
	}
	all, _ := db.AllDocs(ctx, store.AllDocsOptions{})
	ch, _ := db.Changes(ctx, store.ChangesOptions{})
	info, _ := db.Info(ctx)
	if len(all.Rows) != 0 || len(ch.Results) != 0 || info.UpdateSeq != 0 || info.DocCount != 0 {
		t.Errorf("local doc leaked: %d rows, %d changes, %+v", len(all.Rows), len(ch.Results), info)
	}
	if _, err := db.DeleteLocal(ctx, "cp", "0-1"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("delete stale: %v", err)
	}
	if _, err := db.DeleteLocal(ctx, "cp", "0-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetLocal(ctx, "cp"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	select {
	case ev := <-sub.C():
		t.Errorf("local write published %+v", ev)
	default:
	}
}

// TestLocalBounds: a _local document holds at most MaxLocalSize bytes and
// a doctype at most MaxLocalDocs of them, whichever way they are written.
func TestLocalBounds(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	big := json.RawMessage(`{"p":"` + strings.Repeat("a", store.MaxLocalSize) + `"}`)
	if _, err := db.PutLocal(ctx, "big", big); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("big PutLocal: %v", err)
	}
	docs := make([]json.RawMessage, store.MaxLocalDocs+1)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"_local/cp%d"}`, i))
	}
	res, err := db.BulkDocs(ctx, docs, true)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res[:store.MaxLocalDocs] {
		if r.Err != nil {
			t.Fatalf("local %d: %v", i, r.Err)
		}
	}
	if err := res[store.MaxLocalDocs].Err; !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("local %d: %v", store.MaxLocalDocs, err)
	}
	if _, err := db.PutLocal(ctx, "one-more", json.RawMessage(`{}`)); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("one more: %v", err)
	}
	if r, err := db.PutLocal(ctx, "cp0", json.RawMessage(`{"_rev":"0-1","n":1}`)); err != nil || r.Rev != "0-2" {
		t.Fatalf("update at the bound: %+v %v", r, err)
	}
	if _, err := db.DeleteLocal(ctx, "cp0", "0-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutLocal(ctx, "one-more", json.RawMessage(`{}`)); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
}
