package store

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorsClassify(t *testing.T) {
	tests := []struct {
		err  error
		kind error
		code string
	}{
		{NotFound(ReasonDeleted), ErrNotFound, "not_found"},
		{Conflict(), ErrConflict, "conflict"},
		{BadRequest("x %d", 1), ErrBadRequest, "bad_request"},
		{DocValidation("Bad special document member: _x"), ErrBadRequest, "doc_validation"},
		{NoUsableIndex("no index"), ErrNoUsableIndex, "no_usable_index"},
	}
	for _, tt := range tests {
		wrapped := fmt.Errorf("put doc: %w", tt.err)
		if !errors.Is(wrapped, tt.kind) {
			t.Errorf("%v is not %v", wrapped, tt.kind)
		}
		if got := AsError(wrapped); got.Code != tt.code {
			t.Errorf("AsError(%v).Code = %q", wrapped, got.Code)
		}
	}
	if got := AsError(errors.New("disk")); got.Kind != nil || got.Code != "internal_server_error" {
		t.Errorf("foreign error = %+v", got)
	}
}
