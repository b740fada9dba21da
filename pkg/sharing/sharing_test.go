package sharing_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/sharing"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

func TestListAndSharedDocs(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	all := func(*sharing.Sharing) bool { return true }
	if l, err := sharing.List(ctx, st, all); err != nil || len(l) != 0 {
		t.Fatalf("empty store: %v %v", l, err)
	}
	put := func(doctype, id, body string) {
		if _, err := st.DB(doctype).Put(ctx, store.Doc{ID: id, Body: json.RawMessage(body)}, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(sharing.Doctype, "a", `{"rules":[{"doctype":"io.cozy.files"}],"members":[{"name":"Bob","credentials":{"x":1}}],"credentials":[1]}`)
	put(sharing.Doctype, "b", `{"drive":true,"rules":[{"doctype":"io.cozy.contacts"}]}`)
	put(sharing.Doctype, "c", `{"rules":"not a list"}`)
	put(sharing.SharedDoctype, "io.cozy.files/f1", `{"infos":{"a":{}}}`)
	l, err := sharing.List(ctx, st, func(s *sharing.Sharing) bool { return s.HasDoctype("io.cozy.files") })
	if err != nil || len(l) != 1 || l[0].ID != "a" {
		t.Fatalf("files: %v %v", l, err)
	}
	b, _ := json.Marshal(l[0].Attributes)
	if string(b) != `{"members":[{"name":"Bob"}],"rules":[{"doctype":"io.cozy.files"}]}` {
		t.Fatalf("attributes: %s", b)
	}
	docs, err := sharing.SharedDocs(ctx, st, []string{"a", "b"})
	if err != nil || len(docs["a"]) != 1 || docs["a"][0] != (sharing.SharedDoc{Doctype: "io.cozy.files", ID: "f1"}) || len(docs["b"]) != 0 {
		t.Fatalf("shared docs: %v %v", docs, err)
	}
}
