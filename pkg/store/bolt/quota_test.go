package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

// TestAttachmentQuota: with a limit, a content over the room left is
// refused with ErrTooLarge and nothing is stored (no blob, no revision, no
// temporary file), for a PUT of an attachment, a staged content and an
// inline one in a bulk (that document only); the contents stored count.
func TestAttachmentQuota(t *testing.T) {
	s := openTest(t)
	const quota = 100
	s.LimitAttachments(func() int64 { return quota - s.AttachmentBytes() })
	ctx := context.Background()
	db := s.DB("io.cozy.att")
	res, err := db.PutAttachment(ctx, "a", "", "f", "", strings.NewReader(strings.Repeat("a", 80)))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.AttachmentBytes(); got != 80 {
		t.Fatalf("attachment bytes %d, want 80", got)
	}
	if _, err := db.PutAttachment(ctx, "a", res.Rev, "g", "", strings.NewReader(strings.Repeat("b", 21))); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("over the quota: %v", err)
	}
	if _, _, err := db.StageAttachment(ctx, strings.NewReader(strings.Repeat("c", 30))); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("staged over the quota: %v", err)
	}
	doc, err := db.Get(ctx, "a", store.GetOptions{})
	if err != nil || doc.Rev != res.Rev {
		t.Fatalf("the document changed: %v %s", err, doc.Rev)
	}
	results, err := db.BulkDocs(ctx, []json.RawMessage{
		json.RawMessage(`{"_id":"big","_attachments":{"f":{"content_type":"text/plain","data":"` + b64(strings.Repeat("d", 40)) + `"}}}`),
		json.RawMessage(`{"_id":"small","_attachments":{"f":{"content_type":"text/plain","data":"` + b64(strings.Repeat("e", 20)) + `"}}}`),
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(results[0].Err, store.ErrTooLarge) || results[1].Err != nil {
		t.Fatalf("bulk results: %v, %v", results[0].Err, results[1].Err)
	}
	if _, err := db.Get(ctx, "big", store.GetOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused document was stored: %v", err)
	}
	if got := s.AttachmentBytes(); got != 100 {
		t.Fatalf("attachment bytes %d, want 100", got)
	}
	checkNoOrphanBlobs(t, s)
	// A deleted document keeps its contents until compaction (its last
	// revision is kept): then the room is usable again.
	if _, err := db.Delete(ctx, "small", results[1].Rev); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutAttachment(ctx, "c", "", "f", "", strings.NewReader(strings.Repeat("f", 20))); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("before compaction: %v", err)
	}
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutAttachment(ctx, "c", "", "f", "", strings.NewReader(strings.Repeat("f", 20))); err != nil {
		t.Fatalf("after a deletion: %v", err)
	}
	checkNoOrphanBlobs(t, s)
}
