package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "instance.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t testing.TB, db store.DB, id, rev, body string) string {
	t.Helper()
	res, err := db.Put(context.Background(), store.Doc{ID: id, Rev: rev, Body: json.RawMessage(body)}, store.PutOptions{})
	if err != nil {
		t.Fatalf("put %s: %v", id, err)
	}
	return res.Rev
}

func replicate(t testing.TB, db store.DB, body string) {
	t.Helper()
	if _, err := db.Put(context.Background(), store.Doc{Body: json.RawMessage(body)}, store.PutOptions{NoNewEdits: true}); err != nil {
		t.Fatalf("replicate %s: %v", body, err)
	}
}

func TestOpenDoctypesCreateDestroy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "x.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB("io.cozy.notes")
	if _, err := db.Info(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Info of missing db: %v", err)
	}
	if err := db.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx); !errors.Is(err, store.ErrExists) {
		t.Errorf("second Create: %v", err)
	}
	put(t, s.DB("io.cozy.files"), "a", "", `{}`)
	got, err := s.Doctypes(ctx)
	if err != nil || len(got) != 2 || got[0] != "io.cozy.files" || got[1] != "io.cozy.notes" {
		t.Errorf("Doctypes = %v, %v", got, err)
	}
	if err := db.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Destroy(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Destroy: %v", err)
	}
	if _, err := s.DB("bad/doctype").Info(ctx); !errors.Is(err, store.ErrBadRequest) {
		t.Errorf("bad doctype: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen: data is there.
	s2, err := Open(filepath.Join(dir, "x.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	info, err := s2.DB("io.cozy.files").Info(ctx)
	if err != nil || info.DocCount != 1 || info.UpdateSeq != 1 {
		t.Errorf("after reopen: %+v %v", info, err)
	}
}
