package realtime

import (
	"encoding/json"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestMessage(t *testing.T) {
	old := store.Doc{ID: "a", Rev: "1-x", Body: json.RawMessage(`{"_id":"a","_rev":"1-x","n":1}`)}
	tests := []struct {
		name string
		ev   *Event
		want string
	}{
		{"created", FromStore(store.Event{Doctype: "io.cozy.notes", Verb: store.Created,
			Doc: store.Doc{ID: "a", Rev: "1-x", Body: json.RawMessage(`{"_id":"a","_rev":"1-x","n":1}`)}}),
			`{"event":"CREATED","payload":{"type":"io.cozy.notes","id":"a","rev":"1-x","doc":{"_id":"a","_rev":"1-x","n":1}}}`},
		{"updated with old", FromStore(store.Event{Doctype: "io.cozy.notes", Verb: store.Updated, OldDoc: &old,
			Doc: store.Doc{ID: "a", Rev: "2-y", Body: json.RawMessage(`{"_id":"a","_rev":"2-y","n":2}`)}}),
			`{"event":"UPDATED","payload":{"type":"io.cozy.notes","id":"a","rev":"2-y","doc":{"_id":"a","_rev":"2-y","n":2},"old":{"_id":"a","_rev":"1-x","n":1}}}`},
		{"notified", &Event{Verb: Notified, Doctype: "io.cozy.jobs", ID: "j", Doc: json.RawMessage(`{"total":42}`)},
			`{"event":"NOTIFIED","payload":{"type":"io.cozy.jobs","id":"j","doc":{"total":42}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ev.Message()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			again, _ := tt.ev.Message()
			if &again[0] != &got[0] {
				t.Fatal("the message was encoded twice")
			}
		})
	}
}

func TestMessageBadDoc(t *testing.T) {
	ev := &Event{Verb: Notified, Doctype: "t", ID: "i", Doc: json.RawMessage(`{not json`)}
	if _, err := ev.Message(); err == nil {
		t.Fatal("an invalid document was encoded")
	}
}
