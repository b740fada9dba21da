package store

import (
	"context"
	"encoding/json"
	"strings"
)

// JSFilter prepares a changes filter run by a query server: the filter
// function name of design document ddoc (path "filters", name), or with
// view set, the map function of that view (a change passes when its
// document emits a row: filter=_view). req is the request object given to
// filter functions. The design document is read once, here: the returned
// keep decides for one change's document (its winning revision, deleted
// ones included, as JSON), with one query-server call.
func JSFilter(ctx context.Context, qs QueryServer, db DB, ddoc, name string, view bool, req json.RawMessage) (keep func(ctx context.Context, doc json.RawMessage) (bool, error), err error) {
	id := ddoc
	if !strings.HasPrefix(id, DesignPrefix) {
		id = DesignPrefix + id
	}
	doc, err := db.Get(ctx, id, GetOptions{})
	if err != nil {
		return nil, err
	}
	var dd struct {
		Filters map[string]json.RawMessage `json:"filters"`
		Views   map[string]struct {
			Map json.RawMessage `json:"map"`
		} `json:"views"`
	}
	if err := json.Unmarshal(doc.Body, &dd); err != nil {
		return nil, BadRequest("invalid design document %s: %v", id, err)
	}
	path := []string{"filters", name}
	if view {
		path = []string{"views", name, "map"}
		if v, ok := dd.Views[name]; !ok || len(v.Map) == 0 {
			return nil, NotFound("missing json key: map")
		}
	} else if _, ok := dd.Filters[name]; !ok {
		return nil, NotFound("missing json key: " + name)
	}
	ref := DesignRef{ID: id, Rev: doc.Rev, Body: doc.Body}
	return func(ctx context.Context, doc json.RawMessage) (bool, error) {
		ok, err := qs.Filter(ctx, ref, path, []json.RawMessage{doc}, req)
		if err != nil {
			return false, err
		}
		return len(ok) == 1 && ok[0], nil
	}, nil
}
