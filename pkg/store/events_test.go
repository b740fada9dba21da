package store

import "testing"

func TestBusDeliversAndDropsSlowSubscribers(t *testing.T) {
	var b Bus
	fast := b.Subscribe(10, nil)
	slow := b.Subscribe(1, nil)
	onlyFiles := b.Subscribe(10, func(e Event) bool { return e.Doctype == "io.cozy.files" })
	for i := 1; i <= 3; i++ {
		b.Publish(Event{Doctype: "io.cozy.notes", Verb: Created, Seq: uint64(i)})
	}
	b.Publish(Event{Doctype: "io.cozy.files", Verb: Deleted, Seq: 4})
	for i := 1; i <= 4; i++ {
		if ev := <-fast.C(); ev.Seq != uint64(i) {
			t.Fatalf("fast got seq %d, want %d", ev.Seq, i)
		}
	}
	if !slow.Dropped() {
		t.Error("slow subscriber was not dropped")
	}
	n := 0
	for range slow.C() { // closed after its one buffered event
		n++
	}
	if n != 1 {
		t.Errorf("slow subscriber got %d events, want 1", n)
	}
	if ev := <-onlyFiles.C(); ev.Seq != 4 || ev.Verb != Deleted {
		t.Errorf("filtered subscriber got %+v", ev)
	}
	fast.Close()
	fast.Close()
	onlyFiles.Close()
	if _, ok := <-fast.C(); ok {
		t.Error("closed subscription still open")
	}
	if fast.Dropped() || b.Len() != 0 {
		t.Errorf("after close: dropped=%v len=%d", fast.Dropped(), b.Len())
	}
	b.Publish(Event{Seq: 5}) // no subscribers: no-op
}

func TestVerbFor(t *testing.T) {
	live := &Doc{ID: "a"}
	dead := &Doc{ID: "a", Deleted: true}
	tests := []struct {
		old     *Doc
		deleted bool
		want    Verb
	}{
		{nil, false, Created},
		{dead, false, Created},
		{live, false, Updated},
		{live, true, Deleted},
		{dead, true, Deleted},
	}
	for _, tt := range tests {
		if got := VerbFor(tt.old, tt.deleted); got != tt.want {
			t.Errorf("VerbFor(%v, %v) = %s, want %s", tt.old, tt.deleted, got, tt.want)
		}
	}
}
