package mango

import (
	"errors"
	"testing"
)

func TestBadfWrapsErrBadQuery(t *testing.T) {
	err := badf("unknown operator %s", "$x")
	if !errors.Is(err, ErrBadQuery) || errors.Is(err, ErrNoUsableIndex) {
		t.Fatalf("badf result %v wraps the wrong sentinel", err)
	}
	if err.Error() != "mango: invalid query: unknown operator $x" {
		t.Errorf("message = %q", err)
	}
}
