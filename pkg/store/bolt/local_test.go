package bolt

import (
	"context"
	"encoding/json"
	"errors"
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
