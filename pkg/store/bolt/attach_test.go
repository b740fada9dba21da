package bolt

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/store"
)

func digestOf(s string) string {
	sum := md5.Sum([]byte(s))
	return "md5-" + base64.StdEncoding.EncodeToString(sum[:])
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// readAtt reads an attachment's content.
func readAtt(t *testing.T, db store.DB, id, rev, name string) (store.Attachment, string) {
	t.Helper()
	att, rd, err := db.OpenAttachment(context.Background(), id, rev, name)
	if err != nil {
		t.Fatalf("open attachment %s/%s: %v", id, name, err)
	}
	defer rd.Close()
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return att, string(b)
}

// blobFiles lists the content files of the store.
func blobFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(s.blobs.dir, func(p string, de fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil && !de.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNoOrphanBlobs checks that every content file is referenced, and
// every reference has its file.
func checkNoOrphanBlobs(t *testing.T, s *Store) {
	t.Helper()
	files := map[string]bool{}
	for _, p := range blobFiles(t, s) {
		rel, _ := filepath.Rel(s.blobs.dir, p)
		if strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
			t.Errorf("temporary file left: %s", p)
			continue
		}
		files[strings.ReplaceAll(rel, string(filepath.Separator), "")] = true
	}
	refs := map[string]bool{}
	s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(blobBucket).ForEach(func(k, _ []byte) error { refs[string(k)] = true; return nil })
	})
	for k := range files {
		if !refs[k] {
			t.Errorf("orphan content %s", k)
		}
	}
	for k := range refs {
		if !files[k] {
			t.Errorf("referenced content %s has no file", k)
		}
	}
}

