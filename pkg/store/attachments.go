package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attachment is the stub of one attachment of a document revision, as
// CouchDB renders it in "_attachments" ({"content_type", "revpos",
// "digest", "length", "stub": true}). Digest is "md5-" and the standard
// base64 of the content's MD5, as CouchDB and PouchDB compute it.
type Attachment struct {
	Name        string `json:"-"`
	ContentType string `json:"content_type"`
	Revpos      int    `json:"revpos"`
	Digest      string `json:"digest"`
	Length      int64  `json:"length"`
	Stub        bool   `json:"stub"`
}

// DefaultContentType is the type of an attachment sent without one.
const DefaultContentType = "application/octet-stream"

// MissingStub is CouchDB's error (412) for an attachment stub that names no
// attachment of the revision the write is based on.
func MissingStub(name string) *Error {
	// ErrExists is the store's 412 (Precondition Failed) sentinel.
	return &Error{Kind: ErrExists, Code: "missing_stub", Reason: "Invalid attachment stub in " + name}
}

// MissingAttachment is the error of a read or delete of an attachment the
// revision does not have.
func MissingAttachment() *Error {
	return NotFound("Document is missing attachment")
}

// CheckAttachmentName validates an attachment name as CouchDB does: valid
// UTF-8, not empty, no control character, not starting with "_".
func CheckAttachmentName(name string) error {
	switch {
	case name == "" || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return BadRequest("Attachment name must be a non-empty valid UTF-8 string without control characters")
	case strings.HasPrefix(name, "_"):
		return BadRequest("Attachment name can't start with '_'")
	case len(name) > MaxAttachmentNameLen:
		return BadRequest("Attachment name is longer than %d bytes", MaxAttachmentNameLen)
	}
	return nil
}

// Stubs returns the attachments of a rendered document or of stored
// fields, by name: the stub members of each "_attachments" entry (entries
// holding inline data keep their "data" out of the result). A body without
// "_attachments" has none (nil map, no error).
func Stubs(body []byte) (map[string]Attachment, error) {
	raw := Member(body, "_attachments")
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]Attachment
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, BadRequest("_attachments: %v", err)
	}
	for k, a := range m {
		a.Name = k
		m[k] = a
	}
	return m, nil
}

// RenderStubs renders attachments as the "_attachments" member value, in
// name order (rendering is canonical: equal sets give equal bytes, which
// the revision hash depends on).
func RenderStubs(atts map[string]Attachment) json.RawMessage {
	names := make([]string, 0, len(atts))
	for n := range atts {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, n)
		b.WriteByte(':')
		a := atts[n]
		a.Stub = true
		writeJSON(&b, a)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// Member returns the raw value of the top-level member key of a JSON
// object, nil when it is absent or obj is not an object. The scan is
// cheap when the key's text does not occur at all.
func Member(obj []byte, key string) json.RawMessage {
	kb, _ := json.Marshal(key)
	if !bytes.Contains(obj, kb) {
		return nil
	}
	var out json.RawMessage
	_ = eachMember(obj, func(k string, v json.RawMessage) error {
		if k == key {
			out = v
			return errStop
		}
		return nil
	})
	return out
}

// SetMember returns the JSON object obj with the top-level member key
// removed and, when val is not nil, appended last with value val.
func SetMember(obj []byte, key string, val json.RawMessage) (json.RawMessage, error) {
	var b bytes.Buffer
	b.Grow(len(obj) + len(val) + len(key) + 4)
	b.WriteByte('{')
	first := true
	add := func(k string, v []byte) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSON(&b, k)
		b.WriteByte(':')
		b.Write(v)
	}
	err := eachMember(obj, func(k string, v json.RawMessage) error {
		if k != key {
			add(k, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if val != nil {
		add(key, val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var errStop = errors.New("stop")

// eachMember calls fn with each top-level member of a JSON object, in
// order, until fn returns an error (errStop ends the walk without one).
func eachMember(obj []byte, fn func(k string, v json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return BadRequest("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return BadRequest("Document must be a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return BadRequest("invalid JSON: %v", err)
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return BadRequest("invalid JSON: %v", err)
		}
		if err := fn(k, v); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return BadRequest("invalid JSON: %v", err)
	}
	return nil
}
