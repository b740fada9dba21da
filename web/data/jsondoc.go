package data

import (
	"bytes"
	"encoding/json"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
)

// withType adds "_type" to a rendered document, as upstream does on reads.
func withType(doc json.RawMessage, doctype string) json.RawMessage {
	if len(doc) < 2 || doc[0] != '{' {
		return doc
	}
	t, _ := json.Marshal(doctype)
	var b bytes.Buffer
	b.Grow(len(doc) + len(t) + 10)
	b.WriteString(`{"_type":`)
	b.Write(t)
	if len(bytes.TrimSpace(doc[1:])) > 1 {
		b.WriteByte(',')
	}
	b.Write(doc[1:])
	return b.Bytes()
}

// decodeDoc decodes a document for permission checks.
func decodeDoc(raw []byte) (permission.MapDoc, error) {
	m, err := store.DecodeDoc(raw)
	if err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	return permission.MapDoc(m), nil
}

// readDoc parses a document sent by a client, once: its members without
// "_type" (store.ParseClientBody; the store takes them as parsed), and the
// document as permission rules see it, with id.
func readDoc(raw []byte, id string) (store.ParsedBody, *lazyDoc, error) {
	p, err := store.ParseClientBody(raw)
	if err != nil {
		return p, nil, err
	}
	return p, &lazyDoc{id: id, fields: p.Fields}, nil
}

// lazyDoc is a document being written, for permission checks: decoded only
// if a rule's selector reads its fields (a rule on the whole doctype or on
// ids needs none of them).
type lazyDoc struct {
	id     string
	fields []byte
	m      permission.MapDoc
}

// DocID implements permission.Doc.
func (d *lazyDoc) DocID() string { return d.id }

// FieldValues implements permission.Doc.
func (d *lazyDoc) FieldValues(field string) []string {
	if d.m == nil {
		m, err := decodeDoc(store.RenderDoc(d.id, "", d.fields, store.Meta{}))
		if err != nil { // fields are valid JSON (ParseBody compacted them)
			m = permission.MapDoc{"_id": d.id}
		}
		d.m = m
	}
	return d.m.FieldValues(field)
}
