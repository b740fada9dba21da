package data

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// jsChangesFilter returns the per-change predicate of the _changes filters
// that run JavaScript: filter=ddoc/name (a filter function) and
// filter=_view&view=ddoc/name (the changes whose document the view's map
// function emits for). The predicate needs the change's winning document.
func (h *Handler) jsChangesFilter(c *gin.Context, db store.DB, filter string) (func(ctx context.Context, ch store.Change) (bool, error), error) {
	target, view := filter, false
	if filter == "_view" {
		target, view = c.Query("view"), true
		if target == "" {
			return nil, store.BadRequest("filter=_view needs a view=ddoc/name parameter")
		}
	}
	ddoc, name, ok := strings.Cut(strings.TrimPrefix(target, store.DesignPrefix), "/")
	if !ok || ddoc == "" || name == "" {
		return nil, store.BadRequest("filter %q must be _doc_ids, _selector, _view or ddoc/name", filter)
	}
	if h.Views == nil {
		return nil, &store.Error{Kind: store.ErrNotSupported, Code: "not_implemented", Reason: "JavaScript filters are not enabled"}
	}
	query := map[string]string{}
	for k, v := range c.Request.URL.Query() {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	req, err := json.Marshal(map[string]any{
		"method": c.Request.Method, "query": query, "path": strings.Split(strings.Trim(c.Request.URL.Path, "/"), "/"),
		"info": map[string]any{"db_name": db.Doctype()}, "userCtx": map[string]any{"db": db.Doctype(), "name": nil, "roles": []string{}},
		"body": "undefined", "headers": map[string]string{}, "form": map[string]string{}, "cookie": map[string]string{},
	})
	if err != nil {
		return nil, err
	}
	keep, err := store.JSFilter(c.Request.Context(), h.Views, db, ddoc, name, view, req)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, ch store.Change) (bool, error) { return keep(ctx, ch.Doc) }, nil
}
