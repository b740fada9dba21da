package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cozypi/cozy/pkg/revtree"
)

// MaxIDLen is the longest document id accepted, in bytes. CouchDB has no
// limit by default (PouchDB's own tests write ids of more than a KiB). Ours
// comes from the store's key layout: an id is a bbolt key (32 KiB at most)
// and the tail of every index and view row key, bounded below that (30 KiB,
// bolt's maxEntryKey) with the collated key before it. A collated ASCII
// string is up to 6 times longer than the string, so 4 KiB still lets a
// view emit the document's id as its key (about 7 times the id).
const MaxIDLen = 4 << 10

// MaxAttachmentNameLen is the longest attachment name accepted, in bytes.
const MaxAttachmentNameLen = 1024

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
	// Specials are the special members read (and not kept in Fields), in
	// the order of the body: callers with stricter rules than CouchDB's
	// (a create through the data API refuses them) check them here.
	Specials []string
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
func ParseBody(raw []byte) (ParsedBody, error) { return parseBody(raw, "") }

// ParseClientBody is ParseBody for a document a client of the data API
// sends back as it read it: a top-level "_type" (which reads add, as
// upstream's do) is dropped instead of refused.
func ParseClientBody(raw []byte) (ParsedBody, error) { return parseBody(raw, "_type") }

// parseBody splits a valid JSON object in one pass over its bytes; any
// other body goes to parseBodyTokens, whose errors say what is wrong.
func parseBody(raw []byte, drop string) (ParsedBody, error) {
	if !json.Valid(raw) {
		return parseBodyTokens(raw, drop)
	}
	i := skipSpace(raw, 0)
	if raw[i] != '{' {
		return parseBodyTokens(raw, drop)
	}
	var p ParsedBody
	out := make([]byte, 0, len(raw))
	out = append(out, '{')
	var keys []string
	var seen map[string]bool
	for i = skipSpace(raw, i+1); raw[i] != '}'; i = skipSpace(raw, i) {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := skipString(raw, i)
		rawKey := raw[i:end]
		key, plain := string(rawKey[1:len(rawKey)-1]), asciiPlain(rawKey)
		if !plain {
			if err := json.Unmarshal(rawKey, &key); err != nil {
				return parseBodyTokens(raw, drop)
			}
		}
		i = skipSpace(raw, end) // at ':'
		start := skipSpace(raw, i+1)
		i = skipValue(raw, start)
		val := raw[start:i]
		if seen != nil && seen[key] || seen == nil && slices.Contains(keys, key) {
			return p, BadRequest("invalid JSON: duplicate member %q", key)
		}
		switch {
		case seen != nil:
			seen[key] = true
		case len(keys) < 16: // a few members: a slice costs less than a map
			keys = append(keys, key)
		default:
			seen = map[string]bool{key: true}
			for _, k := range keys {
				seen[k] = true
			}
		}
		if drop != "" && key == drop {
			continue
		}
		if strings.HasPrefix(key, "_") && !keptSpecial(key) {
			p.Specials = append(p.Specials, key)
			if err := p.special(key, val); err != nil {
				return p, err
			}
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		if plain {
			out = append(out, rawKey...)
		} else {
			kb, _ := json.Marshal(key)
			out = append(out, kb...)
		}
		out = append(out, ':')
		buf := bytes.NewBuffer(out)
		if err := json.Compact(buf, val); err != nil {
			return p, BadRequest("invalid JSON: %v", err)
		}
		out = buf.Bytes()
	}
	p.Fields = append(out, '}')
	return p, nil
}

// skipSpace returns the index of the first non-space byte from i.
func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string starting at i.
func skipString(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index after the (valid) JSON value starting at i.
func skipValue(raw []byte, i int) int {
	switch raw[i] {
	case '"':
		return skipString(raw, i)
	case '{', '[':
		depth := 0
		for ; i < len(raw); i++ {
			switch raw[i] {
			case '"':
				i = skipString(raw, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(raw) && !strings.ContainsRune(",}] \t\n\r", rune(raw[i])) {
		i++
	}
	return i
}

// asciiPlain reports whether a JSON string token is printable ASCII without
// escapes nor characters json.Marshal would escape, so that it is the
// encoding of its value as json.Marshal writes it.
func asciiPlain(tok []byte) bool {
	for _, c := range tok[1 : len(tok)-1] {
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// asciiPlainString is asciiPlain for a string's value.
func asciiPlainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' || c == '"' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// parseBodyTokens is parseBody through encoding/json's tokens: slower,
// for the bodies whose errors must be told.
func parseBodyTokens(raw []byte, drop string) (ParsedBody, error) {
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
		if drop != "" && key == drop {
			continue
		}
		if strings.HasPrefix(key, "_") && !keptSpecial(key) {
			p.Specials = append(p.Specials, key)
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
	// Ids and revs are nearly always plain ASCII: their encoding is
	// themselves in quotes, without json.Marshal's reflection.
	if s, ok := v.(string); ok && asciiPlainString(s) {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
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
