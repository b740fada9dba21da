package bolt

import (
	"context"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestPurgeDocuments(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.p")
	replicate(t, db, `{"_id":"c","_rev":"1-a","v":"a"}`)
	replicate(t, db, `{"_id":"c","_rev":"1-b","v":"b","_attachments":{"f":{"data":"`+b64("purged")+`"}}}`)
	replicate(t, db, `{"_id":"one","_rev":"1-x"}`)
	sub := s.Events().Subscribe(8, nil)
	defer sub.Close()
	out, err := db.Purge(ctx, map[string][]string{"c": {"1-b"}, "one": {"1-x"}, "none": {"1-z"}})
	if err != nil || len(out) != 2 || out["c"][0] != "1-b" || out["one"][0] != "1-x" {
		t.Fatalf("purge: %v %v", out, err)
	}
	doc, err := db.Get(ctx, "c", store.GetOptions{Conflicts: true})
	if err != nil || doc.Rev != "1-a" {
		t.Fatalf("winner after purge: %+v %v", doc, err)
	}
	if _, err := db.Get(ctx, "one", store.GetOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("purged document: %v", err)
	}
	info, _ := db.Info(ctx)
	if info.DocCount != 1 || info.DocDelCount != 0 {
		t.Fatalf("counters: %+v", info)
	}
	if len(blobFiles(t, s)) != 0 {
		t.Fatal("the purged revision's attachment is still stored")
	}
	verbs := map[store.Verb]int{}
	for len(sub.C()) > 0 {
		ev := <-sub.C()
		verbs[ev.Verb]++
	}
	if verbs[store.Updated] != 1 || verbs[store.Deleted] != 1 {
		t.Fatalf("events: %v", verbs)
	}
	if _, err := s.DB("io.cozy.nope").Purge(ctx, map[string][]string{"a": {"1-a"}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("purge of a missing database: %v", err)
	}
}
