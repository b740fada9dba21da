package store_test

import (
	"context"
	"errors"
	"path/filepath"
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
