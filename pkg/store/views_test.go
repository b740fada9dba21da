package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

// The embedded backend provides Go views, and refuses a view without a
// name or a map function.
func TestBoltProvidesGoViews(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	views, ok := s.DB("io.cozy.test").(store.GoViews)
	if !ok {
		t.Fatal("bolt DB is not a store.GoViews")
	}
	for _, v := range []store.GoView{{Name: "x"}, {Map: func(map[string]any) [][]any { return nil }}} {
		if err := views.RegisterView(context.Background(), v); !errors.Is(err, store.ErrBadRequest) {
			t.Errorf("view %q: %v", v.Name, err)
		}
	}
}
