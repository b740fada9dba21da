package bitwarden_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/bitwarden"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

// TestEnsureSettings: the document is created once, and an existing one
// (the extension installed) is kept.
func TestEnsureSettings(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := bitwarden.EnsureSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	db := st.DB(bitwarden.SettingsDoctype)
	d, err := db.Get(ctx, bitwarden.SettingsID, store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(d.Body, &m)
	if m["extension_installed"] != false {
		t.Fatalf("document %s", d.Body)
	}
	if _, err := db.Put(ctx, store.Doc{ID: bitwarden.SettingsID, Rev: d.Rev, Body: json.RawMessage(`{"extension_installed":true}`)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := bitwarden.EnsureSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	d, _ = db.Get(ctx, bitwarden.SettingsID, store.GetOptions{})
	json.Unmarshal(d.Body, &m)
	if m["extension_installed"] != true {
		t.Fatalf("the existing document was replaced: %s", d.Body)
	}
}
