package realtime

import (
	"testing"
)

func TestHubRouting(t *testing.T) {
	tests := []struct {
		name    string
		watch   [][2]string // doctype, id
		unwatch [][2]string
		ev      *Event
		want    bool
	}{
		{"whole doctype", [][2]string{{"io.cozy.notes", ""}}, nil, &Event{Doctype: "io.cozy.notes", ID: "a"}, true},
		{"other doctype", [][2]string{{"io.cozy.notes", ""}}, nil, &Event{Doctype: "io.cozy.files", ID: "a"}, false},
		{"one document", [][2]string{{"io.cozy.notes", "a"}}, nil, &Event{Doctype: "io.cozy.notes", ID: "a"}, true},
		{"another document", [][2]string{{"io.cozy.notes", "a"}}, nil, &Event{Doctype: "io.cozy.notes", ID: "b"}, false},
		{"nothing watched", nil, nil, &Event{Doctype: "io.cozy.notes", ID: "a"}, false},
		{"unwatched doctype", [][2]string{{"io.cozy.notes", ""}}, [][2]string{{"io.cozy.notes", ""}}, &Event{Doctype: "io.cozy.notes", ID: "a"}, false},
		{"unwatched document", [][2]string{{"io.cozy.notes", "a"}}, [][2]string{{"io.cozy.notes", "a"}}, &Event{Doctype: "io.cozy.notes", ID: "a"}, false},
		{"document unwatch keeps doctype", [][2]string{{"io.cozy.notes", ""}}, [][2]string{{"io.cozy.notes", "a"}}, &Event{Doctype: "io.cozy.notes", ID: "a"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub()
			s := h.Subscribe("inst", 4)
			defer s.Close()
			for _, w := range tt.watch {
				s.Watch(w[0], w[1])
			}
			for _, w := range tt.unwatch {
				s.Unwatch(w[0], w[1])
			}
			ev := tt.ev
			h.Publish("inst", ev)
			h.Publish("other-instance", &Event{Doctype: ev.Doctype, ID: ev.ID})
			got := len(s.C()) == 1
			if got != tt.want {
				t.Fatalf("delivered = %v, want %v", got, tt.want)
			}
			if got && <-s.C() != ev {
				t.Fatal("a different event was delivered")
			}
		})
	}
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	h := NewHub()
	slow := h.Subscribe("inst", 2)
	fast := h.Subscribe("inst", 10)
	slow.Watch("io.cozy.notes", "")
	fast.Watch("io.cozy.notes", "")
	for range 3 {
		h.Publish("inst", &Event{Doctype: "io.cozy.notes", ID: "x"})
		<-fast.C()
	}
	if !slow.Dropped() {
		t.Fatal("a subscriber over its buffer was not dropped")
	}
	n := 0
	for range slow.C() { // closed after the buffered events
		n++
	}
	if n != 2 {
		t.Fatalf("the dropped subscriber kept %d events, want 2", n)
	}
	if fast.Dropped() || h.Subscribers("inst") != 1 {
		t.Fatalf("fast dropped=%v, subscribers=%d", fast.Dropped(), h.Subscribers("inst"))
	}
	fast.Close()
	fast.Close()
	if _, ok := <-fast.C(); ok || fast.Dropped() || h.Subscribers("inst") != 0 {
		t.Fatal("Close did not end the subscription cleanly")
	}
}

func BenchmarkPublish100(b *testing.B) {
	h := NewHub()
	subs := make([]*Subscriber, 100)
	for i := range subs {
		subs[i] = h.Subscribe("inst", 1)
		subs[i].Watch("io.cozy.notes", "")
	}
	b.ResetTimer()
	for range b.N {
		h.Publish("inst", &Event{Doctype: "io.cozy.notes", ID: "x"})
		for _, s := range subs {
			<-s.C()
		}
	}
}
