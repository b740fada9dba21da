package stack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/pkg/store"
)

// recordHandler hands the log records with a given message to a channel.
type recordHandler struct {
	msg string
	ch  chan slog.Record
}

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.ch <- r:
		default:
		}
	}
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

// TestScheduledCompaction: with an interval set, the stack compacts a
// written doctype by itself (a replaced revision's body is gone) and
// gives the freed space back (the file shrinks); Close stops it.
func TestScheduledCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := open(t, dir)
	inst, err := m.Create(ctx, instance.Options{Domain: "a.example"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	db := st.DB("io.cozy.notes")
	var first string
	for round := 0; round < 10; round++ {
		docs := make([]json.RawMessage, 300)
		for i := range docs {
			docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"n%03d","round":%d,"text":"some words to take space, again and again"}`, i, round))
			if round > 0 {
				d, err := db.Get(ctx, fmt.Sprintf("n%03d", i), store.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"n%03d","_rev":%q,"round":%d,"text":"some words to take space, again and again"}`, i, d.Rev, round))
			}
		}
		res, err := db.BulkDocs(ctx, docs, true)
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			first = res[0].Rev
		}
	}
	if _, err := db.Get(ctx, "n000", store.GetOptions{Rev: first}); err != nil {
		t.Fatalf("a replaced revision is readable before compaction: %v", err)
	}

	logs := make(chan slog.Record, 1)
	s, err := stack.New(&config.Config{FsURL: dir, Compaction: config.Compaction{Interval: 10 * time.Millisecond, MinFree: 0}}, m,
		slog.New(recordHandler{msg: "compaction", ch: logs}))
	if err != nil {
		t.Fatal(err)
	}
	var rec slog.Record
	select {
	case rec = <-logs:
	case <-time.After(30 * time.Second):
		t.Fatal("no compaction in 30 s")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	attrs := map[string]any{}
	rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.Any(); return true })
	t.Logf("compaction: %v", attrs)
	if attrs["shrunk"] != true || attrs["size_after"].(int64) >= attrs["size_before"].(int64) {
		t.Errorf("the file was not shrunk: %v", attrs)
	}
	if _, err := db.Get(ctx, "n000", store.GetOptions{Rev: first}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the replaced revision is still readable: %v", err)
	}
	if d, err := db.Get(ctx, "n299", store.GetOptions{}); err != nil || d.Rev[:3] != "10-" {
		t.Errorf("n299: %s, %v", d.Rev, err)
	}
}
