package store

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
)

// JSFilter prepares a changes filter run by a query server: the filter
// function name of design document ddoc (path "filters", name), or with
// view set, the map function of that view (a change passes when its
// document emits a row: filter=_view). req is the request object given to
// filter functions.
//
// match is for ChangesOptions.Match: it sends each document to the query
// server (one call per change, so that the feed's memory stays bounded).
// It cannot fail, so the first error makes it refuse every later change
// and is returned by check, which the caller calls once the changes are
// read.
func JSFilter(ctx context.Context, qs QueryServer, db DB, ddoc, name string, view bool, req json.RawMessage) (match func(map[string]any) bool, check func() error, err error) {
	id := ddoc
	if !strings.HasPrefix(id, DesignPrefix) {
		id = DesignPrefix + id
	}
	doc, err := db.Get(ctx, id, GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	var dd struct {
		Filters map[string]json.RawMessage `json:"filters"`
		Views   map[string]struct {
			Map json.RawMessage `json:"map"`
		} `json:"views"`
	}
	if err := json.Unmarshal(doc.Body, &dd); err != nil {
		return nil, nil, BadRequest("invalid design document %s: %v", id, err)
	}
	path := []string{"filters", name}
	if view {
		path = []string{"views", name, "map"}
		if v, ok := dd.Views[name]; !ok || len(v.Map) == 0 {
			return nil, nil, NotFound("missing json key: map")
		}
	} else if _, ok := dd.Filters[name]; !ok {
		return nil, nil, NotFound("missing json key: " + name)
	}
	ref := DesignRef{ID: id, Rev: doc.Rev, Body: doc.Body}
	var (
		mu    sync.Mutex
		first error
	)
	fail := func(err error) bool {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
		return false
	}
	match = func(m map[string]any) bool {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			return false
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return fail(err)
		}
		ok, err := qs.Filter(ctx, ref, path, []json.RawMessage{raw}, req)
		if err != nil {
			return fail(err)
		}
		return len(ok) == 1 && ok[0]
	}
	check = func() error {
		mu.Lock()
		defer mu.Unlock()
		return first
	}
	return match, check, nil
}
