package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

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

// stripType removes a top-level "_type" member from a JSON object (clients
// send back what they read) and checks that the body is one JSON object.
func stripType(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, store.BadRequest("Document must be a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, store.BadRequest("invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, store.BadRequest("invalid JSON: %v", err)
		}
		if key == "_type" {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		out.Write(val)
	}
	if _, err := dec.Token(); err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, store.BadRequest("invalid JSON: trailing data after the document")
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// decodeDoc decodes a document for permission checks.
func decodeDoc(raw []byte) (permission.MapDoc, error) {
	m, err := store.DecodeDoc(raw)
	if err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	return permission.MapDoc(m), nil
}

// parseDoc reads a document sent by a client: the body without "_type",
// and its decoded form for permission checks.
func parseDoc(raw []byte) (json.RawMessage, permission.MapDoc, error) {
	doc, err := stripType(raw)
	if err != nil {
		return nil, nil, err
	}
	m, err := decodeDoc(doc)
	if err != nil {
		return nil, nil, err
	}
	return doc, m, nil
}
