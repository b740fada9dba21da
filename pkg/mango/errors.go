package mango

import (
	"errors"
	"fmt"
)

// ErrBadQuery is wrapped by every error caused by an invalid selector, index
// definition or query. The HTTP layer answers it with 400 Bad Request.
var ErrBadQuery = errors.New("mango: invalid query")

// ErrNoUsableIndex is wrapped by Plan when no index can serve a query. The
// HTTP layer answers it with 400 and the CouchDB error "no_usable_index".
var ErrNoUsableIndex = errors.New("mango: no usable index")

// badf returns an error wrapping ErrBadQuery.
func badf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadQuery}, args...)...)
}
