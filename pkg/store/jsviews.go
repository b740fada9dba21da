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
}
