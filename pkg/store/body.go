package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cozypi/cozy/pkg/revtree"
)

// MaxIDLen is the longest document id accepted, in bytes.
const MaxIDLen = 1024

// Special id prefixes.
const (
	DesignPrefix = "_design/"
	LocalPrefix  = "_local/"
)

// ParsedBody is a document body split into CouchDB's special members and the
// user fields.
type ParsedBody struct {
	ID        string        // "_id", "" when absent
	Rev       string        // "_rev", "" when absent
	Deleted   bool          // "_deleted"
	Revisions *revtree.Path // "_revisions", nil when absent or invalid
	// RevisionsErr is set when "_revisions" is malformed: an error for a
	// document, ignored for a _local one (whose id the body may not hold).
	RevisionsErr error
	Fields       json.RawMessage // compact JSON object of the other members (with _attachments), never nil
}

// keptSpecial reports whether a top-level member starting with "_" is kept
// among the fields: _attachments, and CouchDB's _replication_* members
// (the state the replicator writes in its documents).
func keptSpecial(key string) bool {
	return key == "_attachments" || strings.HasPrefix(key, "_replication_")
}

// ignoredSpecial are special members CouchDB accepts on input and drops.
var ignoredSpecial = map[string]bool{
	"_conflicts": true, "_deleted_conflicts": true, "_revs_info": true, "_local_seq": true,
}

// ParseBody parses a JSON document. It returns a doc_validation or bad_request
// *Error for malformed JSON, a body that is not an object, a malformed special
// member or an unknown top-level member starting with "_".
func ParseBody(raw []byte) (ParsedBody, error) {
	var p ParsedBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return p, BadRequest("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p, &Error{Kind: ErrBadRequest, Code: "bad_request", Reason: "Document must be a JSON object"}
	}
	var out bytes.Buffer
	out.WriteByte('{')
	seen := map[string]bool{}
	first := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, BadRequest("invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return p, BadRequest("invalid JSON: %v", err)
		}
		if seen[key] {
			return p, BadRequest("invalid JSON: duplicate member %q", key)
		}
		seen[key] = true
		if strings.HasPrefix(key, "_") && !keptSpecial(key) {
			if err := p.special(key, val); err != nil {
				return p, err
			}
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		out.Write(kb)
		out.WriteByte(':')
		if err := json.Compact(&out, val); err != nil {
			return p, BadRequest("invalid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return p, BadRequest("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return p, BadRequest("invalid JSON: trailing data after the document")
	}
	out.WriteByte('}')
	p.Fields = out.Bytes()
	return p, nil
}

func (p *ParsedBody) special(key string, val json.RawMessage) error {
	switch key {
	case "_id":
		if err := json.Unmarshal(val, &p.ID); err != nil {
			return illegalID("Document id must be a string")
		}
		if err := CheckID(p.ID); err != nil {
			return err
		}
	case "_rev":
		if err := json.Unmarshal(val, &p.Rev); err != nil {
			return BadRequest("Invalid rev format")
		}
	case "_deleted":
		if string(val) != "null" {
			if err := json.Unmarshal(val, &p.Deleted); err != nil {
				return DocValidation("_deleted must be a boolean")
			}
		}
	case "_revisions":
		var path revtree.Path
		if err := json.Unmarshal(val, &path); err != nil {
			p.RevisionsErr = DocValidation("_revisions: %v", err)
			return nil
		}
		if err := path.Validate(); err != nil {
			p.RevisionsErr = BadRequest("_revisions: %v", err)
			return nil
		}
		p.Revisions = &path
	default:
		if !ignoredSpecial[key] {
			return DocValidation("Bad special document member: %s", key)
		}
	}
	return nil
}

// CheckID validates a document id: non-empty valid UTF-8 of at most MaxIDLen
// bytes, without control characters (NUL, newlines...: they would end up in
// logs, keys and file names). Any other character is allowed ("/", "%",
// "?", "#" included); ids starting with "_" must be design ("_design/x") or
// local ("_local/x") ids. Refusals are CouchDB's illegal_docid (400).
func CheckID(id string) error {
	switch {
	case id == "":
		return illegalID("Document id must not be empty")
	case len(id) > MaxIDLen:
		return illegalID(fmt.Sprintf("Document id is longer than %d bytes", MaxIDLen))
	case !utf8.ValidString(id):
		return illegalID("Document id must be valid UTF-8")
	case strings.ContainsFunc(id, unicode.IsControl):
		return illegalID("Document id must not contain control characters")
	case strings.HasPrefix(id, "_"):
		for _, pre := range []string{DesignPrefix, LocalPrefix} {
			if strings.HasPrefix(id, pre) && len(id) > len(pre) {
				return nil
			}
		}
		return illegalID("Only reserved document ids may start with underscore.")
	}
	return nil
}

// illegalID is CouchDB's error for a malformed document id.
func illegalID(reason string) *Error {
	return &Error{Kind: ErrBadRequest, Code: "illegal_docid", Reason: reason}
}

// CheckDoctype validates a doctype name (a database name): 1..255 bytes of
// letters, digits and "._-", starting with a letter; "/" is not allowed.
func CheckDoctype(doctype string) error {
	if doctype == "" || len(doctype) > 255 {
		return BadRequest("invalid doctype %q", doctype)
	}
	for i := 0; i < len(doctype); i++ {
		c := doctype[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'))
		if !ok {
			return BadRequest("invalid doctype %q", doctype)
		}
	}
	return nil
}

// Meta is extra metadata rendered into a document body after the user fields.
type Meta struct {
	Deleted          bool
	Revisions        *revtree.Path
	RevsInfo         []revtree.RevInfo
	Conflicts        []string
	DeletedConflicts []string
}

// RenderDoc builds the JSON of a document: {"_id","_rev", fields..., meta}.
// fields must be a compact JSON object as in ParsedBody.Fields.
func RenderDoc(id, rev string, fields []byte, m Meta) json.RawMessage {
	var b bytes.Buffer
	b.Grow(len(fields) + len(id) + len(rev) + 32)
	b.WriteString(`{"_id":`)
	writeJSON(&b, id)
	if rev != "" {
		b.WriteString(`,"_rev":`)
		writeJSON(&b, rev)
	}
	if len(fields) > 2 {
		b.WriteByte(',')
		b.Write(fields[1 : len(fields)-1])
	}
	if m.Deleted {
		b.WriteString(`,"_deleted":true`)
	}
	if m.Revisions != nil {
		b.WriteString(`,"_revisions":`)
		writeJSON(&b, m.Revisions)
	}
	if m.RevsInfo != nil {
		b.WriteString(`,"_revs_info":`)
		writeJSON(&b, m.RevsInfo)
	}
	if len(m.Conflicts) > 0 {
		b.WriteString(`,"_conflicts":`)
		writeJSON(&b, m.Conflicts)
	}
	if len(m.DeletedConflicts) > 0 {
		b.WriteString(`,"_deleted_conflicts":`)
		writeJSON(&b, m.DeletedConflicts)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v any) {
	enc, err := json.Marshal(v)
	if err != nil { // only called with marshalable types
		enc = []byte("null")
	}
	b.Write(enc)
}

// DecodeDoc decodes a rendered document for selector matching, keeping
// numbers exact as json.Number.
func DecodeDoc(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	return m, nil
}
