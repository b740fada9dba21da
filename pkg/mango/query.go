package mango

import (
	"encoding/json"
	"strings"
)

// Limits applied by ParseQuery, as cozy-stack does for /data/:doctype/_find.
const (
	DefaultLimit = 100  // when limit is absent or above MaxLimit
	MaxLimit     = 1000 // largest limit accepted as given
)

// SortField is one field of a sort specification or of an index.
type SortField struct {
	Field string // Mango field name, dots for sub-fields
	Desc  bool
}

// Query is a parsed _find request.
type Query struct {
	Selector       Selector
	Fields         []string    // projection; nil for whole documents
	Sort           []SortField // all in the same direction
	Limit          int         // DefaultLimit when absent or above MaxLimit
	Skip           int
	Bookmark       string   // "" when absent; validated by DecodeBookmark
	UseIndex       []string // ["_design/ddoc"] or ["_design/ddoc", "name"]; nil when absent
	ExecutionStats bool
}

// queryRequest mirrors the JSON body; unknown keys are ignored, as cozy-stack
// does when it forwards requests to CouchDB.
type queryRequest struct {
	Selector       json.RawMessage   `json:"selector"`
	Fields         []string          `json:"fields"`
	Sort           []json.RawMessage `json:"sort"`
	Limit          *json.Number      `json:"limit"`
	Skip           *json.Number      `json:"skip"`
	Bookmark       *string           `json:"bookmark"`
	UseIndex       json.RawMessage   `json:"use_index"`
	ExecutionStats bool              `json:"execution_stats"`
}

// ParseQuery parses the body of POST _find. Errors wrap ErrBadQuery.
func ParseQuery(raw json.RawMessage) (Query, error) {
	var req queryRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return Query{}, badf("query: %v", err)
	}
	var q Query
	if len(req.Selector) == 0 || string(req.Selector) == "null" {
		return Query{}, badf(`query needs a "selector" object`)
	}
	sel, err := ParseSelector(req.Selector)
	if err != nil {
		return Query{}, err
	}
	q.Selector = sel
	for _, f := range req.Fields {
		if _, err := ParseField(f); err != nil {
			return Query{}, badf("fields: %v", strings.TrimPrefix(err.Error(), ErrBadQuery.Error()+": "))
		}
	}
	q.Fields = req.Fields
	if q.Sort, err = parseSort(req.Sort); err != nil {
		return Query{}, err
	}
	q.Limit = DefaultLimit
	if req.Limit != nil {
		n, ok := integer(*req.Limit)
		if !ok || n < 0 {
			return Query{}, badf("limit must be a non-negative integer")
		}
		if n <= MaxLimit {
			q.Limit = int(n)
		}
	}
	if req.Skip != nil {
		n, ok := integer(*req.Skip)
		if !ok || n < 0 || n > 1<<31 {
			return Query{}, badf("skip must be a non-negative integer")
		}
		q.Skip = int(n)
	}
	if req.Bookmark != nil && *req.Bookmark != "nil" {
		if *req.Bookmark != "" {
			if _, _, err := DecodeBookmark(*req.Bookmark); err != nil {
				return Query{}, err
			}
		}
		q.Bookmark = *req.Bookmark
	}
	if q.UseIndex, err = parseUseIndex(req.UseIndex); err != nil {
		return Query{}, err
	}
	q.ExecutionStats = req.ExecutionStats
	return q, nil
}

// parseSortField reads "field" or {"field": "asc"|"desc"}.
func parseSortField(raw json.RawMessage) (SortField, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		if _, err := ParseField(name); err != nil {
			return SortField{}, err
		}
		return SortField{Field: name}, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
		return SortField{}, badf(`invalid sort field %s: want "field" or {"field": "asc"|"desc"}`, raw)
	}
	for k, dir := range m {
		if _, err := ParseField(k); err != nil {
			return SortField{}, err
		}
		switch dir {
		case "asc":
			return SortField{Field: k}, nil
		case "desc":
			return SortField{Field: k, Desc: true}, nil
		}
		return SortField{}, badf("invalid sort direction %q for %s: want asc or desc", dir, k)
	}
	return SortField{}, nil
}

func parseSort(raws []json.RawMessage) ([]SortField, error) {
	var out []SortField
	for _, r := range raws {
		sf, err := parseSortField(r)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && out[0].Desc != sf.Desc {
			return nil, badf("unsupported_mixed_sort: all sort fields must use the same direction")
		}
		out = append(out, sf)
	}
	return out, nil
}

// parseUseIndex reads "ddoc", "ddoc/name", "_design/ddoc/name", ["ddoc"] or
// ["ddoc", "name"].
func parseUseIndex(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var parts []string
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return nil, nil
		}
		s = strings.TrimPrefix(s, "_design/")
		parts = strings.SplitN(s, "/", 2)
	} else if err := json.Unmarshal(raw, &parts); err != nil || len(parts) == 0 || len(parts) > 2 {
		return nil, badf(`use_index must be "ddoc", "ddoc/name" or ["ddoc", "name"]`)
	}
	if strings.TrimPrefix(parts[0], "_design/") == "" || (len(parts) == 2 && parts[1] == "") {
		return nil, badf("use_index: empty design document or index name")
	}
	parts[0] = designID(parts[0])
	return parts, nil
}
