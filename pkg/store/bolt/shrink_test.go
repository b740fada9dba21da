package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/store"
)

// updatedDocs writes n documents then updates each of them times times
// (bulks of 500), so that their replaced revisions wait for compaction.
func updatedDocs(tb testing.TB, db store.DB, n, times int) {
	tb.Helper()
	ctx := context.Background()
	revs := make([]string, n)
	for round := 0; round <= times; round++ {
		for i := 0; i < n; i += 500 {
			docs := make([]json.RawMessage, 0, 500)
			for j := i; j < i+500 && j < n; j++ {
				rev := ""
				if revs[j] != "" {
					rev = `"_rev":"` + revs[j] + `",`
				}
				docs = append(docs, json.RawMessage(fmt.Sprintf(`{"_id":"doc-%06d",%s"n":%d,"round":%d,"label":"label %d, a few words of text"}`, j, rev, j, round, j%100)))
			}
			res, err := db.BulkDocs(ctx, docs, true)
			if err != nil {
				tb.Fatal(err)
			}
			for k, r := range res {
				if r.Err != nil {
					tb.Fatal(r.Err)
				}
				revs[i+k] = r.Rev
			}
		}
	}
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// checkFile runs bbolt's consistency check on the open store.
func checkFile(tb testing.TB, s *Store) {
	tb.Helper()
	if err := s.viewTx(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		tb.Fatalf("store file not consistent: %v", err)
	}
}

// TestMaintainShrinks: a scheduled pass compacts the doctype written
// since its last compaction and rewrites the file smaller; everything
// stays readable (documents, sequences, indexes, _local documents,
// attachments, revision limit) and writable; a second pass has nothing
// to do.
func TestMaintainShrinks(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	other := s.DB("io.cozy.untouched")
	put(t, other, "x", "", `{}`)
	if m, err := s.Maintain(ctx, 0); err != nil || len(m.Compacted) != 1 {
		t.Fatalf("first pass: %+v, %v", m, err)
	}
	db := s.DB("io.cozy.shrink")
	if _, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["n"]}}`)); err != nil {
		t.Fatal(err)
	}
	updatedDocs(t, db, 2000, 10)
	put(t, db, "_local/checkpoint", "", `{"seq":1}`)
	att, err := db.PutAttachment(ctx, "with-att", "", "a.txt", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetRevsLimit(ctx, 50); err != nil {
		t.Fatal(err)
	}
	infoBefore, _ := db.Info(ctx)
	updatedDocs(t, s.DB("io.cozy.more"), 500, 3)

	before := fileSize(t, s.Path())
	m, err := s.Maintain(ctx, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	after := fileSize(t, s.Path())
	t.Logf("%d docs updated 10 times: file %d -> %d bytes (%+v)", 2000, before, after, m)
	if !m.Shrunk || m.SizeBefore != before || m.SizeAfter != after || after > before/2 {
		t.Fatalf("maintain = %+v, file %d -> %d", m, before, after)
	}
	if strings.Join(m.Compacted, ",") != "io.cozy.more,io.cozy.shrink" {
		t.Errorf("compacted %v", m.Compacted)
	}
	checkFile(t, s)
	if info, _ := db.Info(ctx); info != infoBefore {
		t.Errorf("info %+v, was %+v", info, infoBefore)
	}
	ch, err := db.Changes(ctx, store.ChangesOptions{Since: infoBefore.UpdateSeq - 3})
	if err != nil || len(ch.Results) != 3 || ch.LastSeq != infoBefore.UpdateSeq {
		t.Errorf("changes %+v, %v", ch, err)
	}
	doc, err := db.Get(ctx, "doc-001234", store.GetOptions{Revs: true})
	if err != nil || !strings.HasPrefix(doc.Rev, "11-") || !strings.Contains(string(doc.Body), `"round":10`) {
		t.Errorf("doc %s %s, %v", doc.Rev, doc.Body, err)
	}
	q, _ := mango.ParseQuery(json.RawMessage(`{"selector":{"n":{"$gte":1995}}}`))
	if res, err := db.Find(ctx, q); err != nil || len(res.Docs) != 5 {
		t.Errorf("find: %d docs, %v", len(res.Docs), err)
	}
	if l, err := db.GetLocal(ctx, "_local/checkpoint"); err != nil || !strings.Contains(string(l.Body), `"seq":1`) {
		t.Errorf("local %s, %v", l.Body, err)
	}
	_, rd, err := db.OpenAttachment(ctx, "with-att", att.Rev, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rd)
	rd.Close()
	if string(b) != "hello" {
		t.Errorf("attachment %q", b)
	}
	if n, _ := db.RevsLimit(ctx); n != 50 {
		t.Errorf("revs limit %d", n)
	}
	put(t, db, "after", "", `{}`)

	m, err = s.Maintain(ctx, 1<<20)
	if err != nil || len(m.Compacted) != 1 || m.Compacted[0] != "io.cozy.shrink" || m.Shrunk {
		t.Errorf("second pass: %+v, %v", m, err)
	}
}

// TestShrinkConcurrent: writers and streaming readers go on while the
// file is rewritten and swapped several times; every acknowledged write
// is there afterwards and the feeds stay whole.
func TestShrinkConcurrent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openTest(t)
	db := s.DB("io.cozy.race")
	updatedDocs(t, db, 600, 2)
	var mu sync.Mutex
	acked := map[string]string{}
	ackCh := make(chan struct{}, 1024)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("w%d-%d", g, i)
				res, err := db.Put(ctx, store.Doc{ID: id, Body: json.RawMessage(`{}`)}, store.PutOptions{})
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				mu.Lock()
				acked[id] = res.Rev
				mu.Unlock()
				select {
				case ackCh <- struct{}{}:
				default:
				}
			}
		}()
	}
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				seen := map[string]bool{}
				_, err := db.EachChange(ctx, store.ChangesOptions{}, func(ch store.Change) error {
					seen[ch.ID] = true
					return nil
				})
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				if !seen["doc-000599"] {
					errs <- fmt.Errorf("a feed missed doc-000599 (%d ids)", len(seen))
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		for range 100 { // writes go on between shrinks
			<-ackCh
		}
		if shrunk, _, _, err := s.Shrink(ctx, -1); err != nil || !shrunk {
			t.Fatalf("shrink %d: %v, %v", i, shrunk, err)
		}
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkFile(t, s)
	bg := context.Background()
	for id, rev := range acked {
		if doc, err := db.Get(bg, id, store.GetOptions{}); err != nil || doc.Rev != rev {
			t.Fatalf("acknowledged %s %s: %s, %v", id, rev, doc.Rev, err)
		}
	}
	t.Logf("%d writes acknowledged during 5 shrinks", len(acked))
}

// TestShrinkAfterClose: a closed store is not rewritten.
func TestShrinkAfterClose(t *testing.T) {
	s := openTest(t)
	put(t, s.DB("io.cozy.x"), "a", "", `{}`)
	s.Close()
	if _, _, _, err := s.Shrink(context.Background(), -1); err == nil {
		t.Fatal("shrink of a closed store succeeded")
	}
}

// BenchmarkMaintain writes n documents, updates each 10 times, then runs
// one scheduled pass (compaction of the replaced revisions, then the
// file's rewrite), reporting the file's size before and after and the
// time of the pass.
func BenchmarkMaintain(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("docs%dk-updated10", n/1000), func(b *testing.B) {
			s, err := Open(b.TempDir()+"/instance.db", Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			updatedDocs(b, s.DB("io.cozy.bench"), n, 10)
			before := fileSize(b, s.Path())
			b.ResetTimer()
			t0 := time.Now()
			m, err := s.Maintain(context.Background(), 1<<40) // compaction only
			if err != nil || m.Shrunk {
				b.Fatalf("%+v, %v", m, err)
			}
			t1 := time.Now()
			shrunk, _, after, err := s.Shrink(context.Background(), 8<<20)
			if err != nil || !shrunk {
				b.Fatalf("shrink: %v, %v", shrunk, err)
			}
			b.StopTimer()
			b.ReportMetric(float64(t1.Sub(t0).Milliseconds()), "compact-ms")
			b.ReportMetric(float64(time.Since(t1).Milliseconds()), "rewrite-ms")
			b.ReportMetric(float64(before)/(1<<20), "before-MB")
			b.ReportMetric(float64(after)/(1<<20), "after-MB")
		})
	}
}
