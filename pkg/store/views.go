package store

import "context"

// GoView is a multi-key index ("view") defined by Go code rather than by a
// design document: Map returns the keys under which a document is listed
// (none, one or several, as a CouchDB map function emitting several times).
// Map receives the winning revision of every live, non-design document of
// the doctype; it must be a pure function of the document and must not keep
// it. Keys are arrays of JSON values (string, float64 or json.Number, bool,
// nil, []any, map[string]any) collated as CouchDB does.
//
// Rows sort by key, component by component, then by document id. Keys of
// one view should have the same number of components: a query by prefix
// matches keys component-wise, and rows whose keys have different lengths
// under one prefix sort by their components' encodings.
type GoView struct {
	// Name identifies the view in its doctype.
	Name string
	// Version names the definition of Map: a stored view built by another
	// version is rebuilt when the view is registered.
	Version string
	// Map lists the keys of a document.
	Map func(doc map[string]any) [][]any
}

// ViewQuery selects rows of a GoView.
type ViewQuery struct {
	// Prefix keeps the rows whose key starts with these components (all
	// rows when empty).
	Prefix []any
	// After resumes after this row (a cursor: the last row of the previous
	// page); nil starts at the first row.
	After *ViewRow
	// Skip rows are left out before Limit are returned; Limit <= 0 means
	// no limit.
	Skip, Limit int
	// Descending reverses the order.
	Descending bool
}

// ViewRow is one row of a GoView: a key and the document that emitted it.
type ViewRow struct {
	Key []any  `json:"key"`
	ID  string `json:"id"`
}

// ViewPage is the answer of a view query.
type ViewPage struct {
	// Rows are the selected rows, in order.
	Rows []ViewRow
	// Total counts every row matching the prefix (cursor, skip and limit
	// aside).
	Total int
}

// GoViews is implemented by the DBs that maintain GoViews. A registered
// view is kept up to date in the transaction of every write of its doctype
// (deletions, replicated and bulk writes included), exactly as Mango
// indexes are. Registration lives as long as the Store; it is done again
// by code at each start (the stored view is rebuilt if writes happened
// meanwhile without it, or if its Version changed).
type GoViews interface {
	// RegisterView registers a view and builds or refreshes it. Registering
	// the same name again replaces the definition.
	RegisterView(ctx context.Context, v GoView) error
	// QueryGoView reads a registered view; not_found if it is not
	// registered.
	QueryGoView(ctx context.Context, name string, q ViewQuery) (ViewPage, error)
}
