package realtime

import (
	"encoding/json"
	"sync"

	"github.com/cozypi/cozy/pkg/store"
)

// Verbs of the events, as upstream's websocket protocol names them.
const (
	Created  = "CREATED"
	Updated  = "UPDATED"
	Deleted  = "DELETED"
	Notified = "NOTIFIED"
)

// Event is one document event. It is shared by every subscriber that
// receives it and must not be modified once published.
type Event struct {
	Verb    string
	Doctype string
	ID      string
	Rev     string          // empty for NOTIFIED
	Doc     json.RawMessage // the document (a JSON object)
	Old     json.RawMessage // the previous winner on UPDATED and DELETED, else nil

	once sync.Once
	msg  []byte
	err  error
}

// payload is the "payload" member of an event message.
type payload struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Rev  string          `json:"rev,omitempty"`
	Doc  json.RawMessage `json:"doc,omitempty"`
	Old  json.RawMessage `json:"old,omitempty"`
}

// Message returns the websocket message of the event:
// {"event": verb, "payload": {"type", "id", "rev", "doc", "old"}}. It is
// encoded on first use and cached.
func (e *Event) Message() ([]byte, error) {
	e.once.Do(func() {
		e.msg, e.err = json.Marshal(struct {
			Event   string  `json:"event"`
			Payload payload `json:"payload"`
		}{e.Verb, payload{Type: e.Doctype, ID: e.ID, Rev: e.Rev, Doc: e.Doc, Old: e.Old}})
	})
	return e.msg, e.err
}

// FromStore converts a committed-write event of the store.
func FromStore(ev store.Event) *Event {
	e := &Event{Verb: string(ev.Verb), Doctype: ev.Doctype, ID: ev.Doc.ID, Rev: ev.Doc.Rev, Doc: ev.Doc.Body}
	if ev.OldDoc != nil && ev.Verb != store.Created {
		e.Old = ev.OldDoc.Body
	}
	return e
}
