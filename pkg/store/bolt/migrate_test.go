package bolt

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

// A format 1 store kept attachment data inline in the bodies (and stubs
// as sent, without content): Open moves the data to files and keeps
// only the stubs it has a content for.
func TestMigrateInlineAttachments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB("io.cozy.old")
	rev := put(t, db, "d", "", `{"x":1}`)
	r, _ := revtree.ParseRev(rev)
	legacy := `{"x":1,"_attachments":{"a.txt":{"content_type":"text/plain","data":"` + b64("legacy") + `"},"ghost":{"stub":true,"digest":"` + digestOf("nothing") + `"}}}`
	err = s.db.Update(func(tx *bbolt.Tx) error {
		docs := tx.Bucket([]byte("io.cozy.old")).Bucket(bDocs)
		rec, err := decodeRecord(docs.Get([]byte("d")))
		if err != nil {
			return err
		}
		rec.bodies[r] = []byte(legacy)
		enc, err := rec.encode()
		if err != nil {
			return err
		}
		if err := docs.Put([]byte("d"), enc); err != nil {
			return err
		}
		return tx.Bucket([]byte(metaBucket)).Put([]byte(formatKey), u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db = s.DB("io.cozy.old")
	doc, err := db.Get(context.Background(), "d", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_id":"d","_rev":"` + rev + `","x":1,"_attachments":{"a.txt":{"content_type":"text/plain","revpos":1,"digest":"` + digestOf("legacy") + `","length":6,"stub":true}}}`
	if string(doc.Body) != want {
		t.Fatalf("got %s\nwant %s", doc.Body, want)
	}
	if _, got := readAtt(t, db, "d", "", "a.txt"); got != "legacy" {
		t.Fatal(got)
	}
	checkNoOrphanBlobs(t, s)
	var format uint64
	s.db.View(func(tx *bbolt.Tx) error {
		format = getU64(tx.Bucket([]byte(metaBucket)), formatKey)
		return nil
	})
	if format != formatVersion {
		t.Fatalf("format %d after migration", format)
	}
	// An edit keeping the stub works on the migrated document.
	put(t, db, "d", rev, `{"x":2,"_attachments":{"a.txt":{"stub":true}}}`)
	var m map[string]any
	doc, _ = db.Get(context.Background(), "d", store.GetOptions{})
	json.Unmarshal(doc.Body, &m)
	if m["x"] != 2.0 || m["_attachments"] == nil {
		t.Fatalf("edit after migration: %s", doc.Body)
	}
}
