package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/store"
)

func TestConcurrentWritersShareCommits(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.notes")
	rev := put(t, db, "shared", "", `{}`)
	sub := s.Events().Subscribe(1000, nil)
	defer sub.Close()
	const writers = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := db.Put(ctx, store.Doc{ID: fmt.Sprintf("g%d-%d", g, i), Body: json.RawMessage(`{}`)}, store.PutOptions{}); err != nil {
					t.Error(err)
				}
			}
			// Everyone races to update the same revision: exactly one wins.
			_, err := db.Put(ctx, store.Doc{ID: "shared", Rev: rev, Body: json.RawMessage(fmt.Sprintf(`{"by":%d}`, g))}, store.PutOptions{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != writers-1 {
		t.Errorf("wins %d conflicts %d", wins, conflicts)
	}
	info, _ := db.Info(ctx)
	if info.DocCount != writers*10+1 || info.UpdateSeq != writers*10+2 {
		t.Errorf("info %+v", info)
	}
	if n := len(sub.C()); n != writers*10+1 {
		t.Errorf("%d events, want %d", n, writers*10+1)
	}
}

func TestGroupFailureIsolated(t *testing.T) {
	s := openTest(t)
	put := func(key string) func(tx *bbolt.Tx) error {
		return func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("_test"))
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte("v"))
		}
	}
	boom := errors.New("boom")
	fail := func(tx *bbolt.Tx) error {
		put("written-by-failing-job")(tx)
		return boom
	}
	group := []commitJob{{put("a"), make(chan error, 1)}, {fail, make(chan error, 1)}, {put("b"), make(chan error, 1)}}
	s.runGroup(group)
	want := []error{nil, boom, nil}
	for i, j := range group {
		if err := <-j.done; !errors.Is(err, want[i]) || (want[i] == nil && err != nil) {
			t.Errorf("job %d: %v", i, err)
		}
	}
	s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("_test"))
		if b.Get([]byte("a")) == nil || b.Get([]byte("b")) == nil || b.Get([]byte("written-by-failing-job")) != nil {
			t.Error("group failure was not isolated")
		}
		return nil
	})
}
