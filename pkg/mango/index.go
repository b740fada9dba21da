package mango

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/cozypi/cozy/pkg/collate"
)

// IndexDef is a json Mango index: an ordered list of fields and an optional
// partial filter. DDoc is the full design document id ("_design/...").
type IndexDef struct {
	DDoc          string
	Name          string
	Fields        []SortField // directions are ignored: entries are ascending
	PartialFilter *Selector   // nil when the index has no partial filter
}

// indexRequest is the body of POST /{db}/_index.
type indexRequest struct {
	Index *struct {
		Fields                []json.RawMessage `json:"fields"`
		PartialFilterSelector json.RawMessage   `json:"partial_filter_selector"`
		Selector              json.RawMessage   `json:"selector"` // legacy name of the partial filter
	} `json:"index"`
	DDoc *string `json:"ddoc"`
	Name *string `json:"name"`
	Type *string `json:"type"`
}

// ParseIndexRequest parses the body of POST _index (every json form
// CouchDB accepts: fields as names or {name: direction}, possibly empty; the
// partial filter as partial_filter_selector or its legacy name selector):
//
//	{"index": {"fields": ["a", {"b": "asc"}], "partial_filter_selector": {...}},
//	 "ddoc": "optional", "name": "optional", "type": "json"}
//
// When ddoc or name are omitted they default to the hex SHA-1 of the
// definition (see Signature), as CouchDB derives them from a hash, so that
// the same definition always lands in the same design document.
func ParseIndexRequest(raw json.RawMessage) (IndexDef, error) {
	var req indexRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return IndexDef{}, badf("index request: %v", err)
	}
	if req.Index == nil {
		return IndexDef{}, badf(`index request needs an "index" object`)
	}
	if req.Type != nil && *req.Type != "json" {
		return IndexDef{}, badf("index type %q is not supported: only json indexes", *req.Type)
	}
	// "fields": [] is accepted, as CouchDB does: cozy-client writes it
	// for a query whose whole selector is the partial filter; such an
	// index holds every document the filter accepts, in id order.
	if req.Index.Fields == nil {
		return IndexDef{}, badf(`index needs a "fields" array`)
	}
	if p := req.Index.PartialFilterSelector; (len(p) == 0 || string(p) == "null") && len(req.Index.Selector) > 0 && string(req.Index.Selector) != "null" {
		// CouchDB's earlier name of the partial filter.
		req.Index.PartialFilterSelector = req.Index.Selector
	}
	var ix IndexDef
	for _, f := range req.Index.Fields {
		sf, err := parseSortField(f)
		if err != nil {
			return IndexDef{}, err
		}
		sf.Desc = false
		ix.Fields = append(ix.Fields, sf)
	}
	if p := req.Index.PartialFilterSelector; len(p) > 0 && string(p) != "null" {
		sel, err := ParseSelector(p)
		if err != nil {
			return IndexDef{}, err
		}
		ix.PartialFilter = &sel
	}
	sig := ix.Signature()
	ix.DDoc, ix.Name = "_design/"+sig, sig
	if req.DDoc != nil && *req.DDoc != "" {
		ix.DDoc = designID(*req.DDoc)
		if ix.DDoc == "_design/" {
			return IndexDef{}, badf("invalid ddoc %q", *req.DDoc)
		}
	}
	if req.Name != nil && *req.Name != "" {
		ix.Name = *req.Name
	}
	return ix, nil
}

// designID adds the "_design/" prefix to a design document name if missing.
func designID(s string) string {
	if strings.HasPrefix(s, "_design/") {
		return s
	}
	return "_design/" + s
}

// Signature returns the hex SHA-1 of the index definition (field names and
// partial filter), independent of DDoc and Name. Two definitions with the
// same Signature index the same entries.
func (ix IndexDef) Signature() string {
	def := map[string]any{"fields": ix.fieldNames()}
	if ix.PartialFilter != nil {
		def["partial_filter_selector"] = ix.PartialFilter
	}
	b, _ := json.Marshal(def)
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

func (ix IndexDef) fieldNames() []string {
	names := make([]string, len(ix.Fields))
	for i, f := range ix.Fields {
		names[i] = f.Field
	}
	return names
}

// MarshalJSON encodes the index in the POST _index request form, so that
// ParseIndexRequest reads it back unchanged; a store can persist it this way.
func (ix IndexDef) MarshalJSON() ([]byte, error) {
	index := map[string]any{"fields": ix.fieldNames()}
	if ix.PartialFilter != nil {
		index["partial_filter_selector"] = ix.PartialFilter
	}
	return json.Marshal(map[string]any{"index": index, "ddoc": ix.DDoc, "name": ix.Name, "type": "json"})
}

// UnmarshalJSON decodes what MarshalJSON produced (or any POST _index body).
func (ix *IndexDef) UnmarshalJSON(b []byte) error {
	p, err := ParseIndexRequest(b)
	if err != nil {
		return err
	}
	*ix = p
	return nil
}

// Info returns the index as listed by GET /{db}/_index.
func (ix IndexDef) Info() map[string]any {
	fields := make([]any, len(ix.Fields))
	for i, f := range ix.Fields {
		fields[i] = map[string]any{f.Field: "asc"}
	}
	def := map[string]any{"fields": fields}
	if ix.PartialFilter != nil {
		def["partial_filter_selector"] = ix.PartialFilter
	}
	return map[string]any{"ddoc": ix.DDoc, "name": ix.Name, "type": "json", "partitioned": false, "def": def}
}

// Key returns the index key of doc: the concatenated collate encodings of the
// indexed fields. ok is false when the document is not in the index: a field
// is missing or the partial filter does not match. The store should append
// the document id to keep entries unique; Plan bounds hold for any suffix.
// doc must carry "_id" (and "_rev") if those are indexed.
func (ix IndexDef) Key(doc map[string]any) (key []byte, ok bool) {
	if ix.PartialFilter != nil && !ix.PartialFilter.Match(doc) {
		return nil, false
	}
	key = []byte{} // an index without fields has one empty key per document
	for _, f := range ix.Fields {
		path, err := ParseField(f.Field)
		if err != nil {
			return nil, false
		}
		v, found := lookup(doc, path)
		if !found {
			return nil, false
		}
		key = collate.EncodeKey(key, v)
	}
	return key, true
}