func TestAttachmentsInlineStubsAndDedup(t *testing.T) {
	s := openTest(t)
	db := s.DB("io.cozy.att")
	ctx := context.Background()
	rev := put(t, db, "a", "", `{"x":1,"_attachments":{"f.txt":{"content_type":"text/plain","data":"`+b64("hello")+`"}}}`)
	doc, err := db.Get(ctx, "a", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_id":"a","_rev":"` + rev + `","x":1,"_attachments":{"f.txt":{"content_type":"text/plain","revpos":1,"digest":"` + digestOf("hello") + `","length":5,"stub":true}}}`
	if string(doc.Body) != want {
		t.Fatalf("got %s\nwant %s", doc.Body, want)
	}
	if att, got := readAtt(t, db, "a", "", "f.txt"); got != "hello" || att.Length != 5 || att.ContentType != "text/plain" {
		t.Fatalf("content %q %+v", got, att)
	}
	// The same content in another document is stored once.
	revB := put(t, db, "b", "", `{"_attachments":{"g":{"data":"`+b64("hello")+`"}}}`)
	if n := len(blobFiles(t, s)); n != 1 || s.AttachmentBytes() != 5 {
		t.Fatalf("%d files, %d bytes", n, s.AttachmentBytes())
	}
	// An update with the stub keeps the attachment, at its revpos.
	rev2 := put(t, db, "a", rev, `{"x":2,"_attachments":{"f.txt":{"stub":true}}}`)
	doc, _ = db.Get(ctx, "a", store.GetOptions{})
	stubs, _ := store.Stubs(doc.Body)
	if stubs["f.txt"].Revpos != 1 || stubs["f.txt"].Digest != digestOf("hello") {
		t.Fatalf("stub after update: %s", doc.Body)
	}
	// An update without _attachments drops it from the new revision; the
	// replaced ones keep it until compaction; b still holds the content.
	put(t, db, "a", rev2, `{"x":3}`)
	if _, _, err := db.OpenAttachment(ctx, "a", "", "f.txt"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("dropped attachment: %v", err)
	}
	if _, got := readAtt(t, db, "a", rev2, "f.txt"); got != "hello" {
		t.Fatalf("replaced revision before compaction: %q", got)
	}
	if _, got := readAtt(t, db, "b", "", "g"); got != "hello" {
		t.Fatal(got)
	}
	// Deleting b, then compacting, frees the content.
	if _, err := db.Delete(ctx, "b", revB); err != nil {
		t.Fatal(err)
	}
	if n := len(blobFiles(t, s)); n != 1 {
		t.Fatalf("freed before compaction: %d files", n)
	}
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.OpenAttachment(ctx, "a", rev2, "f.txt"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replaced revision after compaction: %v", err)
	}
	if n := len(blobFiles(t, s)); n != 0 || s.AttachmentBytes() != 0 {
		t.Fatalf("after the last reference: %d files, %d bytes", n, s.AttachmentBytes())
	}
	checkNoOrphanBlobs(t, s)
}

func TestAttachmentsErrors(t *testing.T) {
	s := openTest(t)
	db := s.DB("io.cozy.att")
	ctx := context.Background()
	for name, body := range map[string]string{
		"missing_stub": `{"_id":"n","_attachments":{"f":{"stub":true}}}`,
		"bad_request":  `{"_id":"n","_attachments":{"f":{"data":"!!notbase64"}}}`,
	} {
		_, err := db.Put(ctx, store.Doc{Body: json.RawMessage(body)}, store.PutOptions{})
		if se := store.AsError(err); se.Code != name {
			t.Errorf("%s: %v", body, err)
		}
	}
	if _, err := db.Put(ctx, store.Doc{Body: json.RawMessage(`{"_id":"n","_attachments":{"_x":{"data":""}}}`)}, store.PutOptions{}); !errors.Is(err, store.ErrBadRequest) {
		t.Errorf("name starting with _: %v", err)
	}
	res, err := db.BulkDocs(ctx, []json.RawMessage{
		json.RawMessage(`{"_id":"ok","_attachments":{"f":{"data":"` + b64("x") + `"}}}`),
		json.RawMessage(`{"_id":"ko","_attachments":{"f":{"stub":true}}}`),
	}, true)
	if err != nil || res[0].Err != nil || store.AsError(res[1].Err).Code != "missing_stub" {
		t.Fatalf("bulk: %v %+v", err, res)
	}
	if _, err := db.DeleteAttachment(ctx, "ok", res[0].Rev, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of a missing attachment: %v", err)
	}
	checkNoOrphanBlobs(t, s)
}

func TestPutDeleteAttachment(t *testing.T) {
	s := openTest(t)
	db := s.DB("io.cozy.att")
	ctx := context.Background()
	res, err := db.PutAttachment(ctx, "new", "", "dir/a.bin", "", strings.NewReader("content A"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutAttachment(ctx, "new", "", "b", "", strings.NewReader("x")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("put without rev on an existing document: %v", err)
	}
	res2, err := db.PutAttachment(ctx, "new", res.Rev, "b", "text/plain", strings.NewReader("content B"))
	if err != nil {
		t.Fatal(err)
	}
	if att, got := readAtt(t, db, "new", "", "dir/a.bin"); got != "content A" || att.Revpos != 1 || att.ContentType != store.DefaultContentType {
		t.Fatalf("%q %+v", got, att)
	}
	if att, got := readAtt(t, db, "new", res2.Rev, "b"); got != "content B" || att.Revpos != 2 {
		t.Fatalf("%q %+v", got, att)
	}
	res3, err := db.DeleteAttachment(ctx, "new", res2.Rev, "dir/a.bin")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := db.Get(ctx, "new", store.GetOptions{})
	if stubs, _ := store.Stubs(doc.Body); len(stubs) != 1 || doc.Rev != res3.Rev {
		t.Fatalf("after delete: %s", doc.Body)
	}
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if len(blobFiles(t, s)) != 1 {
		t.Fatalf("the deleted content is still stored after compaction")
	}
	checkNoOrphanBlobs(t, s)
}

func TestAttachmentsReplicated(t *testing.T) {
	s := openTest(t)
	db := s.DB("io.cozy.att")
	ctx := context.Background()
	replicate(t, db, `{"_id":"r","_rev":"1-a","_attachments":{"f":{"content_type":"image/png","revpos":1,"digest":"`+digestOf("png")+`","data":"`+b64("png")+`"}}}`)
	// The next revision sends a stub, found in its history.
	replicate(t, db, `{"_id":"r","_rev":"2-b","n":2,"_revisions":{"start":2,"ids":["b","a"]},"_attachments":{"f":{"stub":true,"revpos":1,"digest":"`+digestOf("png")+`"}}}`)
	att, got := readAtt(t, db, "r", "2-b", "f")
	if got != "png" || att.Revpos != 1 || att.ContentType != "image/png" {
		t.Fatalf("%q %+v", got, att)
	}
	// A conflicting branch whose stub names nothing it has is refused.
	_, err := db.Put(ctx, store.Doc{Body: json.RawMessage(`{"_id":"r","_rev":"2-c","_revisions":{"start":2,"ids":["c","z"]},"_attachments":{"g":{"stub":true}}}`)}, store.PutOptions{NoNewEdits: true})
	if store.AsError(err).Code != "missing_stub" {
		t.Fatalf("stub without history: %v", err)
	}
	// Destroying the database frees its contents.
	if err := db.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if len(blobFiles(t, s)) != 0 || s.AttachmentBytes() != 0 {
		t.Fatal("contents left after destroy")
	}
}

// Contents not referenced by a committed document (a crash between the
// blob and its commit) and temporary files are swept at open.
func TestBlobsSweptAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.DB("io.cozy.att").PutAttachment(ctx, "kept", "", "f", "", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	orphan := filepath.Join(path+".attachments", "ab", strings.Repeat("c", 30))
	tmp := filepath.Join(path+".attachments", "tmp", "blob-123")
	for _, p := range []string{orphan, tmp} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("orphan"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{orphan, tmp} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s not swept: %v", p, err)
		}
	}
	if _, got := readAtt(t, s.DB("io.cozy.att"), "kept", "", "f"); got != "kept" {
		t.Fatal(got)
	}
	if s.AttachmentBytes() != 4 {
		t.Fatalf("size counted at open: %d", s.AttachmentBytes())
	}
	if dts, _ := s.Doctypes(ctx); len(dts) != 1 {
		t.Fatalf("doctypes: %v", dts)
	}
	checkNoOrphanBlobs(t, s)
}

// Writers sharing contents, deletions and compactions run concurrently:
// every live attachment stays readable, and no content is left over.
func TestAttachmentsConcurrentSharing(t *testing.T) {
	s := openTest(t)
	db := s.DB("io.cozy.att")
	ctx := context.Background()
	contents := []string{"alpha", "beta", "gamma"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				id := fmt.Sprintf("g%d-%d", g, i%5)
				c := contents[(g+i)%len(contents)]
				cur, err := db.Get(ctx, id, store.GetOptions{})
				rev := ""
				if err == nil {
					rev = cur.Rev
				}
				res, err := db.PutAttachment(ctx, id, rev, "f", "", strings.NewReader(c))
				if err != nil {
					errs <- fmt.Errorf("put %s: %w", id, err)
					return
				}
				if i%3 == 2 {
					if _, err := db.Delete(ctx, id, res.Rev); err != nil {
						errs <- fmt.Errorf("delete %s: %w", id, err)
						return
					}
				}
				if i%7 == 0 {
					if err := db.Compact(ctx); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res, err := db.AllDocs(ctx, store.AllDocsOptions{InclusiveEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range res.Rows {
		att, got := readAtt(t, db, row.ID, "", "f")
		if digestOf(got) != att.Digest {
			t.Fatalf("%s: content %q does not match %s", row.ID, got, att.Digest)
		}
	}
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	checkNoOrphanBlobs(t, s)
}
