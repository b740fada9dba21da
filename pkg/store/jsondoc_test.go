package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

func TestJSONDocs(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	db := s.DB("io.cozy.tests")
	type note struct {
		Title string `json:"title"`
	}
	var got note
	if _, found, err := store.GetJSON(ctx, db, "n1", &got); found || err != nil {
		t.Fatalf("missing database: found=%v err=%v", found, err)
	}
	rev, err := store.PutJSON(ctx, db, "n1", "", note{"first"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutJSON(ctx, db, "n1", "", note{"again"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("create over an existing doc: %v", err)
	}
	rev2, err := store.PutJSON(ctx, db, "n1", rev, note{"second"})
	if err != nil {
		t.Fatal(err)
	}
	r, found, err := store.GetJSON(ctx, db, "n1", &got)
	if err != nil || !found || r != rev2 || got.Title != "second" {
		t.Fatalf("read back: %q %v %v %+v", r, found, err, got)
	}
	if _, err := store.PutJSON(ctx, db, "n2", "", func() {}); err == nil {
		t.Fatal("unencodable value accepted")
	}
}

func TestEachDoc(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	db := s.DB("io.cozy.tests")
	count := 0
	if err := store.EachDoc(ctx, db, func(string, string, json.RawMessage) error { count++; return nil }); err != nil || count != 0 {
		t.Fatalf("missing database: %d %v", count, err)
	}
	for _, id := range []string{"b", "a", "gone"} {
		if _, err := store.PutJSON(ctx, db, id, "", map[string]string{"k": id}); err != nil {
			t.Fatal(err)
		}
	}
	gone, _, _ := store.GetJSON(ctx, db, "gone", &struct{}{})
	if _, err := db.Delete(ctx, "gone", gone); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["k"]}}`)); err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = store.EachDoc(ctx, db, func(id, rev string, body json.RawMessage) error {
		if rev == "" || len(body) == 0 {
			t.Errorf("%s: rev %q body %s", id, rev, body)
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil || strings.Join(ids, ",") != "a,b" {
		t.Fatalf("walk: %v %v (design and deleted docs must be left out)", ids, err)
	}
	stop := errors.New("stop")
	err = store.EachDoc(ctx, db, func(string, string, json.RawMessage) error { return stop })
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "io.cozy.tests/a") {
		t.Fatalf("error from fn: %v", err)
	}
}
