package store

import (
	"context"
	"encoding/json"
	"errors"
)

// ErrQueryServer is the kind of the errors of the query server that runs a
// design document's JavaScript: a function over its time or memory limit,
// one that does not compile, a reduce that throws (500 os_process_error,
// as CouchDB answers).
var ErrQueryServer = errors.New("query server error")

// QueryServerError returns an ErrQueryServer error with CouchDB's code.
func QueryServerError(code, reason string) *Error {
	return &Error{Kind: ErrQueryServer, Code: code, Reason: reason}
}

// KV is one [key, value] pair emitted by a map function, as JSON texts.
type KV [2]json.RawMessage

// DesignRef names a revision of a design document, with its body, for the
// functions a query server calls in it (filters).
type DesignRef struct {
	ID, Rev string
	Body    json.RawMessage
}

// QueryServer runs the JavaScript functions of design documents, outside
// the server process (see services/queryserver). Errors are ErrQueryServer
// ones, or the context's.
type QueryServer interface {
	// Map runs the map functions funs over docs: rows[d][f] are the pairs
	// document d emitted from function f. A function that throws for a
	// document emits nothing for it (and is logged).
	Map(ctx context.Context, funs []string, docs []json.RawMessage) (rows [][][]KV, err error)
	// Reduce runs a reduce function over rows (keys are [key, id] pairs).
	Reduce(ctx context.Context, fun string, keys, values []json.RawMessage) (json.RawMessage, error)
	// Rereduce runs a reduce function over reduced values.
	Rereduce(ctx context.Context, fun string, values []json.RawMessage) (json.RawMessage, error)
	// Filter runs the function at path in ddoc ("filters", name, or
	// "views", name, "map": true when it emits) over docs; req is the
	// request object filters receive.
	Filter(ctx context.Context, ddoc DesignRef, path []string, docs []json.RawMessage, req json.RawMessage) ([]bool, error)
	// Validate runs the validate_doc_update function of ddoc on a write
	// of newDoc over oldDoc (JSON null: none): nil accepts it, a
	// Forbidden or Unauthorized error refuses it.
	Validate(ctx context.Context, ddoc DesignRef, newDoc, oldDoc, userCtx, secObj json.RawMessage) error
}

// JSViewQuery are the options of a view query (GET/POST
// /_design/:ddoc/_view/:view), CouchDB's names in comments.
type JSViewQuery struct {
	// Keys (keys) selects exactly these keys, in this order, when HasKeys.
	Keys    []any
	HasKeys bool
	// StartKey and EndKey (startkey/endkey, key sets both) bound the rows
	// when HasStart / HasEnd; StartDocID and EndDocID bound the ids among
	// the rows of those keys.
	StartKey, EndKey     any
	HasStart, HasEnd     bool
	StartDocID, EndDocID string
	// InclusiveEnd (inclusive_end, default true) keeps the rows equal to
	// the end bound.
	InclusiveEnd bool
	Descending   bool
	// Limit < 0 means none; Skip rows (or groups) are left out first.
	Limit, Skip int
	IncludeDocs bool
	// Reduce (reduce) is nil for the default: reduce when the view has a
	// reduce function.
	Reduce *bool
	// Group (group) groups by the whole key; GroupLevel (group_level) > 0
	// by the first GroupLevel elements of array keys.
	Group      bool
	GroupLevel int
	// Update is "true" (the default, ""), "false" (the index as it is) or
	// "lazy" (as it is, then updated in the background).
	Update string
}

// JSViewHead is what precedes the rows of a view answer.
type JSViewHead struct {
	TotalRows int64 // map answers only
	Offset    int64 // map answers only
	Reduced   bool  // the rows are reduced: no total_rows nor offset
	UpdateSeq uint64
}

// JSViewRow is one row of a view answer. ID is empty for reduced rows;
// Doc is set with IncludeDocs ("null" when the document is gone).
type JSViewRow struct {
	ID         string
	Key, Value json.RawMessage
	Doc        json.RawMessage
}

// JSViews is implemented by the DBs that index the JavaScript views of
// their design documents. Indexes are updated on query from the last
// indexed sequence, rebuilt when the design document's map functions
// change and removed with it.
type JSViews interface {
	// QueryJSView answers a view query: head is called once, before the
	// rows, then row for each row in order (the answer is not held whole
	// in memory). An error before head is the query's; after, the answer
	// is cut short.
	QueryJSView(ctx context.Context, qs QueryServer, ddoc, view string, q JSViewQuery,
		head func(JSViewHead) error, row func(JSViewRow) error) error
	// UpdateJSViews brings the indexes of a design document up to date;
	// it returns the sequence they are at.
	UpdateJSViews(ctx context.Context, qs QueryServer, ddoc string) (uint64, error)
}
