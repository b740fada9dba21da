package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func benchPut(b *testing.B, parallelism int) {
	db := openTest(b).DB("io.cozy.bench")
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(parallelism) // goroutines per GOMAXPROCS
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("doc-%d", n.Add(1))
			if _, err := db.Put(ctx, store.Doc{ID: id, Body: json.RawMessage(`{"name":"x","size":12}`)}, store.PutOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPutConcurrency1 measures single-writer creates (one fsync each
// batch; bbolt's batch delay dominates).
func BenchmarkPutConcurrency1(b *testing.B) {
	db := openTest(b).DB("io.cozy.bench")
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := db.Put(ctx, store.Doc{ID: fmt.Sprint(i), Body: json.RawMessage(`{"name":"x"}`)}, store.PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutConcurrency16 measures 16 concurrent writers sharing fsyncs.
func BenchmarkPutConcurrency16(b *testing.B) {
	benchPut(b, (16+1)/2)
}

func loadDocs(b *testing.B, db store.DB, n int) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 1000 {
		docs := make([]json.RawMessage, 0, 1000)
		for j := i; j < i+1000 && j < n; j++ {
			docs = append(docs, json.RawMessage(fmt.Sprintf(`{"_id":"doc-%07d","dir":"d%d","name":"n%07d"}`, j, j%100, j)))
		}
		if _, err := db.BulkDocs(ctx, docs, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	db := openTest(b).DB("io.cozy.bench")
	loadDocs(b, db, 10000)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := db.Get(ctx, fmt.Sprintf("doc-%07d", i%10000), store.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFind100k queries one directory (1000 docs, first 100 returned)
// out of 100k documents through an index on [dir, name].
func BenchmarkFind100k(b *testing.B) {
	db := openTest(b).DB("io.cozy.bench")
	ctx := context.Background()
	if _, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["dir","name"]}}`)); err != nil {
		b.Fatal(err)
	}
	loadDocs(b, db, 100000)
	q := mustQuery(b, `{"selector":{"dir":"d42","name":{"$gt":"n0050000"}},"limit":100}`)
	b.ResetTimer()
	for b.Loop() {
		res, err := db.Find(ctx, q)
		if err != nil || len(res.Docs) != 100 {
			b.Fatalf("%d docs, %v", len(res.Docs), err)
		}
	}
}

// BenchmarkChanges100k reads the whole changes feed of 100k documents.
func BenchmarkChanges100k(b *testing.B) {
	db := openTest(b).DB("io.cozy.bench")
	loadDocs(b, db, 100000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		res, err := db.Changes(ctx, store.ChangesOptions{})
		if err != nil || len(res.Results) != 100000 {
			b.Fatalf("%d changes, %v", len(res.Results), err)
		}
	}
}

// BenchmarkCreateIndexOver100k builds a Mango index over 100k documents
// already stored (the index entries are sorted before insertion: bbolt
// inserts unsorted keys in quadratic time within one transaction).
func BenchmarkCreateIndexOver100k(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := openTest(b).DB("io.cozy.bench")
		loadDocs(b, db, 100000)
		b.StartTimer()
		if _, err := db.CreateIndex(ctx, json.RawMessage(fmt.Sprintf(`{"index":{"fields":["name","dir"]},"ddoc":"by-name-%d"}`, i))); err != nil {
			b.Fatal(err)
		}
	}
}
